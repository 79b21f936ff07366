package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL.md "Stopping a turn", frame by frame. */
class ChatStopTest {
    @TempDir
    Path root;

    WorldLink link;

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ofMillis(30))
                .trustClaimedUserIds(true).build();
    }

    @AfterEach
    void tearDown() {
        link.close();
    }

    @Test
    void stopEndsEveryStreamingReplyWithItsTextSoFarAndTheTurnWithIdle() throws Exception {
        TestClient c = new TestClient(link);
        TestClient other = new TestClient(link);
        for (TestClient t : List.of(c, other)) {
            t.request("world-select", payload("templateName", "default-world", "worldName", "w", "userId", "ann"));
            t.expect("connection-confirmed");
        }
        c.request("chat-send", payload("message", "Tell me a long story"));
        List<JsonObject> before = c.until(f -> type(f).equals("chat-response"));
        String stopId = other.request("chat-stop", new JsonObject());

        List<JsonObject> rest = c.untilIdle();
        Map<String, StringBuilder> streamed = new HashMap<>();
        Map<String, JsonObject> ends = new HashMap<>();
        for (JsonObject f : concat(before, rest)) {
            if (type(f).equals("chat-response")) {
                JsonObject p = payloadOf(f);
                String agent = p.get("agentName").getAsString();
                if (p.get("isComplete").getAsBoolean()) {
                    ends.put(agent, p);
                } else {
                    assertFalse(ends.containsKey(agent), "no chunk after a reply's end");
                    streamed.computeIfAbsent(agent, a -> new StringBuilder()).append(p.get("content").getAsString());
                }
            }
        }
        assertEquals(2, ends.size(), "both streaming replies end");
        for (Map.Entry<String, JsonObject> e : ends.entrySet()) {
            assertTrue(e.getValue().get("stopped").getAsBoolean(), e.getKey());
            assertEquals(streamed.getOrDefault(e.getKey(), new StringBuilder()).toString(),
                    e.getValue().get("content").getAsString(), "the text so far is what was streamed");
        }
        List<JsonObject> stoppedMessages = rest.stream().filter(f -> type(f).equals("event-stream"))
                .map(f -> payloadOf(f).getAsJsonObject("event"))
                .filter(e -> e.get("senderType").getAsString().equals("agent")).toList();
        assertFalse(stoppedMessages.isEmpty(), "a stopped reply with text is logged");
        stoppedMessages.forEach(m -> assertTrue(m.getAsJsonObject("payload").get("stopped").getAsBoolean()));
        assertNull(c.frames.poll(300, TimeUnit.MILLISECONDS), "nothing more streams after the turn's idle");

        List<JsonObject> seen = other.until(f -> f.has("replyTo") && f.get("replyTo").getAsString().equals(stopId));
        JsonObject answered = seen.get(seen.size() - 1);
        assertEquals("chat-response", type(answered), "the stopper's request is answered by the first stopped reply");

        link.close();
        // The agent that had streamed something remembers its stopped reply, marked so.
        String memories = Files.readString(root.resolve("users/ann/worlds/w/agents/ada/memory.json"))
                + Files.readString(root.resolve("users/ann/worlds/w/agents/ben/memory.json"));
        assertTrue(memories.contains("\"stopped\": true"), memories);
    }

    @Test
    void stopWithNothingRunningSaysSo() {
        TestClient c = new TestClient(link);
        c.request("world-select", payload("templateName", "fast-world", "worldName", "w", "userId", "ann"));
        c.expect("connection-confirmed");
        String id = c.request("chat-stop", new JsonObject());
        JsonObject answer = c.expect("system-message");
        assertEquals(id, answer.get("replyTo").getAsString());
        assertEquals("info", payloadOf(answer).get("level").getAsString());
    }

    private static List<JsonObject> concat(List<JsonObject> a, List<JsonObject> b) {
        List<JsonObject> all = new java.util.ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    @Test
    void aStopThatComesWhileTheModelCallIsBeingMadeCancelsTheCall() throws Exception {
        java.util.concurrent.CountDownLatch calling = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Boolean> cancelled = new java.util.concurrent.CompletableFuture<>();
        io.worldlink.model.ChatModel slowToStart = (request, listener) -> {
            calling.countDown();
            try {
                stopped.await(10, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return () -> cancelled.complete(true);
        };
        link.close();
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).chatModel("slow", slowToStart)
                .defaultProvider("slow").trustClaimedUserIds(true).build();
        TestClient c = new TestClient(link);
        c.request("world-select", payload("templateName", "fast-world", "worldName", "w", "userId", "ann"));
        c.expect("connection-confirmed");
        c.request("chat-send", payload("message", "hello"));
        assertTrue(calling.await(10, java.util.concurrent.TimeUnit.SECONDS), "the model call is being made");

        c.request("chat-stop", new JsonObject());
        c.untilIdle();
        stopped.countDown();

        assertTrue(cancelled.get(10, java.util.concurrent.TimeUnit.SECONDS), "the call made after the stop is cancelled");
    }
}
