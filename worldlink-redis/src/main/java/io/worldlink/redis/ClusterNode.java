package io.worldlink.redis;

import io.worldlink.EventBus;
import io.worldlink.UserId;
import io.worldlink.WorldKey;
import io.worldlink.cluster.Cluster;
import io.worldlink.cluster.Ownership;
import io.worldlink.event.EventLogStore;
import io.worldlink.redis.internal.NodeCalls;
import io.worldlink.redis.internal.NodePresence;
import io.worldlink.redis.internal.PubSubEventBus;
import io.worldlink.redis.internal.RedisKeys;
import io.worldlink.redis.internal.RedisLink;
import io.worldlink.redis.internal.RedisWorldLeases;
import io.worldlink.redis.internal.Repeating;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * One WorldLink node of a cluster that shares a Redis server and a data root: the {@link Cluster} on Redis.
 * Thread-safe; made by a {@link #builder() builder}, which connects; {@link #close()} releases the node's
 * leases, ends its presence, closes its two connections and stops its threads. Every stage it returns
 * completes on the node's worker threads ({@code worldlink-redis-work-N}), never on a socket's: hand long
 * work on.
 *
 * <pre>{@code
 * ClusterNode node = ClusterNode.builder().redis("redis://localhost:6379").nodeId("node-a")
 *         .dataRoot(Path.of("data")).build();
 * WorldLink link = WorldLink.builder().dataRoot(Path.of("data")).cluster(node).build();
 * // ... serve it; on the way out:
 * link.close();
 * node.close();
 * }</pre>
 */
public final class ClusterNode implements Cluster {
    private static final Duration MIN_LEASE = Duration.ofSeconds(1);
    private static final Duration MAX_LEASE = Duration.ofMinutes(10);
    private static final Duration MIN_CALL_TIMEOUT = Duration.ofMillis(100);
    private static final Duration MAX_CALL_TIMEOUT = Duration.ofMinutes(10);

    private final String nodeId;
    private final RedisLink link;
    private final PubSubEventBus bus;
    private final NodeCalls calls;
    private final NodePresence presence;
    private final RedisWorldLeases leases;
    private final Repeating renewals;

    private ClusterNode(Builder b) {
        this.nodeId = b.nodeId;
        this.link = RedisLink.connect(b.redis, "worldlink-" + nodeId, b.leaseTime);
        this.bus = new PubSubEventBus(link);
        try {
            this.calls = new NodeCalls(link, nodeId, b.callTimeout);
            this.presence = new NodePresence(link, nodeId, b.leaseTime);
        } catch (RuntimeException e) {
            bus.close();
            link.close();
            throw e;
        }
        this.leases = new RedisWorldLeases(link, nodeId, b.leaseTime, b.dataRoot);
        this.renewals = Repeating.start(link, b.leaseTime.toMillis() / 3, () -> {
            leases.renewAll();
            presence.renew();
        });
    }

    /** {@return a builder of a node} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return this node's id, as other nodes see it as a world's owner} */
    @Override
    public String nodeId() {
        return nodeId;
    }

    /**
     * {@return the event bus between the nodes, to give to {@code WorldLink.Builder.eventBus}}
     * {@code publish} returns at once and hands the event to this node's subscribers and, in one pipelined
     * {@code PUBLISH}, to the other nodes'. Listeners run on the node's workers, one event at a time per world,
     * in the order the node received them. Across nodes delivery is at most once, so a subscriber given a
     * {@code catchUp} action is told each time it may have missed events: when Redis confirms the
     * subscription, after each reconnect, after another node could not publish for a while, and when the
     * world's listeners fell too far behind; it then reads the world's log back from the last seq it has.
     */
    @Override
    public EventBus bus() {
        return bus;
    }

    /**
     * Takes the world's lease if no live node holds it, with the world's next fencing number. A node holds at
     * most one lease of a world: claim once per loaded world, and close the lease when the world is unloaded.
     * It reads the fence recorded in the world's folder on the calling thread (one small file), so that the new
     * fence is above it.
     *
     * @param world the world
     * @return the lease (valid when the stage completes) or the node that holds the world; it fails when Redis
     *     cannot be reached or answers too late for the lease to be of use
     */
    @Override
    public CompletionStage<Ownership> claim(WorldKey world) {
        return leases.acquire(world);
    }

    /**
     * Wraps the store of the worlds' event logs so that a log appends only while this node holds the world's
     * lease. A log opened while this node holds a valid lease of the world may append as long as that very
     * lease stays valid; one opened without it is read-only (it serves reading back, as a node that does not
     * own a world does to fill gaps). A refused append throws {@link io.worldlink.WorldLinkException} with
     * {@link io.worldlink.ErrorCode#STORAGE_ERROR}, as a failed write does, and writes nothing. Before the first
     * append of each burst (until the log's next sync) the log also reads the fence recorded in the world's
     * folder (the file {@code lease-fence}) and records its own: a log whose fence is not above the one another
     * owner recorded refuses, and its lease ends.
     *
     * @param logs the store that keeps the logs
     * @return the fenced store
     */
    @Override
    public EventLogStore fenced(EventLogStore logs) {
        return leases.fenced(logs);
    }

    /**
     * Sends a request to another node's {@link #serve} handler over Redis, and waits for the answer without
     * blocking.
     *
     * @param nodeId the node
     * @param request the request, at most 16 MB of UTF-8
     * @return the handler's answer; it fails at once with an {@link IllegalArgumentException} when the request
     *     is larger or the node id is not one, with an {@link io.worldlink.cluster.NodeUnreachableException}
     *     when the request certainly did not reach the node (no node of that id is connected to Redis, or Redis
     *     is out of reach so that the request could not be sent), and with an {@link IllegalStateException} when
     *     too many calls (4096) of this node wait for an answer; it fails with an {@link IllegalStateException}
     *     carrying the handler's message when the handler failed, or saying so when the connection to Redis was
     *     lost with the request in flight (it may have reached the node), and with a
     *     {@link java.util.concurrent.TimeoutException} when no answer came within the
     *     {@link Builder#callTimeout call timeout} (the node may have done what it asked)
     */
    @Override
    public CompletionStage<String> call(String nodeId, String request) {
        return calls.call(nodeId, request);
    }

    /**
     * Sets what answers the other nodes' calls to this node, replacing any earlier handler; until then, calls
     * to this node fail. The handler runs on the node's workers and must return at once; its answer may come
     * later, from any thread. An answer is at most 16 MB of UTF-8; a larger one reaches the caller as a failure.
     *
     * @param handler given a request, completes with the answer, or fails with the reason to give the caller
     */
    @Override
    public void serve(Function<String, CompletionStage<String>> handler) {
        calls.serve(handler);
    }

    /**
     * Says whether a user has a connection on this node; returns at once. The other nodes see it while this
     * node lives: one that stops renewing stops counting within a lease time.
     *
     * @param user the user
     * @param present whether this node holds a connection of theirs now
     */
    @Override
    public void present(UserId user, boolean present) {
        presence.present(user, present);
    }

    /**
     * {@return whether a live node other than this one holds a connection of the user} One round trip to
     * Redis; it fails when Redis cannot be reached.
     *
     * @param user the user
     */
    @Override
    public CompletionStage<Boolean> presentElsewhere(UserId user) {
        return presence.presentElsewhere(user);
    }

    /**
     * Ends this node's presence and releases the leases it holds (waiting a moment for each, so that other
     * nodes can take the worlds at once), fails the calls that wait for an answer, stops the bus, closes the
     * connections and waits until the node's Redis threads have ended.
     */
    @Override
    public void close() {
        renewals.cancel();
        presence.close();
        calls.close();
        leases.close();
        bus.close();
        link.close();
    }

    /** Configures a {@link ClusterNode}; {@link #redis}, {@link #nodeId} and {@link #dataRoot} are required. */
    public static final class Builder {
        private String redis;
        private String nodeId;
        private Path dataRoot;
        private Duration leaseTime = Duration.ofSeconds(5);
        private Duration callTimeout = Duration.ofSeconds(10);

        private Builder() {}

        /**
         * Sets the Redis server the nodes share.
         *
         * @param uri {@code redis://[:password@]host[:port][/database]}, or {@code rediss://} for TLS
         * @return this builder
         */
        public Builder redis(String uri) {
            this.redis = Objects.requireNonNull(uri, "uri");
            return this;
        }

        /**
         * Sets this node's id, unique in the cluster: a world's owner is named by it.
         *
         * @param id 1 to 64 of the characters A-Z, a-z, 0-9, '.', '_' and '-'
         * @return this builder
         * @throws IllegalArgumentException when it is not such an id
         */
        public Builder nodeId(String id) {
            if (!RedisKeys.isNodeId(id)) {
                throw new IllegalArgumentException("A node id is 1 to 64 of the characters A-Z, a-z, 0-9, '.', '_' "
                        + "and '-'.");
            }
            this.nodeId = id;
            return this;
        }

        /**
         * Sets the data root the nodes share, where each world's folder records the fence of the last owner
         * that wrote its log.
         *
         * @param root the data root; worlds are under {@code users/}
         * @return this builder
         */
        public Builder dataRoot(Path root) {
            this.dataRoot = Objects.requireNonNull(root, "root");
            return this;
        }

        /**
         * Sets how long a world's lease lasts in Redis without a renewal (default 5 seconds): the longest a
         * world stays without an owner after its owner dies, and the longest a dead node's users count as
         * present. It is renewed every third of it, and it is also how long a Redis command may go unanswered.
         *
         * @param time from 1 second to 10 minutes
         * @return this builder
         * @throws IllegalArgumentException when it is out of that range
         */
        public Builder leaseTime(Duration time) {
            if (time == null || time.compareTo(MIN_LEASE) < 0 || time.compareTo(MAX_LEASE) > 0) {
                throw new IllegalArgumentException("The lease time must be from 1 second to 10 minutes.");
            }
            this.leaseTime = time;
            return this;
        }

        /**
         * Sets how long a {@link ClusterNode#call call} to another node waits for its answer (default 10
         * seconds).
         *
         * @param timeout from 100 milliseconds to 10 minutes
         * @return this builder
         * @throws IllegalArgumentException when it is out of that range
         */
        public Builder callTimeout(Duration timeout) {
            if (timeout == null || timeout.compareTo(MIN_CALL_TIMEOUT) < 0 || timeout.compareTo(MAX_CALL_TIMEOUT) > 0) {
                throw new IllegalArgumentException("The call timeout must be from 100 milliseconds to 10 minutes.");
            }
            this.callTimeout = timeout;
            return this;
        }

        /**
         * Connects to Redis.
         *
         * @return the node, connected
         * @throws IllegalStateException when a required setting is missing, or Redis cannot be reached
         * @throws IllegalArgumentException when the Redis address is not a Redis URI
         */
        public ClusterNode build() {
            if (redis == null || nodeId == null || dataRoot == null) {
                throw new IllegalStateException("A cluster node needs the Redis address (redis), its id (nodeId) "
                        + "and the shared data root (dataRoot).");
            }
            return new ClusterNode(this);
        }
    }
}
