package io.worldlink.model;

/** A model call under way. */
@FunctionalInterface
public interface ChatCall {
    /** Stops the call; the listener may receive nothing more. Idempotent. */
    void cancel();
}
