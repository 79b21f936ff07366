package io.worldlink.redis.internal;

import io.worldlink.WorldKey;
import io.worldlink.event.WorldEvent;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One world's local listeners and the events on their way to them. Whoever hands an event over (a
 * publisher of this node, or the pub/sub socket's thread) only queues it; one task at a time on the shared
 * workers drains the queue, so that a world's listeners are called one event at a time and in the order
 * the events arrived, and a slow world delays no socket and no other world. Another node's message is read
 * there once, whatever the number of listeners, and may carry several events. At most {@value #MAX_PENDING}
 * events wait: beyond that, new events are dropped and the listeners are told to catch up from the log.
 */
final class WorldTopic {
    private static final System.Logger LOG = System.getLogger(WorldTopic.class.getName());
    static final int MAX_PENDING = 8192;
    private static final int BATCH = 256;
    /** The item that tells the listeners they may have missed events. */
    private static final Object CATCH_UP = new Object();

    /** A subscription's two callbacks. */
    record Listener(Consumer<? super WorldEvent> events, Runnable catchUp) {}

    /** Another node's message as {@link Envelope} wrote it, and how many events it carries. */
    private record Remote(String message, int events) {}

    private final WorldKey world;
    private final Executor workers;
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    // A WorldEvent of this node, a Remote (another node's message, read on the worker) or CATCH_UP.
    private final Queue<Object> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean dropped = new AtomicBoolean();

    WorldTopic(WorldKey world, Executor workers) {
        this.world = world;
        this.workers = workers;
    }

    void add(Listener listener) {
        listeners.add(listener);
    }

    /** @return whether no listener is left */
    boolean remove(Listener listener) {
        listeners.remove(listener);
        return listeners.isEmpty();
    }

    /** Queues an event that this node published. */
    void offerLocal(WorldEvent event) {
        offer(event, 1);
    }

    /** Queues another node's events, as {@link Envelope} wrote them. */
    void offerRemote(String message) {
        Remote remote = new Remote(message, Envelope.eventCount(message));
        offer(remote, remote.events());
    }

    /** Queues a call to every listener's catch-up action. */
    void offerCatchUp() {
        offer(CATCH_UP, 1);
    }

    private void offer(Object item, int count) {
        if (pending.addAndGet(count) > MAX_PENDING) {
            pending.addAndGet(-count);
            if (dropped.compareAndSet(false, true)) {
                LOG.log(Level.WARNING, "The listeners of world " + world + " are " + MAX_PENDING
                        + " events behind; events are dropped until they catch up from the log.");
            }
            return;
        }
        inbox.add(item);
        schedule();
    }

    private void schedule() {
        if (draining.compareAndSet(false, true)) {
            try {
                workers.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The node is closing: nothing is delivered any more.
                draining.set(false);
            }
        }
    }

    private void drain() {
        try {
            Object item;
            for (int n = 0; n < BATCH && (item = inbox.poll()) != null; ) {
                int count = item instanceof Remote r ? r.events() : 1;
                pending.addAndGet(-count);
                n += count;
                deliver(item);
            }
            // The log holds what was dropped; what is still queued then comes twice, and seqs tell.
            if (dropped.compareAndSet(true, false)) {
                catchUp();
            }
        } finally {
            draining.set(false);
        }
        // An item queued while this task was finishing found it still draining: take it now.
        if (!inbox.isEmpty()) {
            schedule();
        }
    }

    private void deliver(Object item) {
        if (item == CATCH_UP) {
            catchUp();
            return;
        }
        if (item instanceof Remote remote) {
            Envelope.events(remote.message(), this::deliver, e -> {
                LOG.log(Level.WARNING, "An unreadable event of world " + world + " came from Redis (" + e.getMessage()
                        + "); its listeners catch up from the log.");
                catchUp();
            });
        } else {
            deliver((WorldEvent) item);
        }
    }

    private void deliver(WorldEvent event) {
        for (Listener l : listeners) {
            try {
                l.events().accept(event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A listener of world " + world + " failed on event " + event.id(), e);
            }
        }
    }

    private void catchUp() {
        for (Listener l : listeners) {
            try {
                l.catchUp().run();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A listener of world " + world + " failed to catch up", e);
            }
        }
    }
}
