package io.worldlink.jetty;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.HmacTokens;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.internal.Names;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Managing worlds and agents over REST (docs/protocol-management.md), on a real server on port 0 with real
 * HTTP requests, and what WebSocket clients of those worlds see of it.
 */
class ManagementApiTest {
    static final String SECRET = "a-management-api-test-secret-long-enough";
    static final String EVIL = "http://evil.example";

    @TempDir
    Path root;

    final HmacTokens tokens = HmacTokens.withSecret(SECRET);
    final HttpClient http = HttpClient.newHttpClient();
    final List<WsClient> clients = new ArrayList<>();
    WorldLink link;
    WorldLinkServer server;
    WebSocketContainer container;
    String ann;
    String bob;

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        // Anonymous worlds made over HTTP outlive the request by the grace period: long enough for a test.
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .anonymousGracePeriod(Duration.ofMinutes(5)).authenticator(tokens)
                .allowModels("openai", "gpt-4o-mini").maxAgentsPerWorld(3).maxSystemPromptChars(100).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
        container = ContainerProvider.getWebSocketContainer();
        ann = tokens.mint("ann", Duration.ofHours(1));
        bob = tokens.mint("bob", Duration.ofHours(1));
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

    HttpResponse<String> send(String method, String path, String token, String body, String origin)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (origin != null) {
            b.header("Origin", origin);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(String method, String path, String token, JsonObject body) throws Exception {
        return send(method, path, token, body == null ? null : body.toString(), null);
    }

    static JsonObject json(HttpResponse<String> r) {
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), r.toString());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    /** Asserts an API error: the status, the code, and a sentence. */
    static void assertError(int status, String code, HttpResponse<String> r) {
        assertEquals(status, r.statusCode(), r.body());
        JsonObject o = json(r);
        assertEquals(code, o.get("code").getAsString(), r.body());
        assertFalse(o.get("error").getAsString().isBlank());
    }

    Path world(String user, String world) {
        return root.resolve("users").resolve(user).resolve("worlds").resolve(world);
    }

    WsClient in(String token, String world) throws Exception {
        WsClient c = WsClient.connect(container, server.webSocketUri(), token);
        clients.add(c);
        c.select("fast-world", world, "ann");
        c.expect("connection-confirmed");
        return c;
    }

    static JsonObject body(Object... keyValues) {
        return payload(keyValues);
    }

    static List<String> ids(JsonArray a) {
        List<String> out = new ArrayList<>();
        a.forEach(e -> out.add(e.isJsonObject() ? e.getAsJsonObject().get("id").getAsString() : e.getAsString()));
        return out;
    }

    // Every file under a folder with its content, to show that nothing there changed.
    static String listing(Path dir) {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted().toList()) {
                sb.append(dir.relativize(p)).append('\n');
                if (Files.isRegularFile(p)) {
                    sb.append(Files.readString(p)).append('\n');
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sb.toString();
    }

    @Test
    void aWorldAndItsAgentsAreCreatedChangedAndDeletedOverHttp() throws Exception {
        HttpResponse<String> created = send("POST", "/api/users/ann/worlds", ann, body("worldName", "The Lab",
                "description", "Where we try things."));
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("/api/users/ann/worlds/the-lab", created.headers().firstValue("Location").orElseThrow());
        JsonObject lab = json(created);
        assertEquals("the-lab", lab.get("id").getAsString());
        assertEquals("The Lab", lab.get("name").getAsString());
        assertEquals("Where we try things.", lab.get("description").getAsString());
        assertEquals(0, lab.getAsJsonArray("agents").size());

        HttpResponse<String> clone = send("POST", "/api/users/ann/worlds", ann, body("worldName", "Debate",
                "templateName", "extended-world"));
        assertEquals(201, clone.statusCode(), clone.body());
        assertEquals(List.of("con", "moderator", "pro"), ids(json(clone).getAsJsonArray("agents")));
        assertEquals(List.of("debate", "the-lab"), ids(json(send("GET", "/api/users/ann/worlds", ann, null))
                .getAsJsonArray("worlds")));

        HttpResponse<String> patched = send("PATCH", "/api/users/ann/worlds/the-lab", ann, body("name", "Lab Two",
                "turnLimit", 3));
        assertEquals(200, patched.statusCode(), patched.body());
        assertEquals("Lab Two", json(patched).get("name").getAsString());
        assertEquals(3, json(patched).get("turnLimit").getAsInt());
        assertEquals("Where we try things.", json(patched).get("description").getAsString(), "the rest stays");
        JsonObject read = json(send("GET", "/api/users/ann/worlds/the-lab", ann, null));
        assertEquals("Lab Two", read.get("name").getAsString());
        assertEquals(3, read.get("turnLimit").getAsInt());

        HttpResponse<String> agent = send("POST", "/api/users/ann/worlds/the-lab/agents", ann, body("agentName",
                "Critic", "systemPrompt", "You criticise.", "provider", "openai", "model", "gpt-4o-mini",
                "temperature", 0.2));
        assertEquals(201, agent.statusCode(), agent.body());
        assertEquals("critic", json(agent).get("id").getAsString());
        assertEquals("gpt-4o-mini", json(agent).get("model").getAsString());
        assertFalse(json(agent).has("apiKey"));
        assertTrue(Files.isRegularFile(world("ann", "the-lab").resolve("agents/critic/config.json")));
        assertEquals(List.of("critic"), ids(json(send("GET", "/api/users/ann/worlds/the-lab", ann, null))
                .getAsJsonArray("agents")));

        HttpResponse<String> agentGone = send("DELETE", "/api/users/ann/worlds/the-lab/agents/Critic", ann, null);
        assertEquals(204, agentGone.statusCode(), agentGone.body());
        assertEquals("", agentGone.body());
        assertFalse(Files.exists(world("ann", "the-lab").resolve("agents/critic")));

        HttpResponse<String> gone = send("DELETE", "/api/users/ann/worlds/the-lab", ann, null);
        assertEquals(204, gone.statusCode(), gone.body());
        assertFalse(Files.exists(world("ann", "the-lab")));
        assertError(404, "WORLD_NOT_FOUND", send("GET", "/api/users/ann/worlds/the-lab", ann, null));
        assertEquals(List.of("debate"), ids(json(send("GET", "/api/users/ann/worlds", ann, null))
                .getAsJsonArray("worlds")));
    }

    @Test
    void clientsInAWorldSeeWhatHttpChangesAndADeletionMovesThemAllOut() throws Exception {
        WsClient first = in(ann, "w");
        WsClient second = in(ann, "w");
        first.request("chat-send", payload("message", "hello"));
        first.untilIdle();
        second.untilIdle();
        String epoch = json(send("GET", "/api/users/ann/worlds/w", ann, null)).getAsJsonObject("metadata")
                .get("worldEpoch").getAsString();

        assertEquals(201, send("POST", "/api/users/ann/worlds/w/agents", ann, body("agentName", "Extra"))
                .statusCode());
        assertEquals(200, send("PATCH", "/api/users/ann/worlds/w", ann, body("description", "Busy.")).statusCode());
        for (WsClient c : List.of(first, second)) {
            assertEquals("extra", payloadOf(c.expect("agent-created")).get("agentName").getAsString());
            c.expect("event-stream");
            assertEquals("Busy.", payloadOf(c.expect("world-updated")).getAsJsonObject("world")
                    .get("description").getAsString());
            c.expect("event-stream");
        }
        assertEquals(204, send("DELETE", "/api/users/ann/worlds/w/agents/extra", ann, null).statusCode());
        for (WsClient c : List.of(first, second)) {
            assertEquals("extra", payloadOf(c.expect("agent-deleted")).get("agentName").getAsString());
            c.expect("event-stream");
        }

        assertEquals(204, send("DELETE", "/api/users/ann/worlds/w", ann, null).statusCode());

        for (WsClient c : List.of(first, second)) {
            JsonObject told = c.expect("world-deleted");
            assertEquals("w", payloadOf(told).get("worldName").getAsString());
            assertFalse(told.has("replyTo"));
        }
        assertFalse(Files.exists(world("ann", "w")), "its folder, log and memories are gone");
        for (WsClient c : List.of(first, second)) {
            c.request("chat-send", payload("message", "still there?"));
            JsonObject refused = c.expect("system-message");
            assertEquals("NO_WORLD_SELECTED", code(refused));
        }
        first.select("fast-world", "w", "ann");
        String newEpoch = payloadOf(first.expect("connection-confirmed")).get("worldEpoch").getAsString();
        assertNotEquals(epoch, newEpoch, "a new life");
    }

    @Test
    void aChatStreamOfAWorldThatIsDeletedEnds() throws Exception {
        link.close();
        server.close();
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ofMillis(200))
                .authenticator(tokens).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
        HttpRequest chat = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                + "/api/users/ann/worlds/slow/chat")).header("Authorization", "Bearer " + ann)
                .POST(HttpRequest.BodyPublishers.ofString(body("templateName", "default-world", "message",
                        "Tell me everything").toString())).build();
        var stream = http.sendAsync(chat, HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = stream.get().body()) {
            var it = lines.iterator();
            while (!it.next().equals("event: chat-response")) {
                // Up to the first streamed word: the turn is under way.
            }
            assertEquals(204, send("DELETE", "/api/users/ann/worlds/slow", ann, null).statusCode());
            String last = null;
            while (it.hasNext()) {
                String line = it.next();
                if (line.startsWith("event: ")) {
                    last = line;
                }
            }
            assertEquals("event: world-deleted", last, "the stream ends with the world's deletion");
        }
    }

    @Test
    void someoneElsesWorldsAndCrossSiteRequestsAreRefusedAndChangeNothing() throws Exception {
        assertEquals(201, send("POST", "/api/users/ann/worlds", ann, body("worldName", "w", "templateName",
                "fast-world")).statusCode());
        String before = listing(root.resolve("users/ann"));

        for (String token : new String[] {null, bob, "not-a-token"}) {
            int status = bob.equals(token) ? 403 : 401;
            String code = bob.equals(token) ? "FORBIDDEN" : "AUTH_REQUIRED";
            assertError(status, code, send("POST", "/api/users/ann/worlds", token, body("worldName", "x")));
            assertError(status, code, send("PATCH", "/api/users/ann/worlds/w", token, body("turnLimit", 2)));
            assertError(status, code, send("DELETE", "/api/users/ann/worlds/w", token, null));
            assertError(status, code, send("POST", "/api/users/ann/worlds/w/agents", token, body("agentName", "Eve")));
            assertError(status, code, send("DELETE", "/api/users/ann/worlds/w/agents/quick", token, null));
        }
        // A page of another site cannot change anything, even with the user's token in hand.
        assertError(403, "FORBIDDEN", send("DELETE", "/api/users/ann/worlds/w", ann, null, EVIL));
        assertError(403, "FORBIDDEN", send("PATCH", "/api/users/ann/worlds/w", ann, "{\"turnLimit\": 2}", EVIL));
        assertError(403, "FORBIDDEN", send("POST", "/api/users/ann/worlds/w/agents", ann, "{\"agentName\": \"E\"}",
                EVIL));
        // Names that lead elsewhere.
        for (String path : List.of("/api/users/ann/worlds/..%2Fbob", "/api/users/ann/worlds/%2e%2e",
                "/api/users/..%2Fann/worlds/w", "/api/users/ann/worlds/w/agents/..%2F..%2Fw")) {
            HttpResponse<String> r = send("DELETE", path, ann, null);
            assertEquals(400, r.statusCode(), path + ": " + r.body());
        }

        assertEquals(before, listing(root.resolve("users/ann")));
        assertFalse(Files.exists(root.resolve("users/bob")));
    }

    @Test
    void badWorldsAndAgentsAreRefusedWithClearErrorsAndChangeNothing() throws Exception {
        assertEquals(201, send("POST", "/api/users/ann/worlds", ann, body("worldName", "w", "templateName",
                "default-world")).statusCode());
        String before = listing(root.resolve("users/ann"));
        String agents = "/api/users/ann/worlds/w/agents";

        assertError(400, "INVALID_NAME", send("POST", "/api/users/ann/worlds", ann, body("worldName", "W")));
        assertError(400, "INVALID_NAME", send("POST", "/api/users/ann/worlds", ann, body("worldName", "../x")));
        assertError(400, "INVALID_MESSAGE", send("POST", "/api/users/ann/worlds", ann, body("templateName", "x")));
        assertError(404, "TEMPLATE_NOT_FOUND", send("POST", "/api/users/ann/worlds", ann, body("worldName", "x",
                "templateName", "nope")));
        assertError(400, "INVALID_JSON", send("POST", "/api/users/ann/worlds", ann, "{not json", null));
        assertError(400, "INVALID_MESSAGE", send("PATCH", "/api/users/ann/worlds/w", ann, body("turnLimit", 0)));
        assertError(400, "INVALID_MESSAGE", send("PATCH", "/api/users/ann/worlds/w", ann, body("turnLimit", 1000)));
        assertError(400, "INVALID_MESSAGE", send("PATCH", "/api/users/ann/worlds/w", ann, new JsonObject()));
        assertError(403, "FORBIDDEN", send("PATCH", "/api/users/ann/worlds/w", ann, body("isTemplate", true)));
        assertError(404, "WORLD_NOT_FOUND", send("PATCH", "/api/users/ann/worlds/nope", ann, body("turnLimit", 2)));
        assertError(403, "FORBIDDEN", send("POST", agents, ann, body("agentName", "Eve", "baseUrl",
                "http://169.254.169.254/")));
        assertError(403, "FORBIDDEN", send("POST", agents, ann, body("agentName", "Eve", "apiKey", "sk-x")));
        assertError(403, "FORBIDDEN", send("POST", agents, ann, body("agentName", "Eve", "provider", "ollama")));
        assertError(403, "FORBIDDEN", send("POST", agents, ann, body("agentName", "Eve", "provider", "openai",
                "model", "gpt-5-pro")));
        assertError(400, "INVALID_NAME", send("POST", agents, ann, body("agentName", "ADA")));
        assertError(400, "INVALID_NAME", send("POST", agents, ann, body("agentName", "Human")));
        assertError(400, "INVALID_NAME", send("POST", agents, ann, body("agentName", "system")));
        assertError(400, "INVALID_MESSAGE", send("POST", agents, ann, body("agentName", "Eve", "systemPrompt",
                "p".repeat(101))));
        assertError(400, "INVALID_MESSAGE", send("POST", agents, ann, body("agentName", "Eve", "maxTokens", 9000)));
        assertError(404, "AGENT_NOT_FOUND", send("DELETE", agents + "/nobody", ann, null));
        assertError(404, "WORLD_NOT_FOUND", send("DELETE", "/api/users/ann/worlds/nope", ann, null));
        HttpResponse<String> wrongMethod = send("PUT", "/api/users/ann/worlds/w", ann, new JsonObject());
        assertEquals(405, wrongMethod.statusCode());
        HttpResponse<String> getAgents = send("GET", agents, ann, null);
        assertError(405, "METHOD_NOT_ALLOWED", getAgents);
        assertEquals("POST", getAgents.headers().firstValue("Allow").orElseThrow());
        assertEquals(before, listing(root.resolve("users/ann")));

        // Room for a third agent, then no more.
        assertEquals(201, send("POST", agents, ann, body("agentName", "Cy", "systemPrompt", "p".repeat(100)))
                .statusCode());
        assertError(429, "QUOTA_EXCEEDED", send("POST", agents, ann, body("agentName", "Dee")));
        assertFalse(Files.exists(world("ann", "w").resolve("agents/dee")));
    }

    @Test
    void anAnonymousUserCreatesWorldsWithinTheirLimitOnly() throws Exception {
        String user = UUID.randomUUID().toString();
        for (String name : List.of("one", "two", "three")) {
            assertEquals(201, send("POST", "/api/users/" + user + "/worlds", null, body("worldName", name))
                    .statusCode());
        }

        assertError(429, "QUOTA_EXCEEDED", send("POST", "/api/users/" + user + "/worlds", null, body("worldName",
                "four", "templateName", "fast-world")));

        assertFalse(Files.exists(world(user, "four")));
        assertEquals(List.of("one", "three", "two"), ids(json(send("GET", "/api/users/" + user + "/worlds", null,
                null)).getAsJsonArray("worlds")));
        assertEquals(204, send("DELETE", "/api/users/" + user + "/worlds/two", null, null).statusCode());
        assertEquals(201, send("POST", "/api/users/" + user + "/worlds", null, body("worldName", "four"))
                .statusCode());
    }

    @Test
    void theWebSocketRequestsWorkOnARealServer() throws Exception {
        WsClient c = WsClient.connect(container, server.webSocketUri(), ann);
        clients.add(c);
        String id = c.request("world-create", payload("userId", "ann", "worldName", "Club", "templateName",
                "default-world"));
        JsonObject created = c.expect("world-created");
        assertEquals(id, created.get("replyTo").getAsString());
        c.request("world-select", payload("worldName", "club", "userId", "ann"));
        c.expect("connection-confirmed");
        c.request("agent-create", payload("agentName", "Referee", "systemPrompt", "Keep it fair."));
        assertEquals("referee", payloadOf(c.expect("agent-created")).get("agentName").getAsString());
        c.expect("event-stream");
        c.request("world-update", payload("turnLimit", 2));
        assertEquals(2, payloadOf(c.expect("world-updated")).getAsJsonObject("world").get("turnLimit").getAsInt());
        c.expect("event-stream");
        c.request("agent-delete", payload("agentName", "referee"));
        assertEquals("agent-deleted", type(c.expect("agent-deleted")));
        c.expect("event-stream");
        c.request("world-list", new JsonObject());
        assertEquals(List.of("club"), ids(payloadOf(c.expect("world-listed")).getAsJsonArray("worlds")));
        String deleteId = c.request("world-delete", new JsonObject());
        assertEquals(deleteId, c.expect("world-deleted").get("replyTo").getAsString());
        assertFalse(Files.exists(world("ann", "club")));
    }
}
