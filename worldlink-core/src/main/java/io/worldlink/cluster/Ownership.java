package io.worldlink.cluster;

import java.util.Objects;

/** What {@link Cluster#claim} found: the world's lease for this node, or the node that holds it. */
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
     * Another node owns the world (or an earlier run of this node, whose lease has not run out yet).
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
