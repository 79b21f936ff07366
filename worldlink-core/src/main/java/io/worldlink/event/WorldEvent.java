package io.worldlink.event;

import io.worldlink.EventBus;
import io.worldlink.EventLog;
import java.time.Instant;

/**
 * An event of one world, published on that world's {@link EventBus}. Events are immutable plain values
 * that serialize to JSON (the {@code Event} of PROTOCOL.md), so a bus may carry them across processes.
 *
 * <p>Durable events ({@link EventType#MESSAGE}, {@link EventType#WORLD}, {@link EventType#SYSTEM}) are
 * given the world's next {@link #seq()} and appended to its {@link EventLog} before anyone sees them.
 */
public sealed interface WorldEvent permits MessageEvent, SseEvent, WorldActionEvent, SystemEvent {
    /** @return the event's unique id */
    String id();

    /** @return when it happened */
    Instant timestamp();

    /** @return who it comes from: a human name, an agent id, {@code world} or {@code system} */
    String sender();

    /** @return what kind of sender that is */
    SenderType senderType();

    /** @return its place in the world's event log, or 0 when it is not (yet) logged */
    long seq();

    /** @return its family */
    EventType type();

    /**
     * @param seq its place in the event log
     * @return a copy with that seq
     */
    WorldEvent withSeq(long seq);

    /** @return whether it goes to the event log (all but streamed chunks) */
    default boolean isDurable() {
        return type() != EventType.SSE;
    }

    /**
     * @return the agent the event is from or about, or {@code null}; clients that filter by agent see
     *     only events whose agent is theirs
     */
    String agentName();

    /**
     * @return the chat the event belongs to (a message, a reply, the end of a turn), or {@code null} for an
     *     event of the whole world; a client sees the events of its own chat and of the whole world only
     */
    default String chatId() {
        return null;
    }
}
