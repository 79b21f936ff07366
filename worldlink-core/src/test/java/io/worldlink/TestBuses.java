package io.worldlink;

import io.worldlink.event.WorldEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Event buses that deliver as a bus between processes may: on threads of their own, late, twice, out of
 * order, or not at all. Each is closed after the WorldLink that uses it.
 */
public final class TestBuses {
    private TestBuses() {}

    /** A bus that hands events to an in-process bus from threads of its own. */
    public abstract static class ThreadedBus implements EventBus, AutoCloseable {
        final EventBus local = EventBus.inProcess();
        private final List<ExecutorService> threads = new ArrayList<>();

        <T extends ExecutorService> T thread(T t) {
            threads.add(t);
            return t;
        }

        @Override
        public Subscription subscribe(WorldKey world, Consumer<? super WorldEvent> listener) {
            return local.subscribe(world, listener);
        }

        @Override
        public void close() throws InterruptedException {
            for (ExecutorService t : threads) {
                t.shutdownNow();
                if (!t.awaitTermination(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("a bus thread did not stop");
                }
            }
        }
    }

    /** @return a bus that delivers each event on its own thread, {@code delay} after it was published, in order */
    public static ThreadedBus late(Duration delay) {
        return new ThreadedBus() {
            final ScheduledExecutorService thread = thread(Executors.newSingleThreadScheduledExecutor());

            @Override
            public void publish(WorldKey world, WorldEvent event) {
                thread.schedule(() -> local.publish(world, event), delay.toNanos(), TimeUnit.NANOSECONDS);
            }
        };
    }

    /**
     * @return a bus that delivers every event on one thread, in order, and every durable event once more
     *     on another thread at the same time
     */
    public static ThreadedBus twice() {
        return new ThreadedBus() {
            final ExecutorService one = thread(Executors.newSingleThreadExecutor());
            final ExecutorService two = thread(Executors.newSingleThreadExecutor());

            @Override
            public void publish(WorldKey world, WorldEvent event) {
                one.execute(() -> local.publish(world, event));
                if (event.seq() > 0) {
                    two.execute(() -> local.publish(world, event));
                }
            }
        };
    }

    /**
     * A bus on its own thread that loses some durable events, delivers some twice and some after the
     * next one, as a reconnecting bus between processes may. Events without a seq go out in order. When
     * it has nothing left to deliver, it delivers each world's newest durable event once more, as such a
     * bus does after a reconnect, so that a loss at the end of a turn is noticed.
     *
     * @param seed what it does to which event
     * @return the bus
     */
    public static ThreadedBus chaos(long seed) {
        return new ThreadedBus() {
            final ThreadPoolExecutor thread = thread(
                    (ThreadPoolExecutor) Executors.newFixedThreadPool(1));
            final Random random = new Random(seed);
            // Touched on the bus's thread only.
            final Map<WorldKey, WorldEvent> newest = new HashMap<>();
            final Queue<Runnable> afterNext = new ArrayDeque<>();

            @Override
            public void publish(WorldKey world, WorldEvent event) {
                thread.execute(() -> {
                    if (event.seq() == 0) {
                        local.publish(world, event);
                    } else {
                        newest.put(world, event);
                        switch (random.nextInt(8)) {
                            case 0 -> { } // lost
                            case 1 -> {
                                local.publish(world, event);
                                afterNext.add(() -> local.publish(world, event));
                            }
                            case 2 -> afterNext.add(() -> local.publish(world, event));
                            default -> {
                                local.publish(world, event);
                                drain();
                            }
                        }
                    }
                    if (thread.getQueue().isEmpty()) {
                        drain();
                        newest.forEach(local::publish);
                        newest.clear();
                    }
                });
            }

            private void drain() {
                Runnable r;
                while ((r = afterNext.poll()) != null) {
                    r.run();
                }
            }
        };
    }

    /** A bus that keeps what is published until it is released, then delivers it on its own thread. */
    public static final class HeldBus extends ThreadedBus {
        /** Every event published, in order, as it is published. */
        public final BlockingQueue<WorldEvent> published = new LinkedBlockingQueue<>();
        private final ExecutorService thread = thread(Executors.newSingleThreadExecutor());
        private final List<Held> held = new ArrayList<>();
        private boolean holding = true;

        private record Held(WorldKey world, WorldEvent event) {}

        @Override
        public synchronized void publish(WorldKey world, WorldEvent event) {
            published.add(event);
            if (holding) {
                held.add(new Held(world, event));
            } else {
                thread.execute(() -> local.publish(world, event));
            }
        }

        /** Delivers what it kept, and from now on every event at once, on its thread. */
        public void release() {
            release(e -> false);
        }

        /**
         * Delivers what it kept but the events it loses, and from now on every event at once, on its thread.
         *
         * @param lost which of the kept events it loses
         * @return done when the kept events have been delivered
         */
        public synchronized CompletableFuture<Void> release(Predicate<WorldEvent> lost) {
            holding = false;
            for (Held h : held) {
                if (!lost.test(h.event())) {
                    thread.execute(() -> local.publish(h.world(), h.event()));
                }
            }
            held.clear();
            return CompletableFuture.runAsync(() -> { }, thread);
        }
    }
}
