package io.worldlink.redis.internal;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;
import io.worldlink.EventBus;
import io.worldlink.Subscription;
import io.worldlink.WorldKey;
import io.worldlink.event.WorldEvent;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An {@link EventBus} between the nodes of a cluster, over Redis pub/sub on a node's {@link RedisLink}. A
 * world's events travel on a channel of that world alone.
 *
 * <p>{@link #publish} returns at once: it hands the event to this node's own subscribers of the world and
 * sends it to the other nodes with a {@code PUBLISH} on the node's one command connection. A world has at
 * most one {@code PUBLISH} in flight: the first event of a quiet world goes at once, and the events published
 * while it is in flight gather and go together, in the order of the calls, as one message once Redis has
 * answered it (at most {@value #MESSAGE_EVENTS} events or {@value #MESSAGE_BYTES} bytes a message; more go
 * in the messages that follow, one at a time). So a burst of events costs one command, one message to each
 * subscriber and one read there, and the batches grow by themselves when Redis or the network is slow. At
 * most {@value #MAX_GATHERED} events of the node wait so; beyond that an event is not sent, as when a
 * publish fails. Delivery is asynchronous: each world's listeners are called on the node's Redis
 * worker threads, never on the publisher's thread nor on a socket's, one event at a time per world, in the
 * order this node received them (its own in the order of the calls, another node's in the order that node
 * published them).
 *
 * <p>Delivery across nodes is at most once. An event can be missed: one published while Redis was out of
 * reach, one published before a subscription took effect in Redis, or one that came while a world's
 * listeners were too far behind. So every durable event is in the world's log before it is published, and
 * a subscriber's {@code catchUp} action is called each time it may have missed some: when Redis confirms
 * the subscription, after each reconnect to Redis, after another node could not publish for a while, and
 * when events were dropped because the listeners fell too far behind.
 *
 * <p>Subscriptions: the first local listener of a world subscribes its channel on the one pub/sub
 * connection, the last one to leave unsubscribes it. Both happen inside the map's atomic update of that
 * channel, so that the SUBSCRIBE and UNSUBSCRIBE of a channel reach Redis in the order of the changes.
 * After each reconnect every channel with a listener is subscribed again (Lettuce re-subscribes only the
 * channels Redis had confirmed), and a message on a channel that has no listener any more (an UNSUBSCRIBE
 * lost while Redis was away) unsubscribes it.
 *
 * <p>Publishes that fail (Redis out of reach, or too many commands or events waiting) are counted per world; with a
 * failed {@code PUBLISH} the events gathered behind it are not sent either (they would fail too); a task
 * on the timer every {@value #RETRY_MILLIS} ms then sends a catch-up message on those worlds' channels until one gets
 * through, so that the other nodes read the lost events back from the log even when no later event
 * reveals the gap.
 */
public final class PubSubEventBus implements EventBus {
    private static final System.Logger LOG = System.getLogger(PubSubEventBus.class.getName());
    static final long RETRY_MILLIS = 500;
    // A SUBSCRIBE after a reconnect names at most this many channels.
    private static final int CHANNELS_PER_COMMAND = 512;
    /** The most events in one message. */
    public static final int MESSAGE_EVENTS = 256;
    /** The most bytes of events' JSON in one message, unless a single event is larger. */
    static final int MESSAGE_BYTES = 1024 * 1024;
    /** The most events of the node that wait for their world's PUBLISH in flight (the link's command queue). */
    static final int MAX_GATHERED = RedisLink.QUEUE;

    private final RedisLink link;
    private final RedisAsyncCommands<String, String> commands;
    private final RedisPubSubAsyncCommands<String, String> pubSub;
    private final Executor workers;
    private final String origin = Envelope.newOrigin();
    private final Map<String, WorldTopic> topics = new ConcurrentHashMap<>();
    // The worlds with a PUBLISH in flight, and the events gathered behind it.
    private final Map<WorldKey, Outgoing> outgoing = new ConcurrentHashMap<>();
    private final AtomicInteger gathered = new AtomicInteger();
    // Worlds whose events did not reach Redis, with the count of such events of the node when last seen.
    private final Map<WorldKey, Long> unsent = new ConcurrentHashMap<>();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicBoolean failing = new AtomicBoolean();
    private final Repeating retries;
    private volatile boolean closed;

    /**
     * Starts the bus on a link; the link's threads deliver and retry.
     *
     * @param link the node's connections
     */
    public PubSubEventBus(RedisLink link) {
        this.link = link;
        this.commands = link.commands();
        this.pubSub = link.pubSub().async();
        this.workers = link.work();
        link.pubSub().addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String channel, String message) {
                // The link's pub/sub connection carries the nodes' own channels too.
                if (channel.startsWith(RedisKeys.EVENTS)) {
                    received(channel, message);
                }
            }
        });
        link.pubSub().addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                resubscribe();
            }
        });
        this.retries = Repeating.start(link, RETRY_MILLIS, this::sendCatchUps);
    }

    @Override
    public void publish(WorldKey world, WorldEvent event) {
        Objects.requireNonNull(event, "event");
        String channel = RedisKeys.events(world);
        WorldTopic local = topics.get(channel);
        if (local != null) {
            local.offerLocal(event);
        }
        if (closed) {
            return;
        }
        // On the publisher's thread: the socket's thread only joins the events' bytes.
        byte[] json = event.toJson().getBytes(StandardCharsets.UTF_8);
        while (!outgoing.computeIfAbsent(world, w -> new Outgoing(w, channel)).offer(json)) {
            // It had just sent its last message and left the map: a new one takes the event.
        }
    }

    /**
     * A world's events on their way to Redis: one PUBLISH in flight at a time, and the events published
     * meanwhile, which go as the next message once it is answered. It leaves the map once nothing is in
     * flight, and takes no event after that.
     */
    private final class Outgoing {
        private final WorldKey world;
        private final byte[] channel;
        private final ArrayDeque<byte[]> waiting = new ArrayDeque<>();
        private boolean inFlight;
        private boolean done;

        Outgoing(WorldKey world, String channel) {
            this.world = world;
            this.channel = channel.getBytes(StandardCharsets.UTF_8);
        }

        /** @return whether the event was taken: sent, gathered or, past the node's limit, counted as unsent */
        boolean offer(byte[] json) {
            synchronized (this) {
                if (done) {
                    return false;
                }
                if (inFlight) {
                    if (gathered.incrementAndGet() > MAX_GATHERED) {
                        gathered.decrementAndGet();
                        unsent(world, new IllegalStateException(MAX_GATHERED + " events wait for Redis already"), 1);
                    } else {
                        waiting.add(json);
                    }
                    return true;
                }
                inFlight = true;
            }
            send(List.of(json));
            return true;
        }

        // One PUBLISH at a time: the next one is sent only once Redis has answered this one.
        private void send(List<byte[]> events) {
            if (closed) {
                next(null, 0);
                return;
            }
            CompletionStage<Long> sent;
            try {
                sent = link.publish(channel, Envelope.events(origin, events));
            } catch (RuntimeException e) {
                sent = CompletableFuture.failedFuture(e);
            }
            sent.whenComplete((receivers, e) -> next(e, events.size()));
        }

        // After a failure, what gathered behind it is not sent either: it would most likely fail too.
        private void next(Throwable failure, int sent) {
            List<byte[]> events = new ArrayList<>();
            synchronized (this) {
                if (failure != null || closed) {
                    if (failure != null && !closed) {
                        unsent(world, failure, sent + waiting.size());
                    }
                    gathered.addAndGet(-waiting.size());
                    waiting.clear();
                }
                int bytes = 0;
                byte[] e;
                while (events.size() < MESSAGE_EVENTS && (e = waiting.peek()) != null
                        && (events.isEmpty() || bytes + e.length <= MESSAGE_BYTES)) {
                    events.add(waiting.poll());
                    bytes += e.length + 1;
                }
                if (events.isEmpty()) {
                    inFlight = false;
                    done = true;
                    outgoing.remove(world, this);
                    return;
                }
            }
            gathered.addAndGet(-events.size());
            send(events);
        }
    }

    private void unsent(WorldKey world, Throwable e, int events) {
        unsent.put(world, failures.addAndGet(events));
        if (failing.compareAndSet(false, true)) {
            LOG.log(Level.WARNING, "Could not publish events to Redis at " + link.address() + " (" + e.getMessage()
                    + "); other nodes will read them back from the worlds' logs once Redis is reachable again.");
        }
    }

    // On the timer, every RETRY_MILLIS.
    private void sendCatchUps() {
        if (unsent.isEmpty() || closed || !link.commandConnection().isOpen()) {
            return;
        }
        for (Map.Entry<WorldKey, Long> e : unsent.entrySet()) {
            WorldKey world = e.getKey();
            long seen = e.getValue();
            commands.publish(RedisKeys.events(world), Envelope.catchUp(origin)).whenComplete((receivers, error) -> {
                // A publish that failed after this catch-up was sent needs one more.
                if (error == null && unsent.remove(world, seen) && unsent.isEmpty()
                        && failing.compareAndSet(true, false)) {
                    LOG.log(Level.INFO, "Publishing to Redis at " + link.address() + " again; " + failures.get()
                            + " events could not be sent so far, and the other nodes were told to read them back.");
                }
            });
        }
    }

    @Override
    public Subscription subscribe(WorldKey world, Consumer<? super WorldEvent> listener) {
        return subscribe(world, listener, () -> { });
    }

    @Override
    public Subscription subscribe(WorldKey world, Consumer<? super WorldEvent> listener, Runnable catchUp) {
        Objects.requireNonNull(world, "world");
        WorldTopic.Listener entry = new WorldTopic.Listener(Objects.requireNonNull(listener, "listener"),
                Objects.requireNonNull(catchUp, "catchUp"));
        if (closed) {
            throw new IllegalStateException("The node's Redis link is closed.");
        }
        String channel = RedisKeys.events(world);
        topics.compute(channel, (c, topic) -> {
            WorldTopic t = topic == null ? new WorldTopic(world, workers) : topic;
            // Before the SUBSCRIBE: Redis's confirmation may come at once, and must find the listener there.
            t.add(entry);
            if (topic == null) {
                subscribeInRedis(List.of(c), List.of(t));
            }
            return t;
        });
        AtomicBoolean ended = new AtomicBoolean();
        return () -> {
            if (ended.compareAndSet(false, true)) {
                topics.computeIfPresent(channel, (c, t) -> {
                    if (!t.remove(entry)) {
                        return t;
                    }
                    if (!closed) {
                        pubSub.unsubscribe(c);
                    }
                    return null;
                });
            }
        };
    }

    // Once Redis confirms, the listeners catch up: events published before the channel took effect are in the log.
    private void subscribeInRedis(List<String> channels, List<WorldTopic> subscribed) {
        pubSub.subscribe(channels.toArray(String[]::new)).whenComplete((ok, e) -> {
            if (e == null) {
                subscribed.forEach(WorldTopic::offerCatchUp);
            } else {
                // Not lost: the next reconnect subscribes every channel that has listeners.
                LOG.log(Level.DEBUG, "Could not subscribe to " + channels.size() + " channels: " + e.getMessage());
            }
        });
    }

    // On the pub/sub socket's thread, once Lettuce has re-subscribed what Redis had confirmed.
    private void resubscribe() {
        List<String> channels = new ArrayList<>();
        List<WorldTopic> subscribed = new ArrayList<>();
        topics.forEach((channel, topic) -> {
            channels.add(channel);
            subscribed.add(topic);
            if (channels.size() == CHANNELS_PER_COMMAND) {
                subscribeInRedis(List.copyOf(channels), List.copyOf(subscribed));
                channels.clear();
                subscribed.clear();
            }
        });
        if (!channels.isEmpty()) {
            subscribeInRedis(channels, subscribed);
        }
        LOG.log(Level.INFO, "Reconnected to Redis at " + link.address() + "; subscribed again to the events of "
                + topics.size() + " worlds.");
    }

    // On the pub/sub socket's thread: queue only, the workers read the event.
    private void received(String channel, String message) {
        WorldTopic topic = topics.get(channel);
        if (topic == null) {
            // Atomic with subscribe(): never unsubscribes a channel that has just gained a listener, whose
            // catch-up after its SUBSCRIBE covers this message.
            topics.computeIfAbsent(channel, c -> {
                if (!closed) {
                    pubSub.unsubscribe(c);
                }
                return null;
            });
            return;
        }
        if (Envelope.isFrom(origin, message)) {
            return;
        }
        if (Envelope.isEvent(message)) {
            topic.offerRemote(message);
        } else if (Envelope.isCatchUp(message)) {
            topic.offerCatchUp();
        } else {
            LOG.log(Level.WARNING, "A message that WorldLink did not write came on channel " + channel
                    + "; it is passed over.");
        }
    }

    /** @return how many worlds this node's listeners subscribe to (for leak checks) */
    public int worldCount() {
        return topics.size();
    }

    /** Stops publishing and delivering; the link's connections are closed by the link. */
    public void close() {
        closed = true;
        retries.cancel();
        topics.clear();
    }
}
