package io.worldlink.redis;

import io.worldlink.redis.internal.PubSubEventBus;
import io.worldlink.redis.internal.RedisLink;
import io.worldlink.redis.internal.RedisWorldLeases;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One WorldLink node of a cluster that shares a Redis server and a data root: its link to Redis, with the
 * node's {@link #eventBus() event bus} and {@link #leases() world leases}. Thread-safe; made by a
 * {@link #builder() builder}, which connects; {@link #close()} releases the node's leases, closes its two
 * connections and stops its threads.
 *
 * <pre>{@code
 * ClusterNode node = ClusterNode.builder().redis("redis://localhost:6379").nodeId("node-a")
 *         .dataRoot(Path.of("data")).build();
 * WorldLink link = WorldLink.builder().dataRoot(Path.of("data")).eventBus(node.eventBus())
 *         .eventLogs(node.leases().fenced(EventLogStore.files(Path.of("data"))))...
 * }</pre>
 */
public final class ClusterNode implements AutoCloseable {
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Duration MIN_LEASE = Duration.ofSeconds(1);
    private static final Duration MAX_LEASE = Duration.ofMinutes(10);

    private final String nodeId;
    private final RedisLink link;
    private final PubSubEventBus bus;
    private final RedisWorldLeases leases;

    private ClusterNode(Builder b) {
        this.nodeId = b.nodeId;
        this.link = RedisLink.connect(b.redis, "worldlink-" + nodeId, b.leaseTime);
        this.bus = new PubSubEventBus(link);
        this.leases = new RedisWorldLeases(link, nodeId, b.leaseTime, b.dataRoot);
    }

    /** {@return a builder of a node} */
    public static Builder builder() {
        return new Builder();
    }

    /** {@return this node's id, as other nodes see it as a world's owner} */
    public String nodeId() {
        return nodeId;
    }

    /** {@return the event bus between the nodes, to give to {@code WorldLink.Builder.eventBus}} */
    public RedisEventBus eventBus() {
        return bus;
    }

    /** {@return the leases by which this node owns worlds} */
    public WorldLeases leases() {
        return leases;
    }

    /**
     * Releases the leases this node holds (waiting a moment, so that other nodes can take the worlds at
     * once), stops the bus, closes the connections and waits until the node's Redis threads have ended.
     */
    @Override
    public void close() {
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
            if (id == null || !NODE_ID.matcher(id).matches()) {
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
         * world stays without an owner after its owner dies. It is renewed every third of it, and it is also
         * how long a Redis command may go unanswered.
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
