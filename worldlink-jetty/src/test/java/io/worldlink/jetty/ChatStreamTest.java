package io.worldlink.jetty;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.FrameQueue;
import io.worldlink.TestData;
import io.worldlink.WatchedStorage;
import io.worldlink.WorldLink;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.Usage;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST chat stream writes without holding Jetty's threads: clients that stop reading cost no thread,
 * a client that leaves is noticed even while the turn is silent, and no stream outlives its timeout.
 */
class ChatStreamTest {
    // Several times what the kernel buffers for one loopback connection (about 2 MB), so that a
    // client that does not read really stalls the server's writes.
    static final String CHUNK = "x".repeat(64 * 1024);
    static final int CHUNKS = 40;

    @TempDir
    Path root;

    WatchedStorage storage;
    WorldLink link;
    WorldLinkServer server;
    WebSocketContainer container;
    final HttpClient http = HttpClient.newHttpClient();
    final List<RawHttp> raw = new ArrayList<>();
    volatile CountDownLatch floods = new CountDownLatch(0);

    // "stall": never answers. "flood": streams CHUNKS chunks, then stalls, or ends when asked "flood and end".
    // Anything else: "ok".
    final ChatModel model = (ChatRequest request, io.worldlink.model.ChatListener listener) -> {
        String said = request.messages().get(request.messages().size() - 1).content();
        if (said.contains("stall")) {
            return () -> { };
        }
        if (said.contains("flood")) {
            for (int i = 0; i < CHUNKS; i++) {
                listener.onChunk(CHUNK);
            }
            if (said.contains("end")) {
                listener.onComplete(Usage.NONE);
            }
            floods.countDown();
            return () -> { };
        }
        listener.onChunk("ok");
        listener.onComplete(Usage.NONE);
        return () -> { };
    };

    @BeforeEach
    void data() {
        TestData.withShippedTemplates(root);
        storage = new WatchedStorage(root);
        // A queue cap above a whole flood: these clients are slow, not to be closed as not reading.
        // A stalled turn outlives the client that left it (it finishes and is saved) until the reply timeout
        // ends it: short here, so that the world closes and the user's folder goes soon after.
        link = WorldLink.builder().dataRoot(root).storage(storage).environment(Map.of()).chatModel("test", model)
                .defaultProvider("test").anonymousGracePeriod(Duration.ZERO).maxQueuedChars(16L * CHUNKS * CHUNK.length())
                .replyTimeout(Duration.ofSeconds(3)).build();
        container = ContainerProvider.getWebSocketContainer();
    }

    @AfterEach
    void stop() throws Exception {
        for (RawHttp r : raw) {
            r.close();
        }
        if (server != null) {
            server.close();
        }
        link.close();
        LifeCycle.stop(container);
    }

    static String chatRequest(String user, String message, String version) {
        String body = "{\"message\":\"" + message + "\",\"templateName\":\"fast-world\"}";
        return "POST /api/users/" + user + "/worlds/w/chat " + version + "\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    @Test
    void clientsThatStopReadingHoldNoThreadSoAWebSocketClientStillChats() throws Exception {
        int threads = 16;
        int stalled = 2 * threads;
        server = WorldLinkServer.builder(link).port(0).threads(threads).build().start();
        floods = new CountDownLatch(stalled);
        for (int i = 0; i < stalled; i++) {
            RawHttp client = RawHttp.connectWithTinyWindow(server.port());
            raw.add(client);
            client.send(chatRequest(UUID.randomUUID().toString(), "flood", "HTTP/1.1"));
        }
        assertTrue(floods.await(FrameQueue.WAIT_SECONDS, TimeUnit.SECONDS), "every stream got its flood");

        try (WsClient ws = WsClient.connect(container, server.webSocketUri())) {
            ws.select("fast-world", "w", UUID.randomUUID().toString());
            ws.expect("connection-confirmed");
            ws.request("chat-send", payload("message", "hello"));
            List<JsonObject> turn = ws.untilIdle();
            assertTrue(turn.stream().anyMatch(f -> type(f).equals("chat-response")
                    && payloadOf(f).get("content").getAsString().equals("ok")), turn.toString());
        }
    }

    @Test
    void aReplyLargerThanTheSocketBuffersArrivesWhole() throws Exception {
        server = WorldLinkServer.builder(link).port(0).build().start();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/users/"
                        + UUID.randomUUID() + "/worlds/w/chat"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"flood and end\",\"templateName\":\"fast-world\"}"))
                .build();

        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());

        List<JsonObject> frames = r.body().lines().filter(l -> l.startsWith("data: "))
                .map(l -> JsonParser.parseString(l.substring(6)).getAsJsonObject()).toList();
        String streamed = frames.stream().filter(f -> type(f).equals("chat-response")
                        && !payloadOf(f).get("isComplete").getAsBoolean())
                .map(f -> payloadOf(f).get("content").getAsString()).collect(Collectors.joining());
        assertEquals(CHUNK.length() * CHUNKS, streamed.length());
        assertTrue(FrameQueue.isIdle(frames.get(frames.size() - 1)), "the stream ends at the turn's idle, not: "
                + frames.get(frames.size() - 1));
    }

    @Test
    void aClientThatLeavesDuringASilentTurnIsNoticedAndItsConnectionReleased() throws Exception {
        // Keep-alives go out at half the idle timeout: here every half second.
        server = WorldLinkServer.builder(link).port(0).idleTimeout(Duration.ofSeconds(1)).build().start();
        String user = UUID.randomUUID().toString();
        try (RawHttp client = RawHttp.connect(server.port())) {
            client.send(chatRequest(user, "stall", "HTTP/1.0"));
            // The last frame before the turn goes silent: the chat message itself.
            while (!client.readLine().equals("event: event-stream")) {
                // Skips the status line, the headers and the greeting.
            }
            assertTrue(client.readLine().contains("\"content\":\"stall\""));
            assertEquals(1, link.stats().connections());
        }

        assertEquals(user, storage.awaitDeleted().value(), "the connection was released, and the user with it");
        assertEquals(0, link.stats().connections());
    }

    @Test
    void aStreamEndsAtItsTimeoutWithAnErrorEventAndKeepsAliveUntilThen() throws Exception {
        server = WorldLinkServer.builder(link).port(0).idleTimeout(Duration.ofSeconds(1))
                .streamTimeout(Duration.ofSeconds(2)).build().start();
        String user = UUID.randomUUID().toString();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/users/"
                        + user + "/worlds/w/chat"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"stall\",\"templateName\":\"fast-world\"}"))
                .build();

        List<String> lines = http.send(request, HttpResponse.BodyHandlers.ofLines()).body().toList();

        assertTrue(lines.contains(": keep-alive"), "the silent turn was kept alive: " + lines);
        assertEquals("event: system-message", lines.get(lines.size() - 3), lines.toString());
        JsonObject last = JsonParser.parseString(lines.get(lines.size() - 2).substring(6)).getAsJsonObject();
        assertEquals("error", payloadOf(last).get("level").getAsString());
        assertEquals("QUOTA_EXCEEDED", payloadOf(last).get("code").getAsString());
        assertEquals("This chat stream was open for 2 s, the longest this server allows, so it ends here. The turn "
                + "goes on in the world: its replies will be in the world's history.",
                payloadOf(last).get("content").getAsString());
        assertEquals(user, storage.awaitDeleted().value(), "the stream's connection was released");
    }
}
