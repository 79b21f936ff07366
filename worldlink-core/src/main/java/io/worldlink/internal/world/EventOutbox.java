package io.worldlink.internal.world;

import io.worldlink.EventBus;
import io.worldlink.MetricsListener;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.event.EventLog;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.Ids;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A world's events on their way out: each durable event is appended to the event log at once, and the
 * events of a burst of the world's tasks are published together once one sync has made them durable
 * (group commit), so that no client ever sees an event that a crash could take back. Used on the world's
 * executor only.
 */
final class EventOutbox {
    private static final System.Logger LOG = System.getLogger(EventOutbox.class.getName());

    private final WorldKey key;
    private final EventBus bus;
    private final MetricsListener metrics;
    private final Clock clock;
    private EventLog log;
    // The events of the running burst, in order.
    private final List<WorldEvent> unpublished = new ArrayList<>();
    private boolean unsynced;
    private Consumer<MessageEvent> messageCounter = m -> { };
    // The highest seq published so far, read by other threads: where a new subscriber's deliveries start.
    private volatile long publishedSeq;

    EventOutbox(WorldKey key, EventBus bus, MetricsListener metrics, Clock clock) {
        this.key = key;
        this.bus = bus;
        this.metrics = metrics;
        this.clock = clock;
    }

    /** @param counter told of every message as it is logged (the chats count their messages) */
    void countMessages(Consumer<MessageEvent> counter) {
        this.messageCounter = counter;
    }

    /** @param opened the world's event log, which the outbox appends to from now on */
    void open(EventLog opened) {
        this.log = opened;
        this.publishedSeq = opened.lastSeq();
    }

    /**
     * {@return the highest seq of a durable event published so far (or in the log when it was opened);
     * safe to read from any thread}
     */
    long publishedSeq() {
        return publishedSeq;
    }

    /** @return the world's event log, or {@code null} before it is opened */
    EventLog log() {
        return log;
    }

    /**
     * {@return the seq of the newest durable event emitted so far, which is published before anything
     * emitted from now on}
     */
    long lastSeq() {
        return log.lastSeq();
    }

    /**
     * @param event an event of the world
     * @return the event as logged (with its seq when durable), to be published at the end of the burst
     */
    <E extends WorldEvent> E emit(E event) {
        E logged = event;
        if (event.isDurable()) {
            logged = log.append(event);
            unsynced = true;
            if (logged instanceof MessageEvent m) {
                messageCounter.accept(m);
            }
        }
        unpublished.add(logged);
        return logged;
    }

    /**
     * For events that must reach clients even when the log cannot take them (the end of a turn, an
     * error): logged when possible, else sent without a seq.
     */
    void emitEvenIfUnlogged(WorldEvent event) {
        try {
            emit(event);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Could not log " + event.type().wireName() + " event of " + key + ": "
                    + e.getMessage(), e);
            unpublished.add(event);
        }
    }

    /** A failure on the world's thread never goes unseen: the world's clients get an error. */
    void reportFailure(String during, RuntimeException e) {
        LOG.log(Level.ERROR, "World " + key + " failed while " + during, e);
        String reason = e instanceof WorldLinkException w ? w.getMessage() : "an internal error (it has been logged)";
        emitEvenIfUnlogged(new SystemEvent(Ids.next(), clock.instant(), 0, "Something went wrong while " + during
                + ": " + reason, MessageLevel.ERROR));
    }

    /** Ends every burst of the world's tasks: one sync for all the burst's appends, then the events go out. */
    void commit() {
        if (unpublished.isEmpty()) {
            return;
        }
        if (unsynced) {
            unsynced = false;
            long syncStart = System.nanoTime();
            try {
                log.sync();
                int durable = 0;
                for (WorldEvent e : unpublished) {
                    if (e.seq() > 0) {
                        durable++;
                    }
                }
                metrics.eventsLogged(durable, Duration.ofNanos(System.nanoTime() - syncStart));
            } catch (RuntimeException e) {
                // Written but perhaps not on disk: clients still see them, and are told of the risk.
                LOG.log(Level.ERROR, "Could not sync the event log of " + key + ": " + e.getMessage(), e);
                unpublished.add(new SystemEvent(Ids.next(), clock.instant(), 0, "The server could not make the "
                        + "latest messages durable (a disk error); they may be lost if the server stops now.",
                        MessageLevel.ERROR));
            }
        }
        List<WorldEvent> burst = List.copyOf(unpublished);
        unpublished.clear();
        long highest = 0;
        for (WorldEvent e : burst) {
            bus.publish(key, e);
            highest = Math.max(highest, e.seq());
        }
        if (highest > publishedSeq) {
            publishedSeq = highest;
        }
    }

    /**
     * @param id an event id a client chose, or {@code null}
     * @return it, or a new one
     */
    static String idOrNew(String id) {
        return id == null ? Ids.next() : id;
    }

    /** Drops the burst's events unpublished: the world is being deleted. */
    void discard() {
        unpublished.clear();
    }
}
