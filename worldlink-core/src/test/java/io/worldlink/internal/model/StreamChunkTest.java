package io.worldlink.internal.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.model.ChatCall;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.ModelTransport;
import io.worldlink.model.OpenAiSettings;
import io.worldlink.model.Usage;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A stream's events read without a JSON tree, and split into lines wherever its pieces break. */
class StreamChunkTest {
    static final List<String> PAYLOADS = List.of(
            "{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},\"finish_reason\":null}]}",
            "{\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"delta\":{\"content\":\"a \\\"quoted\\\" "
                    + "\\\\ word\\nnext\\tline \\u00e9\\ud83d\\ude00 \\/\"},\"logprobs\":{\"a\":[1,2.5e3,-0.1,true,false,"
                    + "null,{}]}}]}",
            "{\"choices\":[{\"delta\":{\"content\":\"été 😀 ü\"}}]}",
            " {\n\t\"choices\" : [ { \"delta\" : { } , \"finish_reason\" : \"stop\" } ] } ",
            "{\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}",
            "{\"choices\":[{\"delta\":{\"content\":\"\"}}],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2}}",
            "{\"choices\":[{\"delta\":{\"content\":null}},{\"delta\":{\"content\":\"second\"}}]}",
            "{\"choices\":[{\"delta\":{\"content\":42}}]}",
            "{\"usage\":{\"prompt_tokens\":1e2,\"completion_tokens\":\"x\",\"total_tokens\":12.0}}",
            "{\"choices\":[{\"delta\":\"not an object\",\"finish_reason\":\"length\"}]}",
            "{\"choices\":{\"delta\":{\"content\":\"not an array\"}}}",
            "{}");

    // What the tree of Gson, which read every chunk before, finds in a payload.
    static StreamChunk byTree(String payload) {
        JsonObject o = JsonParser.parseString(payload).getAsJsonObject();
        String content = null;
        boolean finished = false;
        if (o.has("choices") && o.get("choices").isJsonArray() && !o.getAsJsonArray("choices").isEmpty()) {
            JsonObject choice = o.getAsJsonArray("choices").get(0).getAsJsonObject();
            if (choice.has("delta") && choice.get("delta").isJsonObject()) {
                var c = choice.getAsJsonObject("delta").get("content");
                content = c != null && c.isJsonPrimitive() ? c.getAsString() : null;
            }
            finished = choice.has("finish_reason") && !choice.get("finish_reason").isJsonNull();
        }
        Usage usage = null;
        if (o.has("usage") && o.get("usage").isJsonObject()) {
            JsonObject u = o.getAsJsonObject("usage");
            int in = number(u, "prompt_tokens");
            int out = number(u, "completion_tokens");
            usage = new Usage(in, out, u.has("total_tokens") ? number(u, "total_tokens") : in + out);
        }
        return new StreamChunk(content, finished, usage, false, null, false);
    }

    static int number(JsonObject o, String field) {
        var e = o.get(field);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() ? e.getAsInt() : 0;
    }

    @Test
    void readsWhatAJsonTreeReads() {
        for (String payload : PAYLOADS) {
            assertEquals(byTree(payload), StreamChunk.parse(payload), payload);
        }
        assertEquals("a \"quoted\" \\ word\nnext\tline é😀 /", StreamChunk.parse(PAYLOADS.get(1)).content());
    }

    @Test
    void deepNestingIsRefusedAndHugeNumbersAreClamped() {
        String deep = "{\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + ",\"choices\":[]}";
        assertThrows(IllegalArgumentException.class, () -> StreamChunk.parse(deep));
        StreamChunk huge = StreamChunk.parse("{\"choices\":[],\"usage\":{\"prompt_tokens\":1e999999999,"
                + "\"completion_tokens\":2,\"total_tokens\":3}}");
        assertEquals(Integer.MAX_VALUE, huge.usage().inputTokens());
    }

    @Test
    void readsErrorsAndOddChoices() {
        StreamChunk error = StreamChunk.parse("{\"choices\":[],\"error\":{\"code\":1,\"message\":\"Rate \\u006cimit\"}}");
        assertTrue(error.failed());
        assertEquals("Rate limit", error.errorMessage());
        StreamChunk bare = StreamChunk.parse("{\"error\":{\"type\":\"x\"}}");
        assertTrue(bare.failed());
        assertNull(bare.errorMessage());
        assertFalse(StreamChunk.parse("{\"error\":null}").failed());
        assertTrue(StreamChunk.parse("{\"choices\":[null]}").oddChoice());
        assertTrue(StreamChunk.parse("{\"choices\":[\"text\",{}]}").oddChoice());
    }

    @Test
    void refusesWhatIsNotAJsonObject() {
        for (String bad : List.of("", "[]", "\"text\"", "{\"choices\": [oops", "{\"a\":1} {}", "{\"a\":tru}",
                "{\"a\":\"unterminated}", "{\"a\":\"bad \\x escape\"}", "{\"a\":\"\\u12\"}", "{\"a\":01}",
                "{\"a\":1.}", "{\"a\":-}", "{a:1}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":\"raw\ncontrol\"}",
                "{\"a\":[1,]}", "{\"a\":1e}")) {
            assertThrows(IllegalArgumentException.class, () -> StreamChunk.parse(bad), bad);
        }
    }

    /** A transport that answers every request with the same bytes, cut into pieces of the given size. */
    record Canned(byte[] response, int piece) implements ModelTransport {
        @Override
        public ChatCall post(URI uri, Map<String, String> headers, byte[] body, Response r) {
            r.status(200);
            for (int at = 0; at < response.length; at += piece) {
                r.content(ByteBuffer.wrap(response, at, Math.min(piece, response.length - at)));
            }
            r.complete();
            return () -> { };
        }
    }

    @Test
    void linesReadTheSameWhereverThePiecesBreakAndWhateverEndsThem() throws Exception {
        String events = ": comment\r\n\r\ndata: {\"choices\":[{\"delta\":{\"content\":\"é😀\"}}]}\r\rdata:"
                + "{\"choices\":[{\"delta\":\r\ndata: {\"content\":\" ü\\n\"}}]}\n\nevent: x\nid: 3\n"
                + "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":4,"
                + "\"completion_tokens\":2}}\n\ndata: [DONE]";
        byte[] bytes = events.getBytes(StandardCharsets.UTF_8);
        ChatRequest request = new ChatRequest("ada", "Ada", "m", List.of(new ChatMessage("user", "hi")), null, null,
                Map.of());
        OpenAiSettings settings = new OpenAiSettings(URI.create("http://127.0.0.1:1/v1"), null, true,
                Duration.ofSeconds(5), Duration.ofSeconds(5));
        for (int piece = 1; piece <= bytes.length; piece++) {
            OpenAiChatModelTest.Outcome o = new OpenAiChatModelTest.Outcome();
            new OpenAiChatModel(settings, ModelTimer.perCall("test-watchdog"), new Canned(bytes, piece))
                    .stream(request, o);
            assertEquals(new Usage(4, 2, 6), o.usage(), "pieces of " + piece);
            assertEquals("é😀 ü\n", o.text.toString(), "pieces of " + piece);
        }
    }
}
