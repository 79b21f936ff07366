package io.worldlink.internal.world;

import static io.worldlink.internal.world.WorldHarness.get;
import static io.worldlink.internal.world.WorldHarness.replies;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.Chat;
import io.worldlink.MemoryMessage;
import io.worldlink.event.SseEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.model.FakeOpenAiServer;
import io.worldlink.model.ChatModel;
import io.worldlink.model.OpenAiSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A world whose agent talks to a real local HTTP model server: every failure ends the turn and leaves the world usable. */
class WorldWithHttpModelTest {
    @TempDir
    Path root;

    FakeOpenAiServer server;
    WorldHarness h;

    @BeforeEach
    void start() throws Exception {
        server = new FakeOpenAiServer();
    }

    @AfterEach
    void stop() {
        if (h != null) {
            h.close();
        }
        server.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"500", "401", "cut", "stall", "malformed", "nofinish"})
    void aFailingModelEndsTheReplyWithAnErrorThenTheWorldAnswersAgain(String behaviour) {
        server.behave(behaviour);
        ChatModel http = ChatModel.openAiCompatible(new OpenAiSettings(server.base("switchable"), "sk-x", true,
                Duration.ofSeconds(5), Duration.ofMillis(300)));
        h = new WorldHarness(root, 5, 10, 200, List.of(WorldHarness.agent("ada", true)), http);

        List<WorldEvent> failed = h.turn(h.world.chat(Chat.FIRST_ID, null, "first", null));

        assertEquals(List.of(), replies(failed));
        assertTrue(failed.stream().anyMatch(e -> e instanceof SseEvent s && s.phase() == SseEvent.Phase.ERROR
                && s.error().startsWith("The ")), behaviour);

        server.behave("normal");
        List<WorldEvent> ok = h.turn(h.world.chat(Chat.FIRST_ID, null, "second", null));

        assertEquals(List.of("ada"), replies(ok));
        assertEquals("Hello world", WorldHarness.messages(ok).get(1).content());
        get(h.world.close());
        assertEquals(List.of("first", "second", "Hello world"), h.storage.loadWorld(h.key).agent("ada").orElseThrow()
                .memory().stream().map(MemoryMessage::content).toList(), "nothing remembered was lost");
    }
}
