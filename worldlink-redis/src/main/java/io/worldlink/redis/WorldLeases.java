package io.worldlink.redis;

import io.worldlink.WorldKey;
import io.worldlink.event.EventLogStore;
import java.util.concurrent.CompletionStage;

/**
 * Who owns which world: at most one node at a time holds a world's lease, and only the owner may append
 * to the world's log. {@link ClusterNode#leases()} gives a node's.
 *
 * <p>Typical use, when a node is asked for a world:
 * <pre>{@code
 * leases.acquire(world).thenAccept(ownership -> {
 *     if (ownership instanceof Ownership.Acquired a) {
 *         // load the world here; unload it when a.lease().ended() completes
 *     } else if (ownership instanceof Ownership.OwnedBy o) {
 *         // hand the request to node o.nodeId()
 *     }
 * });
 * }</pre>
 */
public interface WorldLeases {
    /**
     * Takes the world's lease if no node holds it, with the world's next fencing number. A node holds at
     * most one lease of a world: ask once per loaded world, and close the lease when the world is unloaded.
     * It reads the fence recorded in the world's folder on the calling thread (one small file), so that the
     * new fence is above it.
     *
     * @param world the world
     * @return a stage that completes, on one of the node's Redis threads, with the lease (valid at that
     *     moment) or its holder; it fails when Redis cannot be reached or answers too late for the lease to
     *     be of use
     */
    CompletionStage<Ownership> acquire(WorldKey world);

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
    EventLogStore fenced(EventLogStore logs);
}
