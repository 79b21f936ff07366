package io.worldlink.internal.model;

import io.worldlink.internal.Daemons;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * Where a built-in model schedules its delays (the offline model's pace, the HTTP model's gap
 * watchdog). A model that WorldLink builds uses WorldLink's own timer, which {@code WorldLink.close()}
 * stops; a model that a host builds itself has a thread of its own only while one of its calls is under
 * way, so that no thread of a model outlives its calls and nothing needs closing.
 */
public abstract class ModelTimer {
    private ModelTimer() {}

    /**
     * @param timer a scheduler that its owner shuts down
     * @return a timer that uses it and never stops it
     */
    public static ModelTimer shared(ScheduledExecutorService timer) {
        return new ModelTimer() {
            @Override
            ScheduledExecutorService acquire() {
                return timer;
            }

            @Override
            void release() {
                // Its owner stops it.
            }
        };
    }

    /**
     * @param name the thread's name prefix
     * @return a timer that starts a daemon thread for the first call under way and stops it after the last
     */
    public static ModelTimer perCall(String name) {
        return new PerCall(name);
    }

    /** @return the scheduler for one call; the call must {@link #release} it exactly once when it ends */
    abstract ScheduledExecutorService acquire();

    /** Ends one call's use of the scheduler. */
    abstract void release();

    private static final class PerCall extends ModelTimer {
        private final String name;
        private ScheduledThreadPoolExecutor executor;
        private int calls;

        PerCall(String name) {
            this.name = name;
        }

        @Override
        synchronized ScheduledExecutorService acquire() {
            if (executor == null) {
                executor = new ScheduledThreadPoolExecutor(1, Daemons.factory(name));
                executor.setRemoveOnCancelPolicy(true);
                // The last call is over: a watchdog or pace step still waiting has nothing left to do.
                executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            }
            calls++;
            return executor;
        }

        @Override
        synchronized void release() {
            if (--calls == 0) {
                // shutdown, not shutdownNow: release may run on the timer's own thread, inside a listener.
                executor.shutdown();
                executor = null;
            }
        }
    }
}
