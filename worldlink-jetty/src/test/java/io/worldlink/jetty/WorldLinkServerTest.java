package io.worldlink.jetty;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.FrameQueue;
import io.worldlink.HmacTokens;
import io.worldlink.TestData;
import io.worldlink.WatchedStorage;
import io.worldlink.WorldLink;
import jakarta.websocket.CloseReason;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real Jetty server on port 0 and real WebSocket clients, end to end. */
class WorldLinkServerTest {
    static final String SECRET = "an-integration-test-secret-long-enough";

    @TempDir
    Path root;

    WorldLink link;
    WorldLinkServer server;
    WebSocketContainer container;
    final List<WsClient> clients = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        storage = new WatchedStorage(root);
        link = WorldLink.builder().dataRoot(root).storage(storage).environment(Map.of()).offlinePace(Duration.ZERO)
                .anonymousGracePeriod(Duration.ZERO).authenticator(HmacTokens.withSecret(SECRET)).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
        container = ContainerProvider.getWebSocketContainer();
    }

    @AfterEach
    void stop() throws Exception {
        for (WsClient c : clients) {
            c.close();
        }
        server.close();
        link.close();
        LifeCycle.stop(container);
    }

    WsClient client() throws Exception {
        WsClient c = WsClient.connect(container, server.webSocketUri());
        clients.add(c);
        return c;
    }

    static String anon() {
        return UUID.randomUUID().toString();
    }

    WatchedStorage storage;

    @Test
    void theSeedFlowEndToEnd() throws Exception {
        WsClient c = client();
        String user = anon();
        c.select("default-world", "My World", user);
        JsonObject confirmed = payloadOf(c.expect("connection-confirmed"));
        assertEquals(2, confirmed.getAsJsonArray("agents").size());

        c.request("chat-send", payload("message", "Hello agents"));
        List<JsonObject> turn = c.untilIdle();
        assertEquals(2, turn.stream().filter(f -> type(f).equals("chat-response")
                && payloadOf(f).get("isComplete").getAsBoolean()).count());

        c.request("agent-update", payload("agentName", "ada", "updates", payload("systemPrompt", "You are terse.")));
        assertEquals("You are terse.", payloadOf(c.expect("agent-updated")).getAsJsonObject("agent")
                .get("systemPrompt").getAsString());
        c.expect("event-stream");
        c.request("world-reload", new JsonObject());
        c.expect("world-reloaded");

        c.close();
        assertEquals(user, storage.awaitDeleted().value());
        assertFalse(Files.exists(root.resolve("users/" + user)), "the anonymous user's folder is deleted");
    }

    @Test
    void twoUsersWithWorldsOfTheSameNameNeverSeeEachOthersEvents() throws Exception {
        WsClient a = client();
        WsClient b = client();
        a.select("fast-world", "same", anon());
        b.select("fast-world", "same", anon());
        a.expect("connection-confirmed");
        b.expect("connection-confirmed");

        a.request("chat-send", payload("message", "secret of a"));
        a.untilIdle();
        b.request("ping", new JsonObject());

        assertEquals("pong", type(b.next()), "b saw nothing of a's turn");
    }

    static long jettyThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().startsWith("worldlink-jetty-")).count();
    }

    @Test
    void fiftyConcurrentClientsEachInTheirOwnWorldOnAFixedSetOfServerThreads() throws Exception {
        long fixed = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
        assertEquals(fixed, jettyThreads(), "the pool starts whole");
        int n = 50;
        List<WsClient> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            WsClient c = client();
            c.select("fast-world", "w", anon());
            all.add(c);
        }
        for (WsClient c : all) {
            c.expect("connection-confirmed");
        }
        for (int i = 0; i < n; i++) {
            all.get(i).request("chat-send", payload("message", "client " + i));
        }
        for (int i = 0; i < n; i++) {
            List<JsonObject> turn = all.get(i).untilIdle();
            String mine = "client " + i;
            assertTrue(turn.toString().contains(mine));
            for (int j = 0; j < n; j++) {
                if (j != i) {
                    assertFalse(turn.toString().contains("\"client " + j + "\""), "client " + i + " saw client " + j);
                }
            }
        }
        assertEquals(n, link.stats().loadedWorlds());
        assertEquals(fixed, jettyThreads(), "the pool did not grow with the clients");
    }

    @Test
    void aClientKilledMidStreamLeavesTheWorldAndOthersRunning() throws Exception {
        link.close();
        server.close();
        link = WorldLink.builder().dataRoot(root).storage(storage).environment(Map.of()).offlinePace(Duration.ofMillis(5))
                .anonymousGracePeriod(Duration.ZERO).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
        String user = anon();
        WsClient survivor = client();
        survivor.select("default-world", "shared", user);
        survivor.expect("connection-confirmed");

        CountDownLatch streaming = new CountDownLatch(1);
        WebSocket victim = http.newWebSocketBuilder().buildAsync(server.webSocketUri(), new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                if (data.toString().contains("chat-response")) {
                    streaming.countDown();
                }
                ws.request(1);
                return null;
            }
        }).get(5, TimeUnit.SECONDS);
        victim.sendText("{\"type\":\"world-select\",\"payload\":{\"templateName\":\"default-world\","
                + "\"worldName\":\"shared\",\"userId\":\"" + user + "\"}}", true).get(5, TimeUnit.SECONDS);
        // The JDK's WebSocket takes one send at a time.
        victim.sendText("{\"type\":\"chat-send\",\"payload\":{\"message\":\"talk for a while\"}}", true)
                .get(5, TimeUnit.SECONDS);
        assertTrue(streaming.await(5, TimeUnit.SECONDS));

        victim.abort();

        List<JsonObject> turn = survivor.untilIdle();
        assertEquals(2, turn.stream().filter(f -> type(f).equals("chat-response")
                && payloadOf(f).get("isComplete").getAsBoolean()).count(), "the turn finished for the others");
        survivor.request("chat-send", payload("message", "still here?"));
        assertTrue(survivor.untilIdle().size() > 3);
        assertTrue(storage.deleted.isEmpty(), "the survivor still uses the world");
        survivor.close();
        assertEquals(user, storage.awaitDeleted().value(), "the anonymous folder goes with the last connection");
    }

    @Test
    void aFrameOverTheLimitIsClosedWith1009() throws Exception {
        WsClient c = client();
        c.sendText("{\"type\":\"ping\",\"payload\":{\"pad\":\"" + "x".repeat(70_000) + "\"}}");
        CloseReason reason = c.closed.get(5, TimeUnit.SECONDS);
        assertEquals(1009, reason.getCloseCode().getCode());
    }

    @Test
    void aGracefulStopClosesSessionsWith1001AndSaves() throws Exception {
        String token = HmacTokens.withSecret(SECRET).mint("ann", Duration.ofHours(1));
        WsClient c = WsClient.connect(container, server.webSocketUri(), token);
        clients.add(c);
        c.select("fast-world", "kept", "ann");
        c.expect("connection-confirmed");
        c.request("chat-send", payload("message", "remember this"));
        c.untilIdle();

        server.close();
        link.close();

        assertEquals(1001, c.closed.get(5, TimeUnit.SECONDS).getCloseCode().getCode());
        String memory = Files.readString(root.resolve("users/ann/worlds/kept/agents/quick/memory.json"));
        assertTrue(memory.contains("remember this"), memory);
    }

    @Test
    void theTokenMayComeAsAHeaderOrAQueryParameterAndEachConnectionKeepsItsOwn() throws Exception {
        HmacTokens tokens = HmacTokens.withSecret(SECRET);
        WsClient ann = WsClient.connect(container, server.webSocketUri(), tokens.mint("ann", Duration.ofHours(1)));
        WsClient bob = WsClient.connect(container,
                URI.create(server.webSocketUri() + "?token=" + tokens.mint("bob", Duration.ofHours(1))));
        WsClient nobody = client();
        clients.add(ann);
        clients.add(bob);

        ann.select("fast-world", "w", "ann");
        bob.select("fast-world", "w", "bob");
        nobody.select("fast-world", "w", "ann");
        assertEquals("ann", payloadOf(ann.expect("connection-confirmed")).get("userId").getAsString());
        assertEquals("bob", payloadOf(bob.expect("connection-confirmed")).get("userId").getAsString());
        assertEquals("AUTH_REQUIRED", code(nobody.expect("connection-error")));
        bob.select("fast-world", "w", "ann");
        assertEquals("FORBIDDEN", code(bob.expect("connection-error")));
    }

    // ---- REST ----

    HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject json(HttpResponse<String> r) {
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    @Test
    void restHealthAndTemplates() throws Exception {
        HttpResponse<String> health = get("/health", null);
        assertEquals(200, health.statusCode());
        assertEquals("ok", json(health).get("status").getAsString());
        assertEquals(0, json(health).get("connections").getAsInt());

        JsonObject templates = json(get("/api/templates", null));
        assertEquals(3, templates.getAsJsonArray("templates").size());
        JsonObject agents = json(get("/api/templates/extended-world/agents", null));
        assertEquals(3, agents.getAsJsonArray("agents").size());

        HttpResponse<String> missing = get("/api/templates/nope/agents", null);
        assertEquals(404, missing.statusCode());
        assertEquals("TEMPLATE_NOT_FOUND", json(missing).get("code").getAsString());
        HttpResponse<String> hostile = get("/api/templates/a..b/agents", null);
        assertEquals(400, hostile.statusCode(), hostile.body());
        assertEquals("INVALID_NAME", json(hostile).get("code").getAsString());
        assertEquals(400, get("/api/templates/..%2F..%2Fetc/agents", null).statusCode(),
                "Jetty itself refuses encoded slashes");
        assertEquals(404, get("/api/nothing-here", null).statusCode());
    }

    @Test
    void restUserWorldsFollowTheSameAccessRules() throws Exception {
        String token = HmacTokens.withSecret(SECRET).mint("ann", Duration.ofHours(1));
        WsClient c = WsClient.connect(container, server.webSocketUri(), token);
        clients.add(c);
        c.select("fast-world", "Notes", "ann");
        c.expect("connection-confirmed");
        c.request("chat-send", payload("message", "for the export"));
        c.untilIdle();

        assertEquals(401, get("/api/users/ann/worlds", null).statusCode());
        String bob = HmacTokens.withSecret(SECRET).mint("bob", Duration.ofHours(1));
        assertEquals(403, get("/api/users/ann/worlds", bob).statusCode());
        assertEquals("[\"notes\"]", json(get("/api/users/ann/worlds", token)).get("worlds").toString());

        JsonObject world = json(get("/api/users/ann/worlds/notes", token));
        assertEquals("Notes", world.get("name").getAsString());
        assertEquals("quick", world.getAsJsonArray("agents").get(0).getAsJsonObject().get("id").getAsString());
        assertEquals(404, get("/api/users/ann/worlds/other", token).statusCode());

        HttpResponse<String> export = get("/api/users/ann/worlds/notes/export", token);
        assertEquals(200, export.statusCode());
        assertTrue(export.headers().firstValue("Content-Type").orElseThrow().startsWith("text/markdown"));
        assertTrue(export.body().contains("> for the export"), export.body());
    }

    @Test
    void restChatStreamsTheTurnAsServerSentEventsEndingAtIdle() throws Exception {
        String user = anon();
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/api/users/"
                        + user + "/worlds/sse/chat"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"hi over http\",\"templateName\":\"default-world\"}"))
                .build();
        HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());

        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/event-stream"));
        List<String> events = r.body().lines().filter(l -> l.startsWith("event: ")).map(l -> l.substring(7)).toList();
        assertEquals("connection-confirmed", events.get(0));
        assertEquals("event-stream", events.get(events.size() - 1));
        assertTrue(events.contains("chat-response"));
        String last = r.body().lines().filter(l -> l.startsWith("data: ")).reduce((a, b) -> b).orElseThrow();
        assertTrue(FrameQueue.isIdle(JsonParser.parseString(last.substring(6)).getAsJsonObject()));
    }

    @Test
    void restChatRefusesBadRequestsWithAStatus() throws Exception {
        String base = "http://127.0.0.1:" + server.port() + "/api/users/";
        Map<String, Integer> cases = Map.of(
                "{\"message\": 5}", 400,
                "not json", 400,
                "[1]", 400);
        for (Map.Entry<String, Integer> e : cases.entrySet()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + anon() + "/worlds/w/chat"))
                    .POST(HttpRequest.BodyPublishers.ofString(e.getKey())).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(e.getValue(), r.statusCode(), e.getKey());
            assertNotNull(json(r).get("code"));
        }
        HttpResponse<String> signed = http.send(HttpRequest.newBuilder(URI.create(base + "ann/worlds/w/chat"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"x\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(401, signed.statusCode());
    }
}
