package io.worldlink.jetty;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.isIdle;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A world's event log is limited in size, on a real server set up by the launcher's option, with a real
 * WebSocket client: once the log is full, what a client would add is refused with QUOTA_EXCEEDED and a
 * message that says what to do, nothing is written, the turn that filled it still ends with its idle
 * logged, and deleting the world and selecting it again with its template starts afresh.
 */
class LogLimitTest {
    static final long LIMIT = 1024 * 1024;
    static final String FULL = "The world's history is full: its event log holds ";

    @TempDir
    Path root;

    WorldLink link;
    WorldLinkServer server;
    WebSocketContainer container;
    WsClient c;

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        Launcher.Options o = Launcher.parse(new String[] {"--data", root.toString(), "--provider", "scripted",
            "--insecure-trust-user-ids", "--rate-limit", "1000", "--max-log-mib", "1"}, Map.of());
        link = Launcher.worldLink(o).environment(Map.of()).chatModel("scripted", ScriptedModel.answering(r -> "Noted."))
                .build();
        server = WorldLinkServer.builder(link).port(0).build().start();
        container = ContainerProvider.getWebSocketContainer();
        // The export of a full world is one frame of more than 1 MiB.
        container.setDefaultMaxTextMessageBufferSize(4 * 1024 * 1024);
        c = WsClient.connect(container, server.webSocketUri());
        c.select("fast-world", "w", "ann");
        c.expect("connection-confirmed");
    }

    @AfterEach
    void stop() throws Exception {
        c.close();
        server.close();
        link.close();
        LifeCycle.stop(container);
    }

    private Path log() {
        return root.resolve("users/ann/worlds/w/events.jsonl");
    }

    // The frames a request brought: up to its turn's idle, or its error.
    private List<JsonObject> send(String type, JsonObject p) {
        String id = c.request(type, p);
        return c.until(f -> isIdle(f) || (type(f).equals("system-message") && f.has("replyTo")
                && f.get("replyTo").getAsString().equals(id) && payloadOf(f).has("code")));
    }

    private static JsonObject refusal(List<JsonObject> frames) {
        JsonObject last = frames.get(frames.size() - 1);
        assertEquals("system-message", type(last), "refused: " + frames);
        assertEquals("QUOTA_EXCEEDED", code(last));
        return payloadOf(last);
    }

    private String lastLine() throws Exception {
        List<String> lines = Files.readAllLines(log());
        return lines.get(lines.size() - 1);
    }

    @Test
    void aFullLogRefusesWhatAClientWouldAddAndTheTurnThatFilledItEnds() throws Exception {
        String message = "x".repeat(60_000);
        int turns = 0;
        List<JsonObject> frames;
        while (true) {
            long before = Files.exists(log()) ? Files.size(log()) : 0;
            frames = send("chat-send", payload("message", message));
            if (!isIdle(frames.get(frames.size() - 1))) {
                assertTrue(before >= LIMIT, "refused only once the log is full: " + before + " bytes");
                assertEquals(before, Files.size(log()), "nothing of the refused message was written");
                break;
            }
            turns++;
            // Each turn's idle is logged, the one that took the log past the limit too.
            JsonObject idle = JsonParser.parseString(lastLine()).getAsJsonObject();
            assertEquals("idle", idle.getAsJsonObject("payload").get("action").getAsString(), lastLine());
            assertTrue(before < LIMIT, "a message is taken while the log has room");
        }
        assertTrue(turns >= LIMIT / 60_000 && turns <= LIMIT / 60_000 + 1, turns + " turns");
        String why = refusal(frames).get("content").getAsString();
        assertTrue(why.startsWith(FULL + Files.size(log()) + " bytes, and a world's log may hold " + LIMIT
                + ". Nothing was changed. Export the world to keep its conversation, then delete it and select it "
                + "again with its template to start afresh, or go on in another world."), why);

        long full = Files.size(log());
        Map<String, JsonObject> changes = Map.of(
                "chat-create", payload("name", "another"),
                "world-update", payload("description", "more"),
                "agent-create", payload("agentName", "Extra"),
                "agent-update", payload("agentName", "quick", "updates", payload("status", "inactive")),
                "chat-delete", payload("chatId", "chat-1"));
        changes.forEach((type, p) -> assertTrue(refusal(send(type, p)).get("content").getAsString().startsWith(FULL),
                type));
        assertEquals(full, Files.size(log()), "nothing refused was written");

        // Reading still works: the export has the conversation.
        c.request("world-export", payload());
        List<JsonObject> exported = c.until(f -> type(f).equals("world-exported"));
        assertTrue(payloadOf(exported.get(exported.size() - 1)).get("markdown").getAsString().contains("Noted."));

        // What the message says to do.
        c.request("world-delete", payload());
        c.until(f -> type(f).equals("world-deleted"));
        c.select("fast-world", "w", "ann");
        c.expect("connection-confirmed");
        List<JsonObject> afresh = send("chat-send", payload("message", "afresh"));
        assertTrue(isIdle(afresh.get(afresh.size() - 1)), "the world started afresh takes messages: " + afresh);
    }
}
