package io.worldlink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.MemoryMessage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotJsonTest {
    static final List<MemoryMessage> TRICKY = List.of(
            MemoryMessage.of("user", "plain", "HUMAN", "m1", null, Instant.parse("2026-11-22T08:30:00.120Z"), "chat-1"),
            MemoryMessage.of("assistant", "quote \" backslash \\ newline \n tab \t cr \r bell \u0007 nul \u0000",
                    "ada", "m2", "m1", Instant.parse("1999-01-02T03:04:05Z"), "chat-2"),
            MemoryMessage.of("user", "unicode é 日本 😀 separators \u2028 \u2029 <html> & 'single'", "bob", null,
                    null, null, "chat-1"),
            new MemoryMessage("user", "", "x", "m4", null, Instant.EPOCH, "chat-1", Map.of("agentId", "\"ada\"", "nested",
                    "{\"a\":[1,2.50,\"x\"]}")));

    @Test
    void memoryTextIsWhatThePrettyPrinterWritesAndReadsBackTheSame() {
        String text = SnapshotJson.memoryText(TRICKY);

        JsonArray tree = new JsonArray();
        for (MemoryMessage m : TRICKY) {
            JsonObject o = new JsonObject();
            Json.put(o, "role", m.role());
            Json.put(o, "content", m.content());
            Json.put(o, "sender", m.sender());
            Json.put(o, "messageId", m.messageId());
            Json.put(o, "replyToMessageId", m.replyToMessageId());
            Json.put(o, "createdAt", m.createdAt());
            Json.put(o, "chatId", m.chatId());
            m.extra().forEach((k, v) -> o.add(k, JsonParser.parseString(v)));
            tree.add(o);
        }
        assertEquals(Json.PRETTY.toJson(tree) + "\n", text);
        JsonElement parsed = JsonParser.parseString(text);
        assertEquals(TRICKY, SnapshotJson.memory(parsed.getAsJsonArray()));
        assertEquals("[]\n", SnapshotJson.memoryText(List.of()));
    }

    @Test
    void timestampsHaveMillisecondsAndAZ() {
        assertEquals("2026-11-22T08:30:00.000Z", Json.timestamp(Instant.parse("2026-11-22T08:30:00Z")));
        assertEquals("1970-01-01T00:00:00.007Z", Json.timestamp(Instant.ofEpochMilli(7)));
        assertEquals("+10000-01-01T00:00:00.000Z", Json.timestamp(Instant.parse("+10000-01-01T00:00:00Z")));
        assertEquals("1969-12-31T23:59:59.999Z", Json.timestamp(Instant.ofEpochMilli(-1)));
    }
}
