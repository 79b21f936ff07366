package io.worldlink.redis.internal;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.worldlink.WorldKey;
import io.worldlink.event.EventLogStore;
import io.worldlink.redis.Ownership;
import io.worldlink.redis.WorldLeases;
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
 * {@link WorldLeases} on a node's {@link RedisLink}. The leases this node holds are renewed together by
 * one task on the link's timer, a third of the lease time after the last round; a lease counts as valid until the start
 * of its last successful renewal plus the lease time less a fifth of it (the margin for timers that run
 * late and clocks that run at slightly different rates). So a lease survives one or two lost renewals and
 * ends on its own after about 0.8 lease times without Redis, while Redis keeps it a full lease time.
 */
public final class RedisWorldLeases implements WorldLeases {
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
    private final Repeating renewals;
    private final AtomicBoolean renewalsFailing = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * Starts renewing, on the link's workers, the leases this node will hold.
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
        long every = leaseTime.toMillis() / 3;
        this.renewals = Repeating.start(link.timer(), every, this::renewAll);
    }

    @Override
    public CompletionStage<Ownership> acquire(WorldKey world) {
        Objects.requireNonNull(world, "world");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("The node's Redis link is closed."));
        }
        FenceRecord floor = FenceRecord.read(folder(world));
        long start = System.nanoTime();
        return LeaseScripts.ACQUIRE.<List<Object>>run(commands, ScriptOutputType.MULTI,
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
                    held.put(world, lease);
                    if (closed || !lease.isValid()) {
                        release(lease);
                        throw new CompletionException(new IllegalStateException(closed
                                ? "The node's Redis link is closed."
                                : "Redis granted the lease of " + world + " too late to use; it is released."));
                    }
                    return new Ownership.Acquired(lease);
                });
    }

    Path folder(WorldKey world) {
        return dataRoot.resolve(world.relativePath());
    }

    /** @return this node's lease of the world while it is valid, else {@code null} */
    RedisWorldLease validLease(WorldKey world) {
        RedisWorldLease lease = held.get(world);
        return lease != null && lease.isValid() ? lease : null;
    }

    // On the timer, every third of the lease time.
    private void renewAll() {
        for (RedisWorldLease lease : held.values()) {
            if (!lease.isValid()) {
                ranOut(lease);
                continue;
            }
            long start = System.nanoTime();
            LeaseScripts.RENEW.<Long>run(commands, ScriptOutputType.INTEGER, new String[] {RedisKeys.lease(lease.world())},
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
        return LeaseScripts.RELEASE.run(commands, ScriptOutputType.INTEGER, new String[] {RedisKeys.lease(lease.world())},
                lease.value());
    }

    @Override
    public EventLogStore fenced(EventLogStore logs) {
        return new FencedEventLogStore(Objects.requireNonNull(logs, "logs"), this);
    }

    /** Stops renewing and releases every lease this node holds, waiting a moment for Redis to take them. */
    public void close() {
        closed = true;
        renewals.cancel();
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
