package io.worldlink.jetty;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real server with real WebSocket clients and HTTP requests: a world that world-select clones is
 * written at its first message, not at the select; only selected, it is served over REST while it is loaded
 * and leaves no file on disk once its clients have left.
 */
class LazyCloneServerTest {
    @TempDir
    Path root;

    final HttpClient http = HttpClient.newHttpClient();
    WebSocketContainer container;
    WorldLink link;
    WorldLinkServer server;

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        container = ContainerProvider.getWebSocketContainer();
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .trustClaimedUserIds(true).maxWorldsPerUser(10, 2).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        link.close();
        LifeCycle.stop(container);
    }

    WsClient select(String world, String user) throws Exception {
        WsClient c = WsClient.connect(container, server.webSocketUri());
        c.request("world-select", payload("templateName", "fast-world", "worldName", world, "userId", user));
        return c;
    }

    static WsClient confirmed(WsClient c) throws Exception {
        c.expect("connection-confirmed");
        return c;
    }

    HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void selectedOnlyTheWorldIsServedWhileLoadedAndNoFileIsLeftAfterLeaving() throws Exception {
        String anonymous = UUID.randomUUID().toString();
        try (WsClient ann = select("browsed", "ann"); WsClient anon = select("browsed", anonymous)) {
            ann.expect("connection-confirmed");
            anon.expect("connection-confirmed");

            HttpResponse<String> world = get("/api/users/ann/worlds/browsed");
            assertEquals(200, world.statusCode(), world.body());
            assertTrue(world.body().contains("\"quick\""), world.body());
            HttpResponse<String> list = get("/api/users/ann/worlds");
            assertTrue(list.body().contains("browsed"), list.body());
            assertFalse(Files.exists(root.resolve("users")), "no folder while selected");
        }
        server.close();
        link.close();
        assertFalse(Files.exists(root.resolve("users")), "nor after leaving, for a signed or an anonymous user");
    }

    @Test
    void theFirstMessageWritesTheCloneWithItsEventLog() throws Exception {
        try (WsClient c = select("talked-in", "ann")) {
            c.expect("connection-confirmed");
            c.request("chat-send", payload("message", "hello, world"));
            c.untilIdle();
            Path world = root.resolve("users/ann/worlds/talked-in");
            assertTrue(Files.isRegularFile(world.resolve("config.json")));
            String log = Files.readString(world.resolve("events.jsonl"));
            assertTrue(log.contains("hello, world"), log);
        }
    }

    @Test
    void theSelectThatWouldPassTheQuotaIsRefusedThoughNothingIsWritten() throws Exception {
        String user = UUID.randomUUID().toString();
        // One after the other: selects on separate connections may be served in any order.
        try (WsClient one = confirmed(select("one", user)); WsClient two = confirmed(select("two", user));
                WsClient three = select("three", user)) {
            JsonObject refused = three.next();
            assertEquals("connection-error", type(refused));
            assertEquals("QUOTA_EXCEEDED", code(refused));
            assertFalse(Files.exists(root.resolve("users")));
            HttpResponse<String> list = get("/api/users/" + user + "/worlds");
            assertEquals(2, JsonParser.parseString(list.body()).getAsJsonObject().getAsJsonArray("worlds").size(),
                    list.body());
            assertTrue(payloadOf(refused).get("error").getAsString().contains("one, two"), refused.toString());
        }
    }
}
