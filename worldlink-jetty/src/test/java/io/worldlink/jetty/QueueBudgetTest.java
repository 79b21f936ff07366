package io.worldlink.jetty;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.model.ChatListener;
import io.worldlink.model.Usage;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server-wide budget of characters waiting for clients, on a real server: clients that stop reading
 * are closed before together they hold more than the budget, while a client that reads, in the same
 * world, gets every frame.
 */
class QueueBudgetTest {
    static final int BUDGET = 1024 * 1024;
    static final int BEHIND_CHARS = 8 * 1024;
    static final int CHUNK_CHARS = 4_000;
    static final int CHUNKS_A_TURN = 50;

    @TempDir
    Path root;

    final ScriptedModel model = ScriptedModel.held();
    WorldLink link;
    WorldLinkServer server;
    WebSocketContainer container;
    final List<AutoCloseable> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        // The budget as the launcher sets it; the cap of one connection far above it, so that only the budget
        // can close these clients.
        Launcher.Options o = Launcher.parse(new String[] {"--data", root.toString(), "--provider", "scripted",
            "--max-total-queued-chars", String.valueOf(BUDGET)}, Map.of());
        link = Launcher.worldLink(o).environment(Map.of()).chatModel("scripted", model)
                .maxQueuedChars(64L * 1024 * 1024).build();
        // The clients that do not read answer no ping either: they must be closed for the budget, not for that.
        server = WorldLinkServer.builder(link).port(0).pingInterval(Duration.ofMinutes(1))
                .pongTimeout(Duration.ofMinutes(5)).build().start();
        container = ContainerProvider.getWebSocketContainer();
        // A turn's complete reply is one frame of 200,000 characters.
        container.setDefaultMaxTextMessageBufferSize(1024 * 1024);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        server.close();
        link.close();
        LifeCycle.stop(container);
    }

    @Test
    void clientsThatDoNotReadAreClosedWithinTheBudgetAndOneThatReadsGetsEverything() throws Exception {
        String user = UUID.randomUUID().toString();
        WsClient reader = WsClient.connect(container, server.webSocketUri());
        clients.add(reader);
        reader.select("fast-world", "w", user);
        reader.expect("connection-confirmed");
        List<RawHttp> stuck = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // A receive window as small as the system allows: the server's writes stall once the kernel's
            // buffers are full (a few MiB on loopback), then frames wait in the server.
            RawHttp c = RawHttp.connectWithTinyWindow(server.port());
            clients.add(c);
            assertEquals(101, c.upgrade("/ws", null).status());
            c.sendText("{\"type\":\"world-select\",\"payload\":{\"templateName\":\"fast-world\",\"worldName\":\"w\","
                    + "\"userId\":\"" + user + "\"}}");
            assertEquals("connection-confirmed", type(MetricsTest.nextMessage(c)));
            stuck.add(c);
        }
        long bound = BUDGET + 4L * BEHIND_CHARS;
        long most = 0;

        // Turns of replies streamed a chunk at a time, each chunk once the reader has the one before, until
        // only the reader is left.
        int turns = 0;
        while (link.stats().connections() > 1) {
            assertTrue(turns < 100, "the clients that do not read are closed within 100 turns (20 M characters)");
            reader.request("chat-send", payload("message", "turn " + turns));
            ChatListener reply = model.nextCall();
            StringBuilder sent = new StringBuilder();
            StringBuilder received = new StringBuilder();
            for (int i = 0; i < CHUNKS_A_TURN; i++) {
                String chunk = String.format("%d.%d ", turns, i) + "x".repeat(CHUNK_CHARS);
                sent.append(chunk);
                reply.onChunk(chunk);
                while (received.length() < sent.length()) {
                    JsonObject f = reader.next();
                    if (type(f).equals("chat-response")) {
                        received.append(payloadOf(f).get("content").getAsString());
                    }
                }
                long total = link.stats().queuedCharacters();
                most = Math.max(most, total);
                // Past the bound by no more than the chunk being queued to another client at this moment.
                assertTrue(total <= bound + CHUNK_CHARS + 200, total + " characters wait, more than the budget and "
                        + "8 Ki a connection (" + bound + ")");
            }
            assertEquals(sent.toString(), received.toString(), "the reader gets every chunk, in order");
            reply.onComplete(Usage.NONE);
            List<JsonObject> rest = reader.until(f -> type(f).equals("chat-response")
                    && payloadOf(f).get("isComplete").getAsBoolean());
            JsonObject complete = rest.get(rest.size() - 1);
            assertEquals(sent.toString().strip(), payloadOf(complete).get("content").getAsString().strip());
            reader.untilIdle();
            turns++;
        }
        assertTrue(turns > 1, "the budget was not passed in the first turn: the kernel buffers take a few MiB");

        for (RawHttp c : stuck) {
            RawHttp.Frame close = closeFrame(c);
            assertEquals(1013, close.closeCode());
            assertTrue(close.text().contains("more than " + BUDGET + " characters for its clients, and this one is "
                    + "behind"), close.text());
        }
        assertFalse(reader.closed.isDone());
        reader.request("chat-send", payload("message", "after"));
        ChatListener reply = model.nextCall();
        reply.onChunk("still here");
        reply.onComplete(Usage.NONE);
        assertTrue(reader.untilIdle().stream().anyMatch(f -> type(f).equals("chat-response")
                && payloadOf(f).get("content").getAsString().equals("still here")));
        assertTrue(most > BUDGET / 2, "frames waited for the clients that do not read: at most " + most);

        reader.close();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (link.stats().connections() > 0 || link.stats().queuedCharacters() != 0) {
            assertTrue(System.nanoTime() < deadline, "every connection gave back what it held: " + link.stats());
            Thread.onSpinWait();
        }
    }

    // The close frame, past every frame the server wrote before it.
    static RawHttp.Frame closeFrame(RawHttp c) throws Exception {
        while (true) {
            RawHttp.Frame f = c.readFrame();
            if (f.opcode() == 8) {
                return f;
            }
        }
    }
}
