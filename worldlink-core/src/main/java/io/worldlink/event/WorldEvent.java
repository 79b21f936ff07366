package io.worldlink.event;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.EventBus;
import io.worldlink.internal.EventJson;
import io.worldlink.internal.Json;
import java.time.Instant;

/**
 * An event of one world, published on that world's {@link EventBus}. Events are immutable plain values
 * that serialize to JSON (the {@code Event} of PROTOCOL.md), so a bus may carry them across processes.
 *
 * <p>Durable events ({@link EventType#MESSAGE}, {@link EventType#WORLD}, {@link EventType#SYSTEM}) are
 * given the world's next {@link #seq()} and appended to its {@link EventLog} before anyone sees them.
 */
public sealed interface WorldEvent permits MessageEvent, SseEvent, WorldActionEvent, SystemEvent {
    /** {@return the event's unique id} */
    String id();

    /** {@return when it happened} */
    Instant timestamp();

    /** {@return who it comes from: a human name, an agent id, {@code world} or {@code system}} */
    String sender();

    /** {@return what kind of sender that is} */
    SenderType senderType();

    /** {@return its place in the world's event log, or 0 when it is not (yet) logged} */
    long seq();

    /** {@return its family} */
    EventType type();

    /**
     * {@return a copy with that seq}
     *
     * @param seq its place in the event log
     */
    WorldEvent withSeq(long seq);

    /** {@return whether it goes to the event log (all but streamed chunks)} */
    default boolean isDurable() {
        return type() != EventType.SSE;
    }

    /**
     * {@return the agent the event is from or about, or {@code null}; clients that filter by agent see only events
     *     whose agent is theirs}
     */
    String agentName();

    /**
     * {@return the chat the event belongs to (a message, a reply, the end of a turn), or {@code null} for an
     * event of the whole world} A client sees the events of its own chat and of the whole world only.
     */
    default String chatId() {
        return null;
    }

    /** {@return the event as PROTOCOL.md's {@code Event} JSON, as the event log and the wire carry it} */
    default String toJson() {
        return EventJson.text(this);
    }

    /**
     * Reads an event from the JSON that {@link #toJson()} writes: what a bus that carries events between
     * processes needs at the receiving end.
     *
     * @param json an event's JSON
     * @return the event, equal to the one written
     * @throws IllegalArgumentException when the text is not an event's JSON
     */
    static WorldEvent fromJson(String json) {
        WorldEvent piece = EventJson.readPiece(json);
        if (piece != null) {
            return piece;
        }
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException("An event is a JSON object.");
            }
            return EventJson.fromJson(e.getAsJsonObject());
        } catch (JsonParseException | IllegalStateException | Json.FieldException e) {
            throw new IllegalArgumentException("Not an event's JSON: " + e.getMessage(), e);
        }
    }
}
