package io.worldlink.redis;

import java.util.Objects;

/** What {@link WorldLeases#acquire} found: the world's lease for this node, or the node that holds it. */
public sealed interface Ownership {
    /**
     * This node now owns the world.
     *
     * @param lease the lease, held and renewed until it is closed
     */
    record Acquired(WorldLease lease) implements Ownership {
        /** Checks the lease is there. */
        public Acquired {
            Objects.requireNonNull(lease, "lease");
        }
    }

    /**
     * Another node owns the world (or this node, through a lease it got earlier, or a previous run of a
     * node with this id whose lease has not run out yet).
     *
     * @param nodeId the owner's node id
     */
    record OwnedBy(String nodeId) implements Ownership {
        /** Checks the node id is there. */
        public OwnedBy {
            Objects.requireNonNull(nodeId, "nodeId");
        }
    }
}
