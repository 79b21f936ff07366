package io.worldlink.redis.internal;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.worldlink.WorldKey;
import io.worldlink.event.EventLogStore;
import io.worldlink.cluster.Ownership;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Who owns which world, on a node's {@link RedisLink}: at most one node at a time holds a world's lease, and
 * only the owner may append to the world's log. The leases this node holds are renewed together by
 * {@link #renewAll()}, which the node runs on the link's timer every third of the lease time; a lease
 * counts as valid until the start of its last successful renewal plus the lease time less a fifth of it (the
 * margin for timers that run late and clocks that run at slightly different rates). So a lease survives one
 * or two lost renewals and ends on its own after about 0.8 lease times without Redis, while Redis keeps it a
 * full lease time.
 */
public final class RedisWorldLeases {
    private static final System.Logger LOG = System.getLogger(RedisWorldLeases.class.getName());
    /** How long a world's fence counter stays in Redis after its last owner took it. */
    static final Duration COUNTER_RETENTION = Duration.ofDays(30);

    private final RedisLink link;
    private final RedisAsyncCommands<String, String> commands;
    private final String nodeId;
    private final Path dataRoot;
    private final String leaseMillis;
    private final long validNanos;
    private final Map<WorldKey, RedisWorldLease> held = new ConcurrentHashMap<>();
    private final AtomicBoolean renewalsFailing = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * Makes the leases of a node, which holds none yet.
     *
     * @param link the node's connections
     * @param nodeId this node's id
     * @param leaseTime how long Redis keeps a lease that is not renewed
     * @param dataRoot the data root that holds the world folders (and their fence records)
     */
    public RedisWorldLeases(RedisLink link, String nodeId, Duration leaseTime, Path dataRoot) {
        this.link = link;
        this.commands = link.commands();
        this.nodeId = nodeId;
        this.dataRoot = dataRoot;
        this.leaseMillis = Long.toString(leaseTime.toMillis());
        this.validNanos = leaseTime.toNanos() - leaseTime.toNanos() / 5;
    }

    /**
     * Takes the world's lease if no node holds it, with the world's next fencing number. It reads the fence
     * recorded in the world's folder on the calling thread (one small file), so that the new fence is above it.
     *
     * @param world the world
     * @return a stage that completes, on the link's workers, with the lease (valid when Redis granted it) or
     *     its holder; it fails when Redis cannot be reached or answers too late for the lease to be of use
     */
    public CompletionStage<Ownership> acquire(WorldKey world) {
        Objects.requireNonNull(world, "world");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("The node's Redis link is closed."));
        }
        FenceRecord floor = FenceRecord.read(folder(world));
        long start = System.nanoTime();
        return Scripts.ACQUIRE.<List<Object>>run(commands, ScriptOutputType.MULTI,
                new String[] {RedisKeys.lease(world), RedisKeys.fence(world)}, nodeId, leaseMillis,
                Long.toString(COUNTER_RETENTION.toMillis()), Long.toString(floor.fence()))
                .thenApply(reply -> {
                    String value = (String) reply.get(1);
                    int colon = value.lastIndexOf(':');
                    if ((Long) reply.get(0) == 0) {
                        return new Ownership.OwnedBy(value.substring(0, colon));
                    }
                    RedisWorldLease lease = new RedisWorldLease(this, world, nodeId,
                            Long.parseLong(value.substring(colon + 1)), start + validNanos);
                    // Held at once: renewed from now on, and released by close() whatever comes next.
                    held.put(world, lease);
                    return (Ownership) new Ownership.Acquired(lease);
                })
                .thenApplyAsync(ownership -> {
                    if (ownership instanceof Ownership.Acquired acquired && (closed || !acquired.lease().isValid())) {
                        release((RedisWorldLease) acquired.lease());
                        throw new CompletionException(new IllegalStateException(closed
                                ? "The node's Redis link is closed."
                                : "Redis granted the lease of " + world + " too late to use; it is released."));
                    }
                    return ownership;
                }, link.work());
    }

    Path folder(WorldKey world) {
        return dataRoot.resolve(world.relativePath());
    }

    /** @return this node's lease of the world while it is valid, else {@code null} */
    RedisWorldLease validLease(WorldKey world) {
        RedisWorldLease lease = held.get(world);
        return lease != null && lease.isValid() ? lease : null;
    }

    /** Renews every lease this node holds, and ends those that ran out; on the timer, every third of the lease time. */
    public void renewAll() {
        for (RedisWorldLease lease : held.values()) {
            if (!lease.isValid()) {
                ranOut(lease);
                continue;
            }
            long start = System.nanoTime();
            Scripts.RENEW.<Long>run(commands, ScriptOutputType.INTEGER, new String[] {RedisKeys.lease(lease.world())},
                    lease.value(), leaseMillis).whenComplete((renewed, e) -> {
                        if (e != null) {
                            if (renewalsFailing.compareAndSet(false, true)) {
                                LOG.log(Level.WARNING, "Could not renew world leases in Redis at " + link.address()
                                        + " (" + e.getMessage() + "); each ends if Redis cannot be reached in time.");
                            }
                        } else if (renewed == 1) {
                            lease.renewedUntil(start + validNanos);
                            renewalsFailing.set(false);
                        } else {
                            lost(lease, "another node holds it now");
                        }
                    });
        }
    }

    private void ranOut(RedisWorldLease lease) {
        if (lease.end()) {
            held.remove(lease.world(), lease);
            LOG.log(Level.WARNING, "The " + lease + " ran out: it could not be renewed in Redis in time.");
            // Should Redis still hold it, the next owner need not wait for it to run out there too.
            releaseInRedis(lease);
        }
    }

    /**
     * Ends a lease that another owner has replaced.
     *
     * @param lease the lease
     * @param why what showed it, for the log
     */
    void lost(RedisWorldLease lease, String why) {
        if (lease.end()) {
            held.remove(lease.world(), lease);
            LOG.log(Level.WARNING, "This node lost the " + lease + ": " + why + ".");
            // Only if Redis still holds this very lease (it lost the newer owner's): the world is free then.
            releaseInRedis(lease);
        }
    }

    /** Ends a lease and releases it in Redis, without waiting. */
    CompletionStage<?> release(RedisWorldLease lease) {
        if (!lease.end()) {
            return CompletableFuture.completedFuture(null);
        }
        held.remove(lease.world(), lease);
        return releaseInRedis(lease);
    }

    private CompletionStage<?> releaseInRedis(RedisWorldLease lease) {
        return Scripts.RELEASE.run(commands, ScriptOutputType.INTEGER, new String[] {RedisKeys.lease(lease.world())},
                lease.value());
    }

    /**
     * Wraps the event log store so that a log appends only while this node holds the world's lease. A log
     * opened while this node holds a valid lease of the world may append as long as that very lease stays
     * valid; one opened without it is read-only (it serves reading back, as a node that does not own a
     * world does to fill gaps). A refused append throws {@link io.worldlink.WorldLinkException} with
     * {@link io.worldlink.ErrorCode#STORAGE_ERROR}, as a failed write does, and writes nothing.
     *
     * <p>Before the first append of each burst (until the log's next sync) the log also reads the fence
     * recorded in the world's folder (the file {@code lease-fence}) and records its own: a log whose fence
     * is not above the one another owner recorded refuses, and its lease ends. {@link #acquire} gives a new
     * owner a fence above the recorded one, so that fences keep rising even when Redis loses its counters.
     *
     * @param logs the store that keeps the logs
     * @return the fenced store
     */
    public EventLogStore fenced(EventLogStore logs) {
        return new FencedEventLogStore(Objects.requireNonNull(logs, "logs"), this);
    }

    /** Stops renewing and releases every lease this node holds, waiting a moment for Redis to take them. */
    public void close() {
        closed = true;
        List<CompletableFuture<?>> releases = new ArrayList<>();
        for (RedisWorldLease lease : held.values()) {
            releases.add(release(lease).toCompletableFuture());
        }
        try {
            CompletableFuture.allOf(releases.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "Could not release every world lease in Redis; they run out within the lease time.");
        }
    }
}
