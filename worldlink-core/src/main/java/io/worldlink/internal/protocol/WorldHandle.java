package io.worldlink.internal.protocol;

import io.worldlink.EventBus;
import io.worldlink.Subscription;
import io.worldlink.WorldKey;
import io.worldlink.event.SseEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.world.LiveWorld;
import io.worldlink.internal.world.WorldRuntime;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loaded world shared by every connection that selected it. It holds one subscription to the world's
 * bus and hands each event to its connections, turned into frames once.
 *
 * <p>The bus may call it on any thread, late, twice, out of order, or not at all ({@link EventBus});
 * each connection still gets each durable event once, in seq order:
 * <ul>
 * <li>Everything that changes what the connections get (an event from the bus, the log's answer about a
 *     gap, a connection starting to receive) is an item of one queue, handled one at a time, in order, by
 *     whichever thread brings one while no other is at it: nobody waits, and the in-process bus's thread
 *     hands its event on at once when nothing is queued.
 * <li>{@code delivered} is the highest durable seq handed on. A durable seq at or below it is a duplicate
 *     and dropped; one above the next means that events were lost or are late: the missing seqs are read
 *     back from the world's log on its executor, and what arrives meanwhile is held behind them (at most
 *     {@link #MAX_HELD}; past that, durable events are dropped to be read back from the log as well, and
 *     events without a seq are lost).
 * <li>An event without a seq is handed on where it arrived. A reply's streamed chunk names the durable
 *     seq published before it ({@link SseEvent#afterSeq()}: the event that started its reply, or a later
 *     one): when that seq has not been handed on yet, it is read back first and the chunk held behind
 *     it. Every event that arrives during a read-back, with a seq or without, is held and handed on
 *     after the missing ones, in the order it came: a chunk never overtakes the start of its reply. A
 *     chunk that arrives after a durable event published later than it is dropped.
 * <li>A connection starts to receive at a seq, the last its greeting or history was read up to from the
 *     log: the greeting and the history go out as one item of the queue, and from then on it gets the
 *     durable events above that seq and the events without a seq published after that seq's event.
 * </ul>
 */
final class WorldHandle {
    private static final System.Logger LOG = System.getLogger(WorldHandle.class.getName());
    /** Events held while the log is read back, at most. */
    static final int MAX_HELD = 4096;
    /** Events read back from the log at once, at most. */
    static final int READ_BACK_PAGE = 1024;

    final WorldKey key;
    final CompletableFuture<LiveWorld> runtime = new CompletableFuture<>();
    /** Completes when the world has been closed and everything it held is saved. */
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    // Copied on change, read without a lock or an iterator for every event delivered.
    private volatile Member[] members = {};
    private volatile Subscription subscription;
    private volatile Runnable deletedElsewhere;
    int refs;

    private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pending = new AtomicInteger();
    // Touched only by the thread that handles the queue.
    private long delivered;
    private boolean reading;
    private boolean catchUpAfter;
    private final ArrayDeque<Admission> heldAdmissions = new ArrayDeque<>();
    private long readThrough;
    private final ArrayDeque<WorldEvent> held = new ArrayDeque<>();
    private long droppedThrough;

    /** A connection in this world, as the queue sees it. */
    static final class Member {
        final ClientSession session;
        volatile boolean removed;
        // Touched only by the thread that handles the queue. Until its admission it gets nothing.
        private String chat;
        private long worldFloor = Long.MAX_VALUE;
        private long chatFloor = Long.MAX_VALUE;

        Member(ClientSession session) {
            this.session = session;
        }

        // at: the seq of a durable event; for one without, the durable seq published before it.
        boolean wants(WorldEvent e, long at) {
            String c = e.chatId();
            if (c != null && !c.equals(chat)) {
                return false;
            }
            long floor = c == null ? worldFloor : chatFloor;
            return e.seq() > 0 ? e.seq() > floor : at >= floor;
        }
    }

    /** Where the world's seqs were when the subscription started. */
    private record Start(long seq) {}

    /**
     * The log's answer about a gap; for {@code member}, about what it missed because the world answered
     * its join from a node where less had been published than here (a world on another node of a cluster).
     */
    private record ReadBack(List<WorldEvent> events, Throwable error, Member member) {}

    // Reads back whatever the log holds past the last seq handed on (the bus says it may have lost some).
    private static final Object CATCH_UP = new Object();

    /** A connection starts to receive, or moves to another chat. */
    private record Admission(Member member, String chat, boolean wholeWorld, long seq, String first,
            List<WorldEvent> history, CompletableFuture<Void> done) {}

    WorldHandle(WorldKey key) {
        this.key = key;
    }

    /**
     * Subscribes to the world's events on the bus.
     *
     * @param bus the bus
     * @param world the world, loaded
     * @param deletedElsewhere called, in order with the events, when another node of a cluster has deleted the
     *     world ({@link WorldActionEvent#WORLD_DELETE})
     */
    void subscribe(EventBus bus, LiveWorld world, Runnable deletedElsewhere) {
        this.deletedElsewhere = deletedElsewhere;
        // Read before subscribing: what is published later reaches the handle, or shows as a gap.
        post(new Start(world.publishedSeq()));
        subscription = bus.subscribe(key, this::deliver, this::catchUp);
    }

    /** The bus may have lost events of the world: what the log holds past the last seq handed on is read back. */
    void catchUp() {
        post(CATCH_UP);
    }

    /** The bus's listener: called on any thread. */
    void deliver(WorldEvent event) {
        post(event);
    }

    /**
     * Adds a connection, which gets nothing until {@link #admit} says from where.
     *
     * @return its place here
     */
    synchronized Member add(ClientSession s) {
        List<Member> more = new ArrayList<>(members.length + 1);
        for (Member m : members) {
            if (m.session == s) {
                m.removed = true;
            } else {
                more.add(m);
            }
        }
        Member added = new Member(s);
        more.add(added);
        members = more.toArray(Member[]::new);
        return added;
    }

    synchronized void remove(ClientSession s) {
        List<Member> fewer = new ArrayList<>(members.length);
        for (Member m : members) {
            if (m.session == s) {
                m.removed = true;
            } else {
                fewer.add(m);
            }
        }
        members = fewer.toArray(Member[]::new);
    }

    /** @return the connection's place here, or {@code null} when it is not in the world */
    Member memberOf(ClientSession s) {
        for (Member m : members) {
            if (m.session == s) {
                return m;
            }
        }
        return null;
    }

    List<ClientSession> sessions() {
        List<ClientSession> all = new ArrayList<>(members.length);
        for (Member m : members) {
            all.add(m.session);
        }
        return all;
    }

    /**
     * Starts the deliveries to a connection, or moves it to another chat, in the queue's order: its first
     * frame and its history go out, then the events above {@code seq} of its chat (and, when {@code
     * wholeWorld}, of the whole world; else those go on as before).
     *
     * @param member the connection
     * @param chat the chat it is in from now on
     * @param wholeWorld whether the history covers the events of the whole world too (a join), not only
     *     of the chat (a chat-select)
     * @param seq the seq the history was read up to
     * @param first the frame that goes out first, or {@code null}
     * @param history the durable events to replay, in seq order
     * @return done once the frames are queued for the connection (or it left meanwhile)
     */
    CompletableFuture<Void> admit(Member member, String chat, boolean wholeWorld, long seq, String first,
            List<WorldEvent> history) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        post(new Admission(member, chat, wholeWorld, seq, first, history, done));
        return done;
    }

    /** Stops the delivery; the runtime is closed by the caller. */
    void unsubscribe() {
        Subscription s = subscription;
        if (s != null) {
            s.close();
        }
    }

    // ---- the queue ----

    // The caller that finds nobody at the queue handles its item at once, then what others queued meanwhile.
    private void post(Object item) {
        if (pending.compareAndSet(0, 1)) {
            handle(item);
            if (pending.decrementAndGet() == 0) {
                return;
            }
        } else {
            queue.add(item);
            if (pending.getAndIncrement() != 0) {
                return;
            }
        }
        int missed = pending.get();
        while (true) {
            Object next;
            while ((next = queue.poll()) != null) {
                handle(next);
            }
            missed = pending.addAndGet(-missed);
            if (missed == 0) {
                return;
            }
        }
    }

    private void handle(Object item) {
        try {
            if (item instanceof WorldActionEvent w && w.action().equals(WorldActionEvent.WORLD_DELETE)) {
                deletedElsewhere.run();
            } else if (item instanceof WorldEvent e) {
                onEvent(e);
            } else if (item instanceof Admission a) {
                if (reading) {
                    // After the read-back: its seq may be below what is handed on by then.
                    heldAdmissions.add(a);
                } else {
                    onAdmission(a);
                }
            } else if (item instanceof ReadBack r) {
                onReadBack(r);
            } else if (item instanceof Start s) {
                delivered = s.seq();
            } else if (item == CATCH_UP) {
                if (reading) {
                    catchUpAfter = true;
                } else {
                    readBack(Long.MAX_VALUE);
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Delivering the events of world " + key + " failed", e);
        }
    }

    private void onEvent(WorldEvent e) {
        long seq = e.seq();
        if (seq > 0 && seq <= delivered) {
            return;
        }
        if (reading) {
            hold(e);
            return;
        }
        // The durable seq that comes just before this event: a chunk names it, an event without a seq that
        // does not (a notice the log could not take) comes after what is here.
        long before = seq > 0 ? seq - 1 : e instanceof SseEvent s && s.afterSeq() > 0 ? s.afterSeq() : delivered;
        if (before < delivered && seq == 0) {
            // Overtaken by a durable event published after it (the bus broke the publisher's order): out
            // of place now, perhaps after its own reply's message, which carries its text anyway.
            return;
        }
        if (before > delivered) {
            readBack(before);
            hold(e);
        } else if (seq > 0) {
            delivered = seq;
            hand(e, seq);
        } else {
            hand(e, before);
        }
    }

    private void hold(WorldEvent e) {
        if (held.size() < MAX_HELD) {
            held.add(e);
        } else if (e.seq() > droppedThrough) {
            droppedThrough = e.seq();
        }
    }

    private void readBack(long through) {
        reading = true;
        readThrough = through;
        long after = delivered;
        runtime.thenCompose(world -> world.logged(after, through, READ_BACK_PAGE))
                .whenComplete((events, error) -> post(new ReadBack(events, error, null)));
    }

    // The member gets, before anything more, the events between the seq its join was answered at and the
    // last one handed on here.
    private void readBack(Member m, long after) {
        reading = true;
        readThrough = delivered;
        long through = delivered;
        runtime.thenCompose(world -> world.logged(after, through, READ_BACK_PAGE))
                .whenComplete((events, error) -> post(new ReadBack(events, error, m)));
    }

    private void onReadBack(ReadBack r) {
        if (r.member() != null) {
            onMemberReadBack(r);
            return;
        }
        if (r.error() != null) {
            LOG.log(Level.WARNING, "Could not read back seqs " + (delivered + 1) + " to " + readThrough + " of world "
                    + key + " that its event bus did not deliver: " + r.error());
        } else {
            for (WorldEvent e : r.events()) {
                if (e.seq() > delivered && e.seq() <= readThrough) {
                    delivered = e.seq();
                    hand(e, e.seq());
                }
            }
            if (r.events().size() == READ_BACK_PAGE && delivered < readThrough) {
                readBack(readThrough);
                return;
            }
        }
        // What the log does not hold (a line it could not read back) is not to be had; a catch-up reads
        // whatever there is.
        if (readThrough != Long.MAX_VALUE) {
            delivered = Math.max(delivered, readThrough);
        }
        resume();
    }

    private void onMemberReadBack(ReadBack r) {
        Member m = r.member();
        long last = 0;
        if (r.error() != null) {
            LOG.log(Level.WARNING, "Could not read back up to seq " + readThrough + " of world " + key
                    + " for a connection that joined it: " + r.error());
        } else if (!m.removed) {
            for (WorldEvent e : r.events()) {
                last = e.seq();
                if (m.wants(e, e.seq())) {
                    m.session.deliver(this, new EventFrames(e));
                }
            }
        }
        if (r.error() == null && !m.removed && r.events().size() == READ_BACK_PAGE && last < readThrough) {
            readBack(m, last);
            return;
        }
        resume();
    }

    private void resume() {
        reading = false;
        Admission a;
        while (!reading && (a = heldAdmissions.poll()) != null) {
            onAdmission(a);
        }
        WorldEvent next;
        while (!reading && (next = held.poll()) != null) {
            onEvent(next);
        }
        if (!reading && droppedThrough > delivered) {
            long through = droppedThrough;
            droppedThrough = 0;
            readBack(through);
        }
        if (!reading && catchUpAfter) {
            catchUpAfter = false;
            readBack(Long.MAX_VALUE);
        }
    }

    private void onAdmission(Admission a) {
        Member m = a.member();
        if (!m.removed) {
            m.chat = a.chat();
            m.chatFloor = a.seq();
            if (a.wholeWorld()) {
                m.worldFloor = a.seq();
            }
            m.session.admitted(this, a.first(), a.history());
            if (a.seq() < delivered) {
                readBack(m, a.seq());
            }
        }
        a.done().complete(null);
    }

    private void hand(WorldEvent e, long at) {
        EventFrames frames = null;
        for (Member m : members) {
            if (m.wants(e, at)) {
                if (frames == null) {
                    frames = new EventFrames(e);
                }
                m.session.deliver(this, frames);
            }
        }
    }
}
