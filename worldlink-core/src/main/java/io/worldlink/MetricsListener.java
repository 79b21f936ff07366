package io.worldlink;

import io.worldlink.model.Usage;
import java.time.Duration;

/**
 * What WorldLink tells a host that measures it: connections, turns, model calls, frames and the event
 * log, as they happen. Every method has a no-op default, so a host overrides only what it records; each
 * is called on WorldLink's own threads, often on hot paths, and must return at once (increment a
 * counter, record a timer). The Jetty module turns these into Prometheus metrics.
 *
 * <pre>{@code
 * WorldLink link = WorldLink.builder().metrics(new MetricsListener() {
 *     @Override public void turnEnded(Duration duration, boolean stopped) { turns.record(duration); }
 * }).build();
 * }</pre>
 */
public interface MetricsListener {
    /** Records nothing: the default. */
    MetricsListener NONE = new MetricsListener() {};

    /** Why a connection ended. */
    enum CloseReason {
        /** The client or the host closed it. */
        NORMAL,
        /**
         * It did not read: too much was waiting to be sent to it, or it was behind when the server held
         * more than its budget for all clients (1013).
         */
        SLOW_CLIENT,
        /** It sent a frame over the size limit (1009). */
        OVERSIZE,
        /** It selected no world in time (1008). */
        IDLE,
        /** A connection limit was reached when it came (1013, {@code QUOTA_EXCEEDED}). */
        QUOTA,
        /** The server stopped (1001). */
        SHUTDOWN
    }

    /** How a model call ended. */
    enum CallOutcome {
        /** The reply was complete. */
        COMPLETE,
        /** A client stopped it ({@code chat-stop}). */
        STOPPED,
        /** The model failed. */
        ERROR,
        /** The model sent nothing for the reply timeout. */
        TIMEOUT
    }

    /** A connection was accepted. */
    default void connectionOpened() {}

    /**
     * A connection ended.
     *
     * @param reason why
     */
    default void connectionClosed(CloseReason reason) {}

    /**
     * A request was answered with an error, or dropped ({@code RATE_LIMITED}).
     *
     * @param code the error's code
     */
    default void requestRefused(ErrorCode code) {}

    /** A turn started: a person's (or the world's) message. */
    default void turnStarted() {}

    /**
     * A turn ended with {@code idle}.
     *
     * @param duration from its message to its end
     * @param stopped whether a client stopped it
     */
    default void turnEnded(Duration duration, boolean stopped) {}

    /**
     * A model call ended.
     *
     * @param provider the provider it went to (a name the host configured, never a URL)
     * @param model the model asked for (one the templates or the host's allow-list name)
     * @param outcome how it ended
     * @param firstChunk from the call to its first piece of text, or {@code null} when none came
     * @param duration from the call to its end
     * @param usage the tokens the model reported, or {@link Usage#NONE}
     */
    default void modelCallEnded(String provider, String model, CallOutcome outcome, Duration firstChunk,
            Duration duration, Usage usage) {}

    /**
     * A frame was sent to a client.
     *
     * @param characters its length
     */
    default void frameSent(int characters) {}

    /**
     * A burst of events was appended to a world's log and synced.
     *
     * @param events how many
     * @param sync how long the sync took
     */
    default void eventsLogged(int events, Duration sync) {}
}
