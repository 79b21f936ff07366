package io.worldlink;

import io.worldlink.event.WorldEvent;
import io.worldlink.internal.InProcessEventBus;
import java.util.function.Consumer;

/**
 * Per-world publish/subscribe. A subscriber of one world never receives an event of another, also when
 * two users have worlds of the same name ({@link WorldKey} tells them apart).
 *
 * <p>Events are plain serializable values ({@link WorldEvent#toJson()}) and a subscription is a handle
 * that is closed, so that an implementation may carry events between processes (for example over Redis
 * or NATS pub/sub). What an implementation must guarantee, and what it need not:
 * <ul>
 * <li>It must deliver a world's events to its subscribers, and no other world's. It should deliver the
 *     events of one publisher of a world in the order of its calls: WorldLink publishes a world's events
 *     from one thread at a time, in seq order, and a reply's streamed chunks (seq 0) after the durable
 *     event that started the reply; a chunk that overtakes a durable event is shown out of place.
 * <li>It may call listeners on any thread, later than {@code publish} returns, one world's while another
 *     world's runs, even one listener from two threads at once. {@code publish} must return at once; it
 *     must not wait for listeners.
 * <li>It may lose, repeat or reorder durable events (seq &gt; 0), as a bus between processes does when
 *     it reconnects: WorldLink drops a seq it has delivered already, and when it sees a seq jump (or a
 *     chunk naming a seq it has not seen, {@link io.worldlink.event.SseEvent#afterSeq()}) it reads the
 *     missing ones back from the world's {@link io.worldlink.event.EventLog} before delivering, so that
 *     clients get each durable event once, in seq order. A loss is noticed when the world's next event
 *     arrives; an implementation that knows it may have lost events (after a reconnect) can deliver the
 *     newest durable event of each world again, which brings the missing ones back at once.
 * <li>It must deliver an event without a seq (a streamed chunk) at most once; it may lose it. A lost
 *     chunk stays lost, and one that arrives after a durable event published later than it is dropped:
 *     the durable reply carries their text.
 * <li>Listeners return quickly and never block; a listener that throws is logged and does not stop the
 *     delivery to the others.
 * </ul>
 * The default, {@link #inProcess()}, calls listeners on the publisher's thread, during {@code publish}.
 *
 * <p>A host replaces it, for example, to watch every event that WorldLink publishes:
 * <pre>{@code
 * EventBus local = EventBus.inProcess();
 * EventBus audited = new EventBus() {
 *     public void publish(WorldKey world, WorldEvent event) {
 *         audit.record(world, event);            // must return at once
 *         local.publish(world, event);
 *     }
 *     public Subscription subscribe(WorldKey world, Consumer<? super WorldEvent> listener) {
 *         return local.subscribe(world, listener);
 *     }
 * };
 * WorldLink.builder().eventBus(audited)...
 * }</pre>
 */
public interface EventBus {
    /**
     * Delivers an event to every current subscriber of the world, now or later, in the order of the calls
     * for that world. Returns at once.
     *
     * @param world the world
     * @param event the event
     */
    void publish(WorldKey world, WorldEvent event);

    /**
     * {@return the handle that ends the subscription}
     *
     * @param world the world to listen to
     * @param listener called with each event of that world published after this call, on any thread
     */
    Subscription subscribe(WorldKey world, Consumer<? super WorldEvent> listener);

    /**
     * Subscribes to a world's events and says when some may have been missed, as a bus between processes
     * may lose them; the subscriber then reads the world's log back past the last seq it has. A bus that
     * never loses an event (the default) never calls {@code catchUp}.
     *
     * @param world the world to listen to
     * @param listener called with each event of that world published after this call
     * @param catchUp called, in order with the events, when events of the world may have been missed
     * @return the handle that ends the subscription
     */
    default Subscription subscribe(WorldKey world, Consumer<? super WorldEvent> listener, Runnable catchUp) {
        return subscribe(world, listener);
    }

    /** {@return the default bus: in this process, lock-free to publish, one listener list per world} */
    static EventBus inProcess() {
        return new InProcessEventBus();
    }
}
