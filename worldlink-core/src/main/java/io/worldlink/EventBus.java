package io.worldlink;

import io.worldlink.event.WorldEvent;
import io.worldlink.internal.InProcessEventBus;
import java.util.function.Consumer;

/**
 * Per-world publish/subscribe. A subscriber of one world never receives an event of another, also when
 * two users have worlds of the same name ({@link WorldKey} tells them apart).
 *
 * <p>Events are plain serializable values and a subscription is a handle that is closed, so that an
 * implementation may carry events between processes (for example over Redis or NATS pub/sub).
 * Listeners run on the publisher's thread and must return quickly: hand the event on, never block.
 * A listener that throws is logged and does not stop the delivery to the others.
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
     * Delivers an event to every current subscriber of the world, in the order of the calls for that world.
     *
     * @param world the world
     * @param event the event
     */
    void publish(WorldKey world, WorldEvent event);

    /**
     * {@return the handle that ends the subscription}
     *
     * @param world the world to listen to
     * @param listener called with each event of that world published after this call
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
