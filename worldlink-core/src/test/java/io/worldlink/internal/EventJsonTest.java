package io.worldlink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.Chat;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.SenderType;
import io.worldlink.event.SseEvent;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.model.Usage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EventJsonTest {
    static final Instant T = Instant.parse("2026-11-22T08:30:00Z");

    static List<WorldEvent> events() {
        return List.of(
                new MessageEvent("m1", T, "HUMAN", SenderType.HUMAN, 3, "hi @ada", null, false, false, false, "chat-1"),
                new MessageEvent("m2", T, "ada", SenderType.AGENT, 4, "@human Turn limit reached", "m1", true, false, false,
                        "chat-2"),
                new SseEvent("s1", T, "ada", SseEvent.Phase.END, "whole reply", "m2", new Usage(10, 5, 15), null),
                new SseEvent("s2", T, "ada", SseEvent.Phase.ERROR, "partial", "m2", null, "HTTP 500"),
                new WorldActionEvent("w1", T, 7, WorldActionEvent.IDLE, null, Map.of("messageId", "m1"), "chat-2"),
                new WorldActionEvent("w2", T, 8, WorldActionEvent.WORLD_RELOAD, null,
                        Map.of("worldName", "demo", "agentCount", 2)),
                new SystemEvent("y1", T, 9, "Server restarting", MessageLevel.WARNING));
    }

    @ParameterizedTest
    @MethodSource("events")
    void roundTripsThroughItsJsonForm(WorldEvent event) {
        String json = Json.GSON.toJson(EventJson.toJson(event));
        WorldEvent back = EventJson.fromJson(JsonParser.parseString(json).getAsJsonObject());
        assertEquals(json, Json.GSON.toJson(EventJson.toJson(back)));
        assertEquals(event.getClass(), back.getClass());
        assertEquals(event.seq(), back.seq());
    }

    @ParameterizedTest
    @MethodSource("events")
    void thePublicCodecReadsBackAnEqualEvent(WorldEvent event) {
        assertEquals(event, WorldEvent.fromJson(event.toJson()));
    }

    static List<WorldEvent> replyPieces() {
        String hostile = "quote \" backslash \\ tab \t nl \n cr \r nul \u0000 del \u007f <b>&amp;='</b> "
                + "\u2028 \u2029 é ✓ 🌍 \ud800 alone";
        Instant withNanos = Instant.parse("2026-11-22T08:30:00.123456789Z");
        return List.of(
                new SseEvent("s1", T, "ada", SseEvent.Phase.START, null, "m1", null, null),
                new SseEvent("s2", withNanos, "ada", SseEvent.Phase.CHUNK, hostile, "m1", null, null, false, "chat-1", 12),
                new SseEvent("s3", T, hostile, SseEvent.Phase.CHUNK, "", hostile, null, null, false, hostile, 0),
                new SseEvent("s4", T, "ada", SseEvent.Phase.END, "whole reply", "m1", new Usage(10, 5, 15), null, true,
                        "chat-2", Long.MAX_VALUE),
                new SseEvent("s5", T, "ada", SseEvent.Phase.ERROR, "partial", "m1", null, hostile, false, null, 3));
    }

    @ParameterizedTest
    @MethodSource("replyPieces")
    void aReplysPieceWrittenByHandIsTheTreesTextExactly(WorldEvent event) {
        assertEquals(EventJson.toJson(event).toString(), EventJson.text(event));
        assertEquals(event.toJson(), WorldEvent.fromJson(event.toJson()).toJson(), "read back as written");
    }

    static WorldEvent readThroughTheTree(String json) {
        return EventJson.fromJson(JsonParser.parseString(json).getAsJsonObject());
    }

    @ParameterizedTest
    @MethodSource("replyPieces")
    void aStartOrAChunkIsReadWithoutATreeAsTheTreeReadsIt(SseEvent event) {
        String json = event.toJson();
        SseEvent read = EventJson.readPiece(json);
        if (event.phase() == SseEvent.Phase.START || event.phase() == SseEvent.Phase.CHUNK) {
            assertEquals(readThroughTheTree(json), read);
        } else {
            assertNull(read, "an end or an error is left to the tree");
        }
    }

    @Test
    void aPieceWithItsFieldsInAnotherOrderReadsTheSame() {
        String json = "{\"payload\":{\"messageId\":\"m1\",\"content\":\"hi\",\"type\":\"chunk\",\"agentName\":\"ada\"},"
                + "\"afterSeq\":4,\"chatId\":\"chat-1\",\"senderType\":\"agent\",\"sender\":\"ada\","
                + "\"timestamp\":\"2026-11-22T08:30:00.000Z\",\"type\":\"sse\",\"id\":\"s1\"}";
        assertEquals(new SseEvent("s1", T, "ada", SseEvent.Phase.CHUNK, "hi", "m1", null, null, false, "chat-1", 4),
                EventJson.readPiece(json));
        assertEquals(readThroughTheTree(json), EventJson.readPiece(json));
    }

    @Test
    void whatIsNotExactlyAPieceIsLeftToTheTreeWhichReadsOrRefusesItAsBefore() {
        String piece = new SseEvent("s1", T, "ada", SseEvent.Phase.CHUNK, "hi", "m1", null, null, false, "chat-1", 4)
                .toJson();
        List<String> others = List.of(
                events().get(0).toJson(),
                piece.replace("\"content\":\"hi\"", "\"content\":null"),
                piece.replace("\"chatId\":\"chat-1\"", "\"chatId\":null"),
                piece.replace("\"content\":\"hi\"", "\"content\":\"hi\",\"extra\":1"),
                piece.replace("\"id\":\"s1\"", "\"id\":\"s1\",\"more\":\"x\""),
                piece.replace("\"id\":\"s1\"", "\"id\":\"s1\",\"id\":\"s2\""),
                piece.replace("\"content\":\"hi\"", "\"content\":\"hi\",\"content\":\"ho\""),
                piece.replace("\"afterSeq\":4", "\"afterSeq\":\"4\""),
                piece.replace("\"afterSeq\":4", "\"afterSeq\":4.5"),
                piece.replace("\"type\":\"chunk\"", "\"type\":\"CHUNK\""),
                piece.replace("\"type\":\"chunk\"", "\"type\":\"end\""),
                piece.replace("\"type\":\"sse\"", "\"type\":\"message\""),
                piece.replace("2026-11-22T08:30:00.000Z", "2026-11-22T08:30:00Z"),
                piece.replace("\"messageId\":\"m1\"", "\"messageId\":7"),
                piece.replace(",\"messageId\":\"m1\"", ""),
                piece.replace("\"id\":\"s1\"", "'id':'s1'"),
                piece + " {}",
                piece.substring(0, piece.length() - 1),
                "[" + piece + "]",
                "");
        for (String json : others) {
            assertTrue(!json.equals(piece), "each is changed");
            assertNull(EventJson.readPiece(json), json);
            WorldEvent expected;
            try {
                expected = readThroughTheTree(json);
            } catch (RuntimeException e) {
                assertThrows(IllegalArgumentException.class, () -> WorldEvent.fromJson(json), json);
                continue;
            }
            assertEquals(expected, WorldEvent.fromJson(json), json);
        }
    }

    @Test
    void thePublicCodecRefusesWhatIsNotAnEvent() {
        assertThrows(IllegalArgumentException.class, () -> WorldEvent.fromJson("[1]"));
        assertThrows(IllegalArgumentException.class, () -> WorldEvent.fromJson("{\"id\":\"x\",\"type\":\"nope\"}"));
        assertThrows(IllegalArgumentException.class, () -> WorldEvent.fromJson("{not json"));
    }

    @Test
    void writesTheProtocolsEventShape() {
        JsonObject o = EventJson.toJson(events().get(0));
        assertEquals("{\"id\":\"m1\",\"type\":\"message\",\"timestamp\":\"2026-11-22T08:30:00.000Z\","
                + "\"sender\":\"HUMAN\",\"senderType\":\"human\",\"seq\":3,\"chatId\":\"chat-1\",\"payload\":"
                + "{\"content\":\"hi @ada\",\"sender\":\"HUMAN\",\"messageId\":\"m1\"}}", o.toString());
    }

    @Test
    void anEventLoggedBeforeChatsBelongsToTheFirstChatAndAWorldEventToNone() {
        JsonObject message = EventJson.toJson(new MessageEvent("m1", T, "HUMAN", SenderType.HUMAN, 3, "hi", null, false));
        assertFalse(message.has("chatId"), "no chat, no field");
        assertEquals(Chat.FIRST_ID, EventJson.fromJson(message).chatId());
        JsonObject idle = EventJson.toJson(new WorldActionEvent("w1", T, 4, WorldActionEvent.IDLE, null,
                Map.of("messageId", "m1")));
        assertEquals(Chat.FIRST_ID, EventJson.fromJson(idle).chatId());
        JsonObject reload = EventJson.toJson(events().get(5));
        assertNull(EventJson.fromJson(reload).chatId(), "an event of the whole world stays in no chat");
    }

    @Test
    void numbersInWorldDetailsKeepTheirForm() {
        JsonObject o = EventJson.toJson(events().get(5));
        WorldActionEvent back = (WorldActionEvent) EventJson.fromJson(o);
        assertEquals("2", EventJson.toJson(back).getAsJsonObject("payload").get("agentCount").toString());
    }

    @Test
    void worldDetailsReadBackArePlainJavaValuesEqualToTheOnesWritten() {
        Map<String, Object> agent = new java.util.LinkedHashMap<>();
        agent.put("id", "ada");
        agent.put("memorySize", 3L);
        agent.put("temperature", 0.5);
        agent.put("active", true);
        agent.put("tags", List.of("a", "b"));
        WorldActionEvent event = new WorldActionEvent("w3", T, 10, WorldActionEvent.AGENT_UPDATE, "ada",
                Map.of("agent", agent));

        WorldActionEvent back = (WorldActionEvent) EventJson.fromJson(JsonParser.parseString(
                EventJson.toJson(event).toString()).getAsJsonObject());

        assertEquals(event, back);
        Map<?, ?> read = (Map<?, ?>) back.details().get("agent");
        assertEquals(java.util.LinkedHashMap.class, read.getClass());
        assertEquals(Long.class, read.get("memorySize").getClass());
        assertEquals(Double.class, read.get("temperature").getClass());
        assertEquals(java.util.ArrayList.class, read.get("tags").getClass());
    }

    @Test
    void refusesEventsWithMissingOrUnknownFields() {
        assertThrows(Json.FieldException.class, () -> EventJson.fromJson(JsonParser.parseString(
                "{\"id\":\"x\",\"type\":\"nope\",\"timestamp\":\"2026-11-22T08:30:00Z\"}").getAsJsonObject()));
        assertThrows(Json.FieldException.class, () -> EventJson.fromJson(JsonParser.parseString(
                "{\"id\":\"x\",\"type\":\"system\",\"timestamp\":\"2026-11-22T08:30:00Z\","
                        + "\"payload\":{\"content\":\"c\",\"level\":\"loud\"}}").getAsJsonObject()));
    }
}
