package io.worldlink.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Named daemon threads, so that WorldLink's pools never keep a JVM alive and show up clearly in dumps. */
public final class Daemons {
    private Daemons() {}

    /**
     * @param prefix the threads' name prefix
     * @return a factory of daemon threads named {@code prefix-1}, {@code prefix-2}, ...
     */
    public static ThreadFactory factory(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    /**
     * @param prefix the threads' name prefix
     * @return a factory like {@link #factory} that remembers its threads, so that their end can be awaited
     */
    public static Tracked tracked(String prefix) {
        return new Tracked(factory(prefix));
    }

    /** A thread factory whose threads can be waited for, once their pool is shut down. */
    public static final class Tracked implements ThreadFactory {
        private final ThreadFactory threads;
        private final Set<Thread> made = ConcurrentHashMap.newKeySet();

        private Tracked(ThreadFactory threads) {
            this.threads = threads;
        }

        @Override
        public Thread newThread(Runnable task) {
            Thread t = threads.newThread(task);
            // A pool replaces a worker that a task's exception ended: forget the ended ones as it does.
            made.removeIf(old -> old.getState() == Thread.State.TERMINATED);
            made.add(t);
            return t;
        }

        /**
         * Waits for every thread made so far to end. A pool reports itself terminated a moment before
         * its last thread has ended; this waits for the threads themselves.
         *
         * @param deadline {@link System#nanoTime()} by which to give up
         * @return whether they all ended in time
         * @throws InterruptedException when interrupted while waiting
         */
        public boolean join(long deadline) throws InterruptedException {
            for (Thread t : made) {
                long left = deadline - System.nanoTime();
                if (left > 0) {
                    t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
                if (t.isAlive()) {
                    return false;
                }
                made.remove(t);
            }
            return true;
        }
    }
}
