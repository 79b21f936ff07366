package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The offline model follows the hand-overs its prompts ask for, so the shipped Debate Club debates. */
class DebateClubTest {
    @TempDir
    Path root;

    @Test
    void theModeratorHandsTheFloorToProAndConTwiceEachThenClosesWithinTheTurnLimit() {
        TestData.withShippedTemplates(root);
        try (WorldLink link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .anonymousGracePeriod(Duration.ZERO).build()) {
            for (int round = 0; round < 2; round++) {
                TestClient c = new TestClient(link);
                c.request("world-select", payload("templateName", "extended-world", "worldName", "debate",
                        "userId", UUID.randomUUID().toString()));
                c.expect("connection-confirmed");
                c.request("chat-send", payload("message", "@moderator Remote work is better than office work"));
                List<String> speakers = c.untilIdle().stream().filter(f -> type(f).equals("event-stream"))
                        .map(f -> payloadOf(f).getAsJsonObject("event"))
                        .filter(e -> e.get("type").getAsString().equals("message"))
                        .map(e -> e.get("sender").getAsString()).toList();
                assertEquals(List.of("HUMAN", "moderator", "pro", "moderator", "con", "moderator", "pro", "moderator",
                        "con", "moderator"), speakers, "the same debate every time: deterministic");
            }
        }
    }
}
