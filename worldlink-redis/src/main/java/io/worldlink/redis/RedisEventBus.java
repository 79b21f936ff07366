package io.worldlink.redis;

import io.worldlink.EventBus;
import io.worldlink.Subscription;
import io.worldlink.WorldKey;
import io.worldlink.event.WorldEvent;
import java.util.function.Consumer;

/**
 * An {@link EventBus} between the nodes of a cluster, over Redis pub/sub; {@link ClusterNode#eventBus()}
 * gives a node's. A world's events travel on a channel of that world alone.
 *
 * <p>{@link #publish} returns at once: it hands the event to this node's own subscribers of the world and
 * sends one {@code PUBLISH} for the other nodes, pipelined on the node's one command connection in the
 * order of the calls. Delivery is asynchronous: each world's listeners are called on the node's Redis
 * worker threads, never on the publisher's thread nor on a socket's, one event at a time per world, in the
 * order this node received them (its own in the order of the calls, another node's in the order that node
 * published them).
 *
 * <p>Delivery across nodes is at most once. An event can be missed: one published while Redis was out of
 * reach, one published before a subscription took effect in Redis, or one that came while a world's
 * listeners were too far behind. So every durable event is in the world's log before it is published, and
 * a subscriber that is given a {@code catchUp} action is told each time it may have missed some, so that it
 * reads them back from the log after the last seq it has.
 */
public interface RedisEventBus extends EventBus {
    /**
     * Subscribes to a world's events, and says when some may have been missed.
     *
     * @param world the world to listen to
     * @param listener called with each event of that world that reaches this node after this call; it must
     *     return quickly
     * @param catchUp called, in order with the events, when events of the world may have been missed: when
     *     Redis confirms the subscription (events published before were not delivered), after each
     *     reconnect to Redis, after another node could not publish for a while, and when events were
     *     dropped because the listeners fell too far behind; it should read the world's log back from the
     *     last seq the subscriber has
     * @return the handle that ends the subscription
     */
    Subscription subscribe(WorldKey world, Consumer<? super WorldEvent> listener, Runnable catchUp);
}
