package io.worldlink.redis.internal;

import io.lettuce.core.resource.ThreadFactoryProvider;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names the Redis client's threads {@code worldlink-redis-io-N} (Netty's event loops: the sockets),
 * {@code worldlink-redis-work-N} (Lettuce's computation pool: deliveries to listeners) and
 * {@code worldlink-redis-timer-N} (timeouts, reconnects, renewals), all daemons,
 * and remembers them so that closing a node can wait until they have ended.
 */
final class RedisThreads implements ThreadFactoryProvider {
    private final Set<Thread> made = ConcurrentHashMap.newKeySet();

    @Override
    public ThreadFactory getThreadFactory(String poolName) {
        String prefix = "worldlink-redis-" + shortName(poolName);
        AtomicInteger n = new AtomicInteger();
        return task -> {
            // Netty's own thread class, so that its thread-locals take the fast path as in Netty's threads.
            Thread t = new FastThreadLocalThread(task, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            made.add(t);
            return t;
        };
    }

    // Lettuce asks for "lettuce-nioEventLoop", "lettuce-eventExecutorLoop" and "lettuce-timer".
    private static String shortName(String poolName) {
        if (poolName.contains("EventLoop")) {
            return "io";
        }
        if (poolName.contains("eventExecutor")) {
            return "work";
        }
        return poolName.startsWith("lettuce-") ? poolName.substring("lettuce-".length()) : poolName;
    }

    /**
     * Waits for every thread made so far to end; their pools have been shut down.
     *
     * @param deadline {@link System#nanoTime()} by which to give up
     * @return whether they all ended in time
     * @throws InterruptedException when interrupted while waiting
     */
    boolean join(long deadline) throws InterruptedException {
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
