package io.worldlink.cluster;

import io.worldlink.EventBus;
import io.worldlink.UserId;
import io.worldlink.WorldKey;
import io.worldlink.event.EventLogStore;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * One node's link to the other nodes of a cluster that serve the same users and worlds from one shared
 * data root. A world runs on one node at a time, its owner, which holds the world's {@link WorldLease}
 * and alone appends to its log; a client connected to any other node reaches the world through
 * {@link #call} to the owner, and every node's clients get the world's events through {@link #bus()}. A
 * {@code WorldLink} built without a cluster is a single node and needs none of this.
 *
 * <p>An implementation (the {@code worldlink-redis} module has one) keeps a fixed number of connections
 * whatever the number of worlds or clients, and never blocks a caller: every method returns at once.
 */
public interface Cluster extends AutoCloseable {
    /** {@return this node's id, unique among the nodes of the cluster} */
    String nodeId();

    /**
     * {@return the bus that carries each world's events from its owner to the subscribers of every node}
     * Delivery may be late or lossy; its subscribers are told to catch up when events may have been missed
     * ({@link EventBus#subscribe(WorldKey, java.util.function.Consumer, Runnable)}).
     */
    EventBus bus();

    /**
     * Claims a world for this node when no live node holds it.
     *
     * @param world the world
     * @return this node's new lease of the world, renewed until it is closed, or the node that holds the
     *     world (which may be this node's id: a lease of an earlier run of this node that has not run out
     *     yet); fails when the cluster cannot tell, for example when its store is out of reach
     */
    CompletionStage<Ownership> claim(WorldKey world);

    /**
     * Wraps the store of the worlds' event logs so that a log appends only while this node holds the
     * world's lease: a node that lost a world cannot write a second history of it.
     *
     * @param logs the store that keeps the logs
     * @return the store whose logs refuse an append without a valid lease
     */
    EventLogStore fenced(EventLogStore logs);

    /**
     * Sends a request to another node's {@link #serve} handler.
     *
     * @param nodeId the node
     * @param request the request, as the handler reads it
     * @return the handler's answer; fails with a {@link NodeUnreachableException} when the request certainly
     *     did not reach the node (no node of that id is there, or the request could not be sent), which the
     *     caller may send again elsewhere without anything being done twice; fails with any other exception
     *     when the node may have taken the request: no answer came in time (a slow node, or one that died
     *     after taking it), the connection was lost with the request in flight, or the handler failed
     */
    CompletionStage<String> call(String nodeId, String request);

    /**
     * Sets what answers the other nodes' {@link #call}s to this node; one handler per node.
     *
     * @param handler given a request, completes with the answer, or fails with the reason to give the caller
     */
    void serve(Function<String, CompletionStage<String>> handler);

    /**
     * Says whether a user has a connection on this node, so that no node deletes an anonymous user's
     * folder while another node serves them.
     *
     * @param user the user
     * @param present whether this node holds a connection of theirs now
     */
    void present(UserId user, boolean present);

    /**
     * {@return whether a live node other than this one holds a connection of the user}
     *
     * @param user the user
     */
    CompletionStage<Boolean> presentElsewhere(UserId user);

    /** Releases this node's leases and its connections to the other nodes. */
    @Override
    void close();
}
