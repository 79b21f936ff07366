package io.worldlink.redis.internal;

import io.netty.util.Timeout;
import io.netty.util.Timer;
import io.netty.util.TimerTask;
import java.lang.System.Logger.Level;
import java.util.concurrent.TimeUnit;

/**
 * A short task that runs on the link's timer thread again and again, a fixed delay after each run. Lease
 * and liveness renewals and publish retries run there rather than on the workers, so that no backlog of deliveries to
 * listeners can hold them up (a late renewal can cost a lease). The timer's ticks are 100 ms long.
 */
public final class Repeating implements TimerTask {
    private static final System.Logger LOG = System.getLogger(Repeating.class.getName());

    private final Timer timer;
    private final long delayMillis;
    private final Runnable task;
    private volatile boolean cancelled;
    private volatile Timeout next;

    private Repeating(Timer timer, long delayMillis, Runnable task) {
        this.timer = timer;
        this.delayMillis = delayMillis;
        this.task = task;
    }

    /**
     * @param link the link on whose timer it runs
     * @param delayMillis the delay before the first run and after each run
     * @param task what to run; it must return quickly
     * @return the repetition, started
     */
    public static Repeating start(RedisLink link, long delayMillis, Runnable task) {
        Repeating r = new Repeating(link.timer(), delayMillis, task);
        r.schedule();
        return r;
    }

    @Override
    public void run(Timeout timeout) {
        if (cancelled) {
            return;
        }
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "A repeated task of the Redis link failed; it runs again.", e);
        } finally {
            schedule();
        }
    }

    private void schedule() {
        if (cancelled) {
            return;
        }
        try {
            next = timer.newTimeout(this, delayMillis, TimeUnit.MILLISECONDS);
        } catch (IllegalStateException stopped) {
            // The link is closing: its timer takes no more tasks.
        }
    }

    /** Stops the repetition; a run under way ends, and there is no other. */
    public void cancel() {
        cancelled = true;
        Timeout t = next;
        if (t != null) {
            t.cancel();
        }
    }
}
