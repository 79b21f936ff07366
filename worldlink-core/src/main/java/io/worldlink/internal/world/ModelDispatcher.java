package io.worldlink.internal.world;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts model calls on a pool, at most {@code limit} at once over all worlds; the rest wait their turn
 * without holding a thread. A started call gives its slot back with {@link #release()} when it ends.
 */
public final class ModelDispatcher {
    private final Executor pool;
    private final int limit;
    private final AtomicInteger active = new AtomicInteger();
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    /**
     * @param pool where calls are started
     * @param limit how many calls may run at once
     */
    public ModelDispatcher(Executor pool, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("the model call limit must be at least 1, was " + limit);
        }
        this.pool = pool;
        this.limit = limit;
    }

    /** @param start starts a call; the call must end with exactly one {@link #release()} */
    public void submit(Runnable start) {
        waiting.add(start);
        pump();
    }

    /** Gives back the slot of a call that ended. */
    public void release() {
        active.decrementAndGet();
        pump();
    }

    /** @return how many calls run now */
    public int active() {
        return active.get();
    }

    private void pump() {
        while (!waiting.isEmpty()) {
            int a = active.get();
            if (a >= limit) {
                return;
            }
            if (!active.compareAndSet(a, a + 1)) {
                continue;
            }
            Runnable next = waiting.poll();
            if (next == null) {
                active.decrementAndGet();
                continue;
            }
            pool.execute(next);
        }
    }
}
