package io.worldlink.internal.protocol;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the server holds for its clients: the characters waiting to be sent over all connections, and
 * the requests waiting their turn, with the server-wide budget they are held to.
 *
 * <p>The count is striped ({@link LongAdder}): the frames of many connections add to it and take from it
 * without contending on one counter, and it is summed only where a decision needs the total: for a
 * connection that is behind (more than {@link #BEHIND_CHARS} wait for it), for a large frame (an export)
 * and for a request that must wait for the ones ahead of it. When the total is past the budget, the
 * connections that are behind are closed (1013), those that hold the most first, until it is within; a
 * connection that keeps up is never closed for it. An export or a waiting request that the budget cannot
 * take is refused. So everything past a connection's first {@link #BEHIND_CHARS} is counted only when the
 * total stays within the budget with it, and the total stays under the budget plus {@link #BEHIND_CHARS}
 * for each connection.
 */
final class QueueBudget {
    /** A connection with more than this waiting for it is behind. */
    static final int BEHIND_CHARS = 8 * 1024;

    private record Holder(ClientSession session, long chars) {}

    private final long budget;
    private final Collection<ClientSession> sessions;
    private final LongAdder total = new LongAdder();
    private final AtomicBoolean relieving = new AtomicBoolean();

    /**
     * @param budget the most that may wait over all connections
     * @param sessions the open connections, read when room must be made
     */
    QueueBudget(long budget, Collection<ClientSession> sessions) {
        this.budget = budget;
        this.sessions = sessions;
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

    /**
     * Brings the total back within the budget: closes the connections that are behind, the ones that hold
     * the most first, until it is within. One sweep at a time; a caller that finds one under way goes on
     * without waiting for it.
     */
    void relieve() {
        if (!relieving.compareAndSet(false, true)) {
            return;
        }
        try {
            List<Holder> behind = new ArrayList<>();
            for (ClientSession s : sessions) {
                long chars = s.heldChars();
                if (chars > BEHIND_CHARS) {
                    behind.add(new Holder(s, chars));
                }
            }
            behind.sort(Comparator.comparingLong(Holder::chars).reversed());
            for (Holder h : behind) {
                if (!over()) {
                    return;
                }
                h.session().close(1013, closeReason());
            }
        } finally {
            relieving.set(false);
        }
    }

    /** {@return what a refusal for the budget begins with} */
    String full() {
        return "The server holds as much as it may for its clients (" + budget + " characters)";
    }

    /** {@return what a connection closed for the budget is told} */
    String closeReason() {
        return "The server holds more than " + budget + " characters for its clients, and this one is behind; try "
                + "again later.";
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
