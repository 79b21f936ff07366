package io.worldlink.internal.world;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts model calls on a pool, at most {@code limit} at once over all worlds; the rest wait their turn
 * without holding a thread, at most {@code maxWaiting} of them, each holding its request. A started call
 * gives its slot back with {@link #release()} when it ends.
 */
public final class ModelDispatcher {
    private final Executor pool;
    private final int limit;
    private final int maxWaiting;
    private final AtomicInteger active = new AtomicInteger();
    // The queue's size, counted apart: a ConcurrentLinkedQueue counts by walking its nodes.
    private final AtomicInteger queued = new AtomicInteger();
    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();

    /**
     * @param pool where calls are started
     * @param limit how many calls may run at once
     * @param maxWaiting how many calls may wait for a slot
     */
    public ModelDispatcher(Executor pool, int limit, int maxWaiting) {
        if (limit < 1 || maxWaiting < 1) {
            throw new IllegalArgumentException("the model call limit and the calls that may wait must be at least "
                    + "1, were " + limit + " and " + maxWaiting);
        }
        this.pool = pool;
        this.limit = limit;
        this.maxWaiting = maxWaiting;
    }

    /**
     * @param start starts a call; the call must end with exactly one {@link #release()}
     * @throws WorldLinkException {@link ErrorCode#MODEL_ERROR} when as many calls wait as may: the call was
     *     not taken, and has no slot to give back
     */
    public void submit(Runnable start) {
        if (queued.incrementAndGet() > maxWaiting) {
            queued.decrementAndGet();
            throw new WorldLinkException(ErrorCode.MODEL_ERROR, "The server's models are busy: " + maxWaiting
                    + " calls wait their turn behind the " + limit + " under way, as many as may wait. This reply "
                    + "was not started; send the message again in a moment.");
        }
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
            queued.decrementAndGet();
            pool.execute(next);
        }
    }
}
