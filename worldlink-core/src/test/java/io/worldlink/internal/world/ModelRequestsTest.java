package io.worldlink.internal.world;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.worldlink.AgentSnapshot;
import io.worldlink.MemoryMessage;
import io.worldlink.UserId;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldSnapshot;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.SenderType;
import io.worldlink.model.ChatMessage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The memory window a model is sent: the chat's last messages before the one answered, whatever follows it. */
class ModelRequestsTest {
    static final Instant T = Instant.parse("2026-11-23T00:00:00Z");

    static MemoryMessage heard(String id, String chat, String content) {
        return MemoryMessage.of(MemoryMessage.USER, content, "HUMAN", id, null, T, chat);
    }

    @Test
    void theWindowIsTheChatsLastMessagesBeforeTheAnsweredOneAndSkipsOtherChats() {
        WorldState world = new WorldState();
        world.install(new WorldSnapshot(new WorldConfig("w", "W", "", 5, false, Map.of(), Map.of()),
                List.of(new AgentSnapshot(WorldHarness.agent("ada", true), "", List.of(
                        heard("m1", "a", "a one"), heard("x1", "b", "b one"), heard("m2", "a", "a two"),
                        heard("x2", "b", "b two"), heard("m3", "a", "a three"), heard("m4", "a", "answered"),
                        heard("m5", "a", "said after it"))))));
        AgentState ada = world.agents.get("ada");
        MessageEvent answered = new MessageEvent("m4", T, "HUMAN", SenderType.HUMAN, 4, "answered", null, false, false,
                false, "a");

        List<String> sent = new ModelRequests(2, new TemplateAgents(new WorldKey(UserId.of("ann"), "w"), null, null,
                world)).of(ada, answered).messages().stream().map(ChatMessage::content).toList();

        assertEquals(List.of("a two", "a three", "answered"), sent);
    }
}
