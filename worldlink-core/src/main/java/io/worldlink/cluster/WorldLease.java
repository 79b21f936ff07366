package io.worldlink.cluster;

import io.worldlink.WorldKey;
import java.util.concurrent.CompletionStage;

/**
 * This node's ownership of one world: a lease in the cluster's store that the node renews in the
 * background while it holds it, with a fencing number that is higher than that of every earlier owner of
 * the world.
 *
 * <p>The lease knows on its own, without asking the cluster's store, whether it still holds: it counts as valid until
 * the start of its last successful renewal (on the JVM's monotonic clock) plus the lease time, less a
 * safety margin. The store keeps the lease at least the whole lease time after it received that renewal, so
 * an owner that cannot reach the store stops taking itself for the owner before another node can take the
 * world.
 */
public interface WorldLease extends AutoCloseable {
    /** {@return the world} */
    WorldKey world();

    /** {@return the fencing number: every new owner of the world gets a higher one} */
    long fence();

    /** {@return whether this node still holds the world, as far as it can know without asking the cluster's store} */
    boolean isValid();

    /**
     * {@return a stage that completes when the lease has ended: released by {@link #close()}, lost (another
     * node holds the world now) or run out (renewals failed; seen at the next renewal, within a
     * third of the lease time after {@link #isValid()} turned false)} It completes on one of the node's
     * cluster's threads: hand any work on.
     */
    CompletionStage<Void> ended();

    /**
     * Ends the lease: stops renewing it and releases it in the cluster's store at once, so that another node can take the
     * world without waiting for it to run out. It does not wait for the store. Idempotent.
     */
    @Override
    void close();
}
