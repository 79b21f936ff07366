package io.worldlink.redis.internal;

import io.worldlink.WorldKey;
import io.worldlink.cluster.WorldLease;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;

/** A lease this node holds; {@link RedisWorldLeases} renews it and ends it. */
final class RedisWorldLease implements WorldLease {
    private final RedisWorldLeases leases;
    private final WorldKey world;
    private final String nodeId;
    private final long fence;
    // On System.nanoTime(): valid while now is before it.
    private final AtomicLong validUntil;
    private final CompletableFuture<Void> ended = new CompletableFuture<>();

    RedisWorldLease(RedisWorldLeases leases, WorldKey world, String nodeId, long fence, long validUntil) {
        this.leases = leases;
        this.world = world;
        this.nodeId = nodeId;
        this.fence = fence;
        this.validUntil = new AtomicLong(validUntil);
    }

    @Override
    public WorldKey world() {
        return world;
    }

    @Override
    public long fence() {
        return fence;
    }

    String nodeId() {
        return nodeId;
    }

    /** @return the lease's value in Redis */
    String value() {
        return nodeId + ":" + fence;
    }

    @Override
    public boolean isValid() {
        return !ended.isDone() && validUntil.get() - System.nanoTime() > 0;
    }

    /** Extends the validity to {@code until} unless it reaches further already; an ended lease stays ended. */
    void renewedUntil(long until) {
        validUntil.accumulateAndGet(until, (current, next) -> next - current > 0 ? next : current);
    }

    /** @return whether this call ended it */
    boolean end() {
        return ended.complete(null);
    }

    @Override
    public CompletionStage<Void> ended() {
        return ended.minimalCompletionStage();
    }

    @Override
    public void close() {
        leases.release(this);
    }

    @Override
    public String toString() {
        return "lease of " + world + " (" + value() + ")";
    }
}
