package io.worldlink.internal.protocol;

import java.util.concurrent.atomic.LongAdder;

/**
 * The characters waiting to be sent over all connections, and the server-wide budget they are held to.
 * The count is striped ({@link LongAdder}): the frames of many connections add to it and take from it
 * without contending on one counter, and it is summed only where a decision needs the total: for a
 * connection that is behind ({@link ClientSession#BEHIND_CHARS}) and for a frame outside the queues'
 * caps (a world's export).
 */
final class QueueBudget {
    private final long budget;
    private final LongAdder total = new LongAdder();

    QueueBudget(long budget) {
        this.budget = budget;
    }

    /** Counts characters that now wait to be sent. */
    void take(long chars) {
        total.add(chars);
    }

    /** Gives back characters that were sent, or dropped with their connection. */
    void give(long chars) {
        total.add(-chars);
    }

    /** {@return whether more waits than the budget allows} */
    boolean over() {
        return total.sum() > budget;
    }

    /**
     * Counts characters when the total stays within the budget with them. Taken first and checked after,
     * so that two takers at once can both be refused, never both let past the budget.
     *
     * @return whether they were counted
     */
    boolean tryTake(long chars) {
        total.add(chars);
        if (total.sum() > budget) {
            total.add(-chars);
            return false;
        }
        return true;
    }

    /** {@return the characters waiting now, over all connections} */
    long total() {
        return total.sum();
    }

    /** {@return the budget} */
    long budget() {
        return budget;
    }
}
