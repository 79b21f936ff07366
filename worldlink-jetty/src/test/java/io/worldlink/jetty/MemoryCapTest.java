package io.worldlink.jetty;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.MemoryMessage;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent's memory is capped in characters over all its chats, on a real server set up by the launcher's
 * option, with a real WebSocket client: long messages in several chats never make a memory hold more than
 * the cap, and the oldest messages move to the archive, not lost.
 */
class MemoryCapTest {
    static final int CAP = 4096;

    @TempDir
    Path root;

    WorldLink link;
    WorldLinkServer server;
    WebSocketContainer container;

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        Launcher.Options o = Launcher.parse(new String[] {"--data", root.toString(), "--provider", "scripted",
            "--insecure-trust-user-ids", "--memory-cap-chars", String.valueOf(CAP)}, Map.of());
        link = Launcher.worldLink(o).environment(Map.of()).chatModel("scripted", ScriptedModel.answering(r -> "Noted."))
                .build();
        server = WorldLinkServer.builder(link).port(0).build().start();
        container = ContainerProvider.getWebSocketContainer();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        link.close();
        LifeCycle.stop(container);
    }

    private long memoryChars() {
        return memory().stream().mapToLong(m -> m.content().length()).sum();
    }

    private List<MemoryMessage> memory() {
        return link.world(link.authenticate(null), "ann", "w").agents().get(0).memory();
    }

    @Test
    void longMessagesInSeveralChatsKeepTheMemoryWithinItsCapAndTheOldestGoToTheArchive() throws Exception {
        WsClient c = WsClient.connect(container, server.webSocketUri());
        c.select("fast-world", "w", "ann");
        c.expect("connection-confirmed");
        String last = null;
        for (int chat = 0; chat < 4; chat++) {
            if (chat > 0) {
                c.request("chat-create", payload("name", "chat " + chat));
                c.until(f -> type(f).equals("chat-selected"));
            }
            for (int i = 0; i < 3; i++) {
                last = "chat " + chat + " message " + i + " " + "x".repeat(1000);
                c.request("chat-send", payload("message", last));
                c.untilIdle();
                assertTrue(memoryChars() <= CAP, "the memory holds " + memoryChars() + " characters");
            }
        }
        List<MemoryMessage> memory = memory();
        assertEquals(List.of(last, "Noted."), memory.subList(memory.size() - 2, memory.size()).stream()
                .map(MemoryMessage::content).toList(), "the newest messages stay");

        // Closing writes the snapshot: the memory, and the archive of what left it.
        c.close();
        server.close();
        link.close();
        Path archive = root.resolve("users/ann/worlds/w/agents/quick/archive");
        String archived;
        try (Stream<Path> files = Files.list(archive)) {
            archived = files.map(f -> {
                try {
                    return Files.readString(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).collect(Collectors.joining());
        }
        assertTrue(archived.contains("chat 0 message 0 "), "the oldest message is archived, not lost");
    }
}
