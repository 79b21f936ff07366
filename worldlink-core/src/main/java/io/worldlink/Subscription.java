package io.worldlink;

/**
 * A handle on a subscription to a world's {@link EventBus}. Closing it removes the listener; closing it
 * again does nothing. Nothing is left behind once it is closed.
 */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
    /** Stops the deliveries and releases the listener. Idempotent. */
    @Override
    void close();
}
