package io.worldlink.redis;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

import io.worldlink.event.MessageLevel;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldEvent;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/** A subscriber that queues what it is given, and the names of the threads that called it. */
final class Recorder implements Consumer<WorldEvent> {
    final BlockingQueue<WorldEvent> events = new LinkedBlockingQueue<>();
    final BlockingQueue<String> catchUps = new LinkedBlockingQueue<>();
    final Set<String> threads = ConcurrentHashMap.newKeySet();

    @Override
    public void accept(WorldEvent event) {
        threads.add(Thread.currentThread().getName());
        events.add(event);
    }

    /** The catch-up action to subscribe with. */
    void caughtUp() {
        threads.add(Thread.currentThread().getName());
        catchUps.add(Thread.currentThread().getName());
    }

    /** {@return the next event, waiting up to 10 s for it} */
    WorldEvent next() throws InterruptedException {
        WorldEvent e = events.poll(10, TimeUnit.SECONDS);
        assertNotNull(e, "no event came within 10 s");
        return e;
    }

    /** Waits up to 10 s for a call to the catch-up action. */
    void awaitCatchUp() throws InterruptedException {
        assertNotNull(catchUps.poll(10, TimeUnit.SECONDS), "no catch-up came within 10 s");
    }

    /** {@return a durable event with that seq and text} */
    static SystemEvent event(long seq, String text) {
        return new SystemEvent("e" + seq, Instant.parse("2026-01-01T00:00:00Z").plusSeconds(seq), seq, text,
                MessageLevel.INFO);
    }

    /**
     * Polls a condition that nothing can be waited on for (a state in Redis), every 10 ms.
     *
     * @param condition what should become true
     * @param what what it is, for the failure
     */
    static void eventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("not within 10 s: " + what);
            }
            Thread.sleep(10);
        }
    }
}
