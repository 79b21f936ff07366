package io.worldlink.internal;

import static io.worldlink.internal.Json.instant;
import static io.worldlink.internal.Json.integer;
import static io.worldlink.internal.Json.number;
import static io.worldlink.internal.Json.put;
import static io.worldlink.internal.Json.string;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import io.worldlink.event.EventType;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.SenderType;
import io.worldlink.event.SseEvent;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.model.Usage;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The JSON form of a {@link WorldEvent} (PROTOCOL.md's {@code Event}): the same in the event log and
 * in {@code event-stream} frames.
 */
public final class EventJson {

    private EventJson() {}

    /**
     * @param event an event
     * @return its JSON form
     */
    public static JsonObject toJson(WorldEvent event) {
        JsonObject o = new JsonObject();
        put(o, "id", event.id());
        put(o, "type", event.type().wireName());
        put(o, "timestamp", event.timestamp());
        put(o, "sender", event.sender());
        put(o, "senderType", event.senderType().wireName());
        if (event.seq() > 0) {
            put(o, "seq", event.seq());
        }
        put(o, "chatId", event.chatId());
        if (event instanceof SseEvent s && s.afterSeq() > 0) {
            put(o, "afterSeq", s.afterSeq());
        }
        JsonObject p = new JsonObject();
        if (event instanceof MessageEvent m) {
            put(p, "content", m.content());
            put(p, "sender", m.sender());
            put(p, "messageId", m.messageId());
            put(p, "replyToMessageId", m.replyToMessageId());
            if (m.turnLimitNotice()) {
                put(p, "turnLimit", true);
            }
            if (m.stopped()) {
                put(p, "stopped", true);
            }
            if (m.handsBack()) {
                put(p, "handsBack", true);
            }
        } else if (event instanceof SseEvent s) {
            put(p, "agentName", s.agentName());
            put(p, "type", s.phase().wireName());
            put(p, "content", s.content());
            put(p, "messageId", s.messageId());
            if (s.usage() != null) {
                p.add("usage", usage(s.usage()));
            }
            put(p, "error", s.error());
            if (s.stopped()) {
                put(p, "stopped", true);
            }
        } else if (event instanceof WorldActionEvent w) {
            put(p, "action", w.action());
            put(p, "agentName", w.agentName());
            w.details().forEach((k, v) -> put(p, k, v));
        } else if (event instanceof SystemEvent s) {
            put(p, "content", s.content());
            put(p, "level", s.level().wireName());
        }
        o.add("payload", p);
        return o;
    }

    /**
     * The event's JSON form as text, exactly as {@code toJson(event).toString()} writes it. A reply's pieces,
     * most of a world's events and each sent to the other nodes of a cluster, are written by hand, without a
     * JSON tree.
     *
     * @param event an event
     * @return its JSON form as text
     */
    public static String text(WorldEvent event) {
        if (!(event instanceof SseEvent s)) {
            return toJson(event).toString();
        }
        StringBuilder b = new StringBuilder(256 + (s.content() == null ? 0 : s.content().length()));
        b.append("{\"id\":");
        Json.quote(b, s.id());
        b.append(",\"type\":\"").append(s.type().wireName()).append("\",\"timestamp\":\"")
                .append(Json.timestamp(s.timestamp())).append("\",\"sender\":");
        Json.quote(b, s.sender());
        b.append(",\"senderType\":\"").append(s.senderType().wireName()).append('"');
        if (s.chatId() != null) {
            b.append(",\"chatId\":");
            Json.quote(b, s.chatId());
        }
        if (s.afterSeq() > 0) {
            b.append(",\"afterSeq\":").append(s.afterSeq());
        }
        b.append(",\"payload\":{\"agentName\":");
        Json.quote(b, s.agentName());
        b.append(",\"type\":\"").append(s.phase().wireName()).append('"');
        if (s.content() != null) {
            b.append(",\"content\":");
            Json.quote(b, s.content());
        }
        b.append(",\"messageId\":");
        Json.quote(b, s.messageId());
        if (s.usage() != null) {
            b.append(",\"usage\":{\"inputTokens\":").append(s.usage().inputTokens()).append(",\"outputTokens\":")
                    .append(s.usage().outputTokens()).append(",\"totalTokens\":").append(s.usage().totalTokens())
                    .append('}');
        }
        if (s.error() != null) {
            b.append(",\"error\":");
            Json.quote(b, s.error());
        }
        if (s.stopped()) {
            b.append(",\"stopped\":true");
        }
        return b.append("}}").toString();
    }

    /**
     * Reads the JSON text of a reply's start or chunk, as {@link #text} writes it, without a JSON tree: most
     * of the events that come from another node of a cluster. Its fields may come in any order; anything
     * else (another event, a field this reader does not take, a {@code null}, a field twice, text that is
     * not strict JSON) is left to {@link #fromJson}, which reads it or says what is wrong with it.
     *
     * @param json an event's JSON text
     * @return the event, or {@code null} when the text is not such a piece
     */
    public static SseEvent readPiece(String json) {
        try (JsonReader r = new JsonReader(new StringReader(json))) {
            String id = null;
            String type = null;
            String timestamp = null;
            String chatId = null;
            long afterSeq = 0;
            String agentName = null;
            String phase = null;
            String content = null;
            String messageId = null;
            int seen = 0;
            r.beginObject();
            while (r.hasNext()) {
                String name = r.nextName();
                int bit = switch (name) {
                    case "id" -> 1;
                    case "type" -> 2;
                    case "timestamp" -> 4;
                    case "sender" -> 8;
                    case "senderType" -> 16;
                    case "chatId" -> 32;
                    case "afterSeq" -> 64;
                    case "payload" -> 128;
                    default -> 0;
                };
                if (bit == 0 || (seen & bit) != 0) {
                    return null;
                }
                seen |= bit;
                switch (name) {
                    case "id" -> id = pieceString(r);
                    case "type" -> type = pieceString(r);
                    case "timestamp" -> timestamp = pieceString(r);
                    case "chatId" -> chatId = pieceString(r);
                    case "afterSeq" -> {
                        if (r.peek() != JsonToken.NUMBER) {
                            return null;
                        }
                        afterSeq = r.nextLong();
                    }
                    case "payload" -> {
                        int inPayload = 0;
                        r.beginObject();
                        while (r.hasNext()) {
                            String field = r.nextName();
                            int b = switch (field) {
                                case "agentName" -> 1;
                                case "type" -> 2;
                                case "content" -> 4;
                                case "messageId" -> 8;
                                default -> 0;
                            };
                            if (b == 0 || (inPayload & b) != 0) {
                                return null;
                            }
                            inPayload |= b;
                            String value = pieceString(r);
                            switch (field) {
                                case "agentName" -> agentName = value;
                                case "type" -> phase = value;
                                case "content" -> content = value;
                                default -> messageId = value;
                            }
                        }
                        r.endObject();
                    }
                    default -> pieceString(r); // sender and senderType: an SSE event's are its agent's
                }
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT || id == null || !EventType.SSE.wireName().equals(type)
                    || timestamp == null || agentName == null || messageId == null) {
                return null;
            }
            Instant at = Json.readTimestamp(timestamp);
            SseEvent.Phase p = SseEvent.Phase.START.wireName().equals(phase) ? SseEvent.Phase.START
                    : SseEvent.Phase.CHUNK.wireName().equals(phase) ? SseEvent.Phase.CHUNK : null;
            if (at == null || p == null) {
                return null;
            }
            return new SseEvent(id, at, agentName, p, content, messageId, null, null, false, chatId, afterSeq);
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            return null;
        }
    }

    // A string value; anything else ends the reading of a piece (a null, a number where a string belongs).
    private static String pieceString(JsonReader r) throws IOException {
        if (r.peek() != JsonToken.STRING) {
            throw new IllegalStateException("not a string");
        }
        return r.nextString();
    }

    /**
     * @param usage token usage
     * @return {@code {inputTokens, outputTokens, totalTokens}}
     */
    public static JsonObject usage(Usage usage) {
        JsonObject u = new JsonObject();
        u.addProperty("inputTokens", usage.inputTokens());
        u.addProperty("outputTokens", usage.outputTokens());
        u.addProperty("totalTokens", usage.totalTokens());
        return u;
    }

    /**
     * @param o an event's JSON form
     * @return the event
     * @throws Json.FieldException when a field is missing or has the wrong type
     */
    public static WorldEvent fromJson(JsonObject o) {
        String id = required(o, "id");
        EventType type = EventType.fromWire(required(o, "type"));
        if (type == null) {
            throw new Json.FieldException("field \"type\" must be message, sse, world or system");
        }
        Instant timestamp = instant(o, "timestamp");
        if (timestamp == null) {
            throw new Json.FieldException("field \"timestamp\" is missing");
        }
        Number seqNumber = number(o, "seq");
        long seq = seqNumber == null ? 0 : seqNumber.longValue();
        JsonObject p = Json.object(o, "payload");
        if (p == null) {
            p = new JsonObject();
        }
        String chatId = string(o, "chatId");
        Number afterSeq = number(o, "afterSeq");
        return switch (type) {
            case MESSAGE -> {
                Boolean turnLimit = Json.bool(p, "turnLimit");
                Boolean stopped = Json.bool(p, "stopped");
                yield new MessageEvent(id, timestamp, required(o, "sender"),
                        constant(SenderType.class, o, "senderType"), seq,
                        required(p, "content"), string(p, "replyToMessageId"), turnLimit != null && turnLimit,
                        stopped != null && stopped, Boolean.TRUE.equals(Json.bool(p, "handsBack")),
                        SnapshotJson.chatOf(chatId));
            }
            case SSE -> {
                JsonObject u = Json.object(p, "usage");
                Usage usage = u == null ? null : new Usage(orZero(integer(u, "inputTokens", 0)),
                        orZero(integer(u, "outputTokens", 0)), orZero(integer(u, "totalTokens", 0)));
                yield new SseEvent(id, timestamp, required(p, "agentName"),
                        constant(SseEvent.Phase.class, p, "type"), string(p, "content"),
                        required(p, "messageId"), usage, string(p, "error"), Boolean.TRUE.equals(Json.bool(p, "stopped")),
                        chatId, afterSeq == null ? 0 : afterSeq.longValue());
            }
            case WORLD -> {
                Map<String, Object> details = plain(p);
                details.remove("action");
                details.remove("agentName");
                String action = required(p, "action");
                boolean inChat = action.equals(WorldActionEvent.IDLE) || action.equals(WorldActionEvent.TURN_LIMIT);
                yield new WorldActionEvent(id, timestamp, seq, action, string(p, "agentName"), details,
                        inChat ? SnapshotJson.chatOf(chatId) : chatId);
            }
            case SYSTEM -> new SystemEvent(id, timestamp, seq, required(p, "content"),
                    constant(MessageLevel.class, p, "level"));
        };
    }

    /**
     * {@return a world event's details as plain Java values: maps, lists, strings, booleans, and numbers as
     * Long or Double, so that an event read back from its JSON equals the one written}
     *
     * @param details the details as given, possibly holding records or other numbers
     */
    public static Map<String, Object> plainDetails(Map<String, ?> details) {
        if (details == null || details.isEmpty()) {
            return Map.of();
        }
        return Collections.unmodifiableMap(plain(Json.GSON.toJsonTree(details).getAsJsonObject()));
    }

    // Details as plain Java values (maps, lists, strings, booleans, Long or Double), none of Gson's types.
    private static Map<String, Object> plain(JsonObject o) {
        Map<String, Object> map = new LinkedHashMap<>();
        o.entrySet().forEach(e -> map.put(e.getKey(), plain(e.getValue())));
        return map;
    }

    private static Object plain(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            return plain(e.getAsJsonObject());
        }
        if (e.isJsonArray()) {
            List<Object> list = new ArrayList<>();
            e.getAsJsonArray().forEach(x -> list.add(plain(x)));
            return list;
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isString()) {
            return p.getAsString();
        }
        BigDecimal n = p.getAsBigDecimal();
        try {
            return n.longValueExact();
        } catch (ArithmeticException notWhole) {
            return n.doubleValue();
        }
    }

    private static <T extends Enum<T>> T constant(Class<T> type, JsonObject o, String field) {
        String value = required(o, field);
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new Json.FieldException("field \"" + field + "\" has the unknown value \"" + value + "\"");
        }
    }

    private static int orZero(Integer i) {
        return i == null ? 0 : i;
    }

    private static String required(JsonObject o, String field) {
        String s = string(o, field);
        if (s == null) {
            throw new Json.FieldException("field \"" + field + "\" is missing");
        }
        return s;
    }
}
