package io.worldlink.internal.cluster;

import io.worldlink.ErrorCode;
import io.worldlink.UserStorage;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.cluster.WorldLease;
import io.worldlink.internal.store.GuardedStorage;

/**
 * The storage that a world run under this node's lease writes through: each write of that world checks
 * that the lease is still valid right before it is made, and when it is not, fails with
 * {@link ErrorCode#STORAGE_ERROR} having written nothing. So a node that lost a world (its lease ran out
 * while it could not reach the cluster's store, and another node may run the world now) overwrites none of
 * the new owner's memories, chats or configs, as its log appends none of its events. The lease's own
 * validity ends before the store lets another node take the world. Reads are never refused.
 */
public final class LeasedStorage extends GuardedStorage {
    private final WorldLease lease;

    /**
     * @param storage where the world is stored
     * @param lease this node's lease of the world
     */
    public LeasedStorage(UserStorage storage, WorldLease lease) {
        super(storage);
        this.lease = lease;
    }

    @Override
    protected void beforeWrite(WorldKey world) {
        if (world.equals(lease.world())) {
            held(lease);
        }
    }

    /**
     * Checks, right before a write of a world, that this node still holds it.
     *
     * @param lease this node's lease of the world
     * @throws WorldLinkException {@link ErrorCode#STORAGE_ERROR} when the lease is no longer valid
     */
    static void held(WorldLease lease) {
        if (!lease.isValid()) {
            throw new WorldLinkException(ErrorCode.STORAGE_ERROR, "World \"" + lease.world().worldId() + "\" is not "
                    + "this server node's to write any more: its lease has ended, and another node may run the world "
                    + "now. Nothing was written; select the world again.");
        }
    }
}
