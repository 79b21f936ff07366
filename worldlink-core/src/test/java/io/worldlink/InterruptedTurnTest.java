package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.SenderType;
import io.worldlink.internal.EventJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What loading a world does with a turn whose end its log lacks, as a crash leaves it. */
class InterruptedTurnTest {
    @TempDir
    Path root;

    @BeforeEach
    void aWorldWhoseLogEndsInTheMiddleOfATurn() throws Exception {
        TestData.withShippedTemplates(root);
        try (WorldLink link = link(b -> { })) {
            link.createWorld(Identity.of("ann"), "ann", "w", "default-world", null).get(5, TimeUnit.SECONDS);
        }
        String line = EventJson.toJson(new MessageEvent("m-1", Instant.now().minusSeconds(90), "HUMAN",
                SenderType.HUMAN, 1, "Are you there?", null, false)).toString();
        Files.writeString(root.resolve("users/ann/worlds/w/events.jsonl"), line + "\n", StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
    }

    WorldLink link(Consumer<WorldLink.Builder> custom) {
        WorldLink.Builder b = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .trustClaimedUserIds(true);
        custom.accept(b);
        return b.build();
    }

    List<JsonObject> rejoin(WorldLink link) {
        TestClient c = new TestClient(link);
        c.request("world-select", payload("worldName", "w", "userId", "ann", "lastSeq", 0));
        c.expect("connection-confirmed");
        return c.untilIdle();
    }

    static List<String> agentReplies(List<JsonObject> frames) {
        return frames.stream().filter(f -> type(f).equals("event-stream"))
                .map(f -> payloadOf(f).getAsJsonObject("event"))
                .filter(e -> e.get("senderType").getAsString().equals("agent"))
                .map(e -> e.get("sender").getAsString()).sorted().toList();
    }

    static boolean warnedOfTheRestart(List<JsonObject> frames) {
        return frames.stream().anyMatch(f -> type(f).equals("system-message")
                && payloadOf(f).get("level").getAsString().equals("warning")
                && payloadOf(f).get("content").getAsString().contains("restarted while a turn was under way"));
    }

    @Test
    void byDefaultTheTurnIsTakenUpAndEveryAgentItTriggeredAnswers() {
        try (WorldLink link = link(b -> { })) {
            List<JsonObject> frames = rejoin(link);
            assertEquals(List.of("ada", "ben"), agentReplies(frames));
            assertTrue(!warnedOfTheRestart(frames));
        }
    }

    @Test
    void whenTakingUpIsOffTheTurnEndsWithANoticeAndIdle() {
        try (WorldLink link = link(b -> b.interruptedTurns(false, Duration.ofMinutes(10)))) {
            List<JsonObject> frames = rejoin(link);
            assertEquals(List.of(), agentReplies(frames));
            assertTrue(warnedOfTheRestart(frames), frames.toString());
        }
    }

    @Test
    void aTurnOlderThanTheSettingAllowsIsEndedNotTakenUp() {
        try (WorldLink link = link(b -> b.interruptedTurns(true, Duration.ofMinutes(1)))) {
            List<JsonObject> frames = rejoin(link);
            assertEquals(List.of(), agentReplies(frames));
            assertTrue(warnedOfTheRestart(frames), frames.toString());
        }
        try (WorldLink link = link(b -> { })) {
            assertEquals(List.of(), agentReplies(rejoin(link)), "an ended turn is not taken up at the next load");
        }
    }
}
