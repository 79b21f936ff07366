package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PROTOCOL.md, "Streaming under load": the chunks of one reply that are still queued for a client leave
 * merged into one frame; they add up to the reply, keep their order, and never merge across replies or
 * past another frame.
 */
class MergedChunksTest {
    @TempDir
    Path root;

    WorldLink link;

    /** A client whose sends, once it is told to hold them, finish only when the test releases them. */
    static final class SlowClient extends FrameQueue implements Transport {
        final Connection connection;
        final BlockingQueue<Consumer<Throwable>> held = new LinkedBlockingQueue<>();
        volatile boolean holding;

        SlowClient(WorldLink link) {
            connection = link.connect(this, Identity.ANONYMOUS);
        }

        @Override
        public void sendText(String frame) {
            connection.receive(frame);
        }

        @Override
        public void send(String text, Consumer<Throwable> done) {
            frames.add(JsonParser.parseString(text).getAsJsonObject());
            if (holding) {
                held.add(done);
            } else {
                done.accept(null);
            }
        }

        void release() {
            holding = false;
            for (Consumer<Throwable> done = held.poll(); done != null; done = held.poll()) {
                done.accept(null);
            }
        }

        @Override
        public void close(int code, String reason) {
            // The test closes nothing.
        }
    }

    @BeforeEach
    void start() {
        TestData.withShippedTemplates(root);
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .anonymousGracePeriod(Duration.ZERO).build();
    }

    @AfterEach
    void stop() {
        link.close();
    }

    static boolean isChunk(JsonObject f) {
        return type(f).equals("chat-response") && !payloadOf(f).get("isComplete").getAsBoolean();
    }

    static boolean isSseStream(JsonObject f) {
        return type(f).equals("event-stream") && payloadOf(f).get("eventType").getAsString().equals("sse");
    }

    static boolean isSseChunk(JsonObject f) {
        return isSseStream(f) && payloadOf(f).getAsJsonObject("event").getAsJsonObject("payload").get("type")
                .getAsString().equals("chunk");
    }

    // The chunks' contents joined by reply, in the order they came.
    static Map<String, String> joinedByReply(List<JsonObject> frames) {
        Map<String, String> joined = new LinkedHashMap<>();
        for (JsonObject f : frames) {
            if (isChunk(f)) {
                joined.merge(payloadOf(f).get("messageId").getAsString(), payloadOf(f).get("content").getAsString(),
                        String::concat);
            }
        }
        return joined;
    }

    static Map<String, String> completeByReply(List<JsonObject> frames) {
        Map<String, String> complete = new LinkedHashMap<>();
        for (JsonObject f : frames) {
            if (type(f).equals("chat-response") && payloadOf(f).get("isComplete").getAsBoolean()) {
                complete.put(payloadOf(f).get("messageId").getAsString(), payloadOf(f).get("content").getAsString());
            }
        }
        return complete;
    }

    static String signature(JsonObject f) {
        JsonObject p = payloadOf(f);
        if (type(f).equals("event-stream")) {
            return "event-stream:" + p.get("eventType").getAsString();
        }
        if (type(f).equals("chat-response")) {
            return "chat-response:" + (p.get("isComplete").getAsBoolean() ? "complete:" : "chunk:")
                    + p.get("messageId").getAsString();
        }
        return type(f);
    }

    /** Runs a turn with a reading client that sees the sse stream too and a client that reads late. */
    record Turn(List<JsonObject> reading, List<JsonObject> late) {}

    Turn turn(String message) {
        String user = UUID.randomUUID().toString();
        TestClient reading = new TestClient(link);
        reading.select("default-world", "w", user);
        reading.expect("connection-confirmed");
        JsonObject sub = new JsonObject();
        JsonArray types = new JsonArray();
        List.of("message", "world", "system", "sse").forEach(types::add);
        sub.add("eventTypes", types);
        reading.request("event-subscribe", sub);
        reading.expect("system-message");
        SlowClient late = new SlowClient(link);
        late.select("default-world", "w", user);
        late.expect("connection-confirmed");

        late.holding = true;
        reading.request("chat-send", payload("message", message));
        List<JsonObject> seen = reading.untilIdle();
        late.release();
        return new Turn(seen, late.untilIdle());
    }

    @Test
    void aReplysQueuedChunksLeaveAsOneFrameThatAddsUpToTheReply() {
        Turn t = turn("@Ada hello");

        Map<String, String> complete = completeByReply(t.reading());
        assertEquals(1, complete.size(), t.reading().toString());
        long chunks = t.reading().stream().filter(MergedChunksTest::isChunk).count();
        assertTrue(chunks > 1, "the model streamed several chunks: " + chunks);
        assertEquals(chunks, t.reading().stream().filter(MergedChunksTest::isSseChunk).count(),
                "a client that sees the sse stream gets each chunk on its own: a chunk never merges past another frame");
        assertEquals(complete, joinedByReply(t.reading()));

        assertEquals(1, t.late().stream().filter(MergedChunksTest::isChunk).count(),
                "the chunks queued for the late client left as one frame: " + t.late());
        assertEquals(complete, joinedByReply(t.late()), "the merged chunk is the whole reply");
        assertEquals(complete, completeByReply(t.late()));
    }

    @Test
    void chunksOfTwoRepliesNeverMergeAndEveryOtherFrameKeepsItsPlace() {
        Turn t = turn("hello both");

        Map<String, String> complete = completeByReply(t.reading());
        assertEquals(2, complete.size(), "both agents answered: " + t.reading());
        assertEquals(complete, joinedByReply(t.late()), "each reply's chunks add up to it, in order");
        assertTrue(t.late().stream().filter(MergedChunksTest::isChunk).count()
                < t.reading().stream().filter(MergedChunksTest::isChunk).count(), "some chunks were merged");

        List<String> others = new ArrayList<>();
        for (JsonObject f : t.reading()) {
            if (!isChunk(f) && !isSseStream(f)) {
                others.add(signature(f));
            }
        }
        List<String> lateOthers = new ArrayList<>();
        for (int i = 0; i < t.late().size(); i++) {
            JsonObject f = t.late().get(i);
            assertFalse(isSseStream(f));
            if (!isChunk(f)) {
                lateOthers.add(signature(f));
                continue;
            }
            String end = "chat-response:complete:" + payloadOf(f).get("messageId").getAsString();
            List<String> after = t.late().subList(i + 1, t.late().size()).stream().map(MergedChunksTest::signature)
                    .toList();
            assertTrue(after.contains(end), "a chunk comes before its reply's end");
        }
        assertEquals(others, lateOthers, "the other frames, in the same order");
    }
}
