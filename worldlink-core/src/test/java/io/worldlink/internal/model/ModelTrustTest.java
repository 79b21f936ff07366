package io.worldlink.internal.model;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.worldlink.Identity;
import io.worldlink.TestClient;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PROTOCOL.md "What clients may change": where a model is called and with which key is the host's
 * decision. An operator's model server and an attacker's run side by side; the attacker's must never be
 * called, and the operator's key must never leave for anywhere else.
 */
class ModelTrustTest {
    static final String TEMPLATE_KEY = "sk-template-secret";

    @TempDir
    Path root;

    FakeOpenAiServer operator;
    FakeOpenAiServer attacker;
    WorldLink link;

    @BeforeEach
    void setUp() throws Exception {
        operator = new FakeOpenAiServer();
        attacker = new FakeOpenAiServer();
        TestData.withShippedTemplates(root);
        // A template whose agent carries its own base URL and key, as an operator may write one.
        Path quick = root.resolve("worlds/fast-world/agents/quick/config.json");
        JsonObject config = com.google.gson.JsonParser.parseString(Files.readString(quick)).getAsJsonObject();
        config.addProperty("provider", "openai-compatible");
        config.addProperty("model", "small");
        config.addProperty("baseUrl", operator.base("switchable").toString());
        config.addProperty("apiKey", TEMPLATE_KEY);
        Files.writeString(quick, config.toString());
        link = WorldLink.builder().dataRoot(root).environment(Map.of("OPENAI_COMPATIBLE_BASE_URL",
                operator.base("normal").toString(), "OPENAI_COMPATIBLE_API_KEY", "sk-server-key"))
                .offlinePace(Duration.ZERO).anonymousGracePeriod(Duration.ofMinutes(1))
                .allowModels("openai-compatible", "large").build();
    }

    @AfterEach
    void tearDown() {
        link.close();
        operator.close();
        attacker.close();
    }

    // In a world written to storage (a world only selected has no files yet).
    private TestClient enter(String user) {
        if (!Files.exists(root.resolve("users/" + user + "/worlds/w"))) {
            link.createWorld(Identity.of(user), user, "w", "fast-world", null).join();
        }
        TestClient c = new TestClient(link);
        c.select("fast-world", "w", user);
        c.expect("connection-confirmed");
        return c;
    }

    private static JsonObject update(TestClient c, JsonObject config) {
        c.request("agent-update", payload("agentName", "quick", "updates", payload("config", config)));
        return c.next();
    }

    @Test
    void aClientCannotPointAnAgentAtAnotherServerOrKeyAndNothingChanges() throws Exception {
        String user = UUID.randomUUID().toString();
        TestClient c = enter(user);
        Path agentFile = root.resolve("users/" + user + "/worlds/w/agents/quick/config.json");
        String before = Files.readString(agentFile);

        for (String field : List.of("baseUrl", "apiKey", "provider", "type", "llmCallCount", "name", "somethingNew")) {
            JsonObject config = new JsonObject();
            config.addProperty("temperature", 0.1);
            config.addProperty(field, field.equals("baseUrl") ? attacker.base("normal").toString() : "x");
            JsonObject answer = update(c, config);
            assertEquals("system-message", type(answer), field);
            assertEquals("FORBIDDEN", code(answer), field);
            assertTrue(payloadOf(answer).get("content").getAsString().contains(field), field);
        }
        assertEquals(before, Files.readString(agentFile), "a refused change changes nothing, not even the temperature");

        c.request("chat-send", payload("message", "hello"));
        List<JsonObject> turn = c.untilIdle();
        assertTrue(turn.stream().anyMatch(f -> type(f).equals("chat-response")
                && payloadOf(f).get("isComplete").getAsBoolean()), "the operator's model answered");
        assertNull(attacker.requests.poll(), "nothing ever reached the attacker's server");
        FakeOpenAiServer.Request call = operator.requests.poll(5, TimeUnit.SECONDS);
        assertNotNull(call);
        assertEquals("Bearer " + TEMPLATE_KEY, call.authorization(), "the template's key, resolved at call time");
        assertFalse(Files.readString(agentFile).contains(TEMPLATE_KEY), "the key is never copied into a user's world");
    }

    @Test
    void temperatureMaxTokensAndAllowedModelsMayChangeWithinTheHostsBounds() {
        TestClient c = enter(UUID.randomUUID().toString());
        JsonObject tooHot = new JsonObject();
        tooHot.addProperty("temperature", 2.5);
        assertEquals("INVALID_MESSAGE", code(update(c, tooHot)));
        JsonObject tooLong = new JsonObject();
        tooLong.addProperty("maxTokens", 1_000_000);
        assertEquals("INVALID_MESSAGE", code(update(c, tooLong)));
        JsonObject notAllowed = new JsonObject();
        notAllowed.addProperty("model", "gpt-secret-internal");
        assertEquals("FORBIDDEN", code(update(c, notAllowed)));

        JsonObject fine = new JsonObject();
        fine.addProperty("temperature", 1.5);
        fine.addProperty("maxTokens", 400);
        fine.addProperty("model", "large");
        JsonObject updated = update(c, fine);
        assertEquals("agent-updated", type(updated), updated.toString());
        JsonObject agent = payloadOf(updated).getAsJsonObject("agent");
        assertEquals(1.5, agent.get("temperature").getAsDouble());
        assertEquals(400, agent.get("maxTokens").getAsInt());
        assertEquals("large", agent.get("model").getAsString());
        assertEquals("event-stream", type(c.next()), "the update's world event");

        JsonObject back = new JsonObject();
        back.addProperty("model", "small");
        assertEquals("agent-updated", type(update(c, back)), "the template's own model stays allowed");
    }

    @Test
    void aWorldWrittenByAnOlderVersionLosesTheBaseUrlAndKeyAClientOrTemplateLeftInIt() throws Exception {
        String user = UUID.randomUUID().toString();
        enter(user).connection.closed();
        Path agentFile = root.resolve("users/" + user + "/worlds/w/agents/quick/config.json");
        JsonObject poisoned = com.google.gson.JsonParser.parseString(Files.readString(agentFile)).getAsJsonObject();
        poisoned.addProperty("baseUrl", attacker.base("normal").toString());
        poisoned.addProperty("apiKey", "sk-copied-long-ago");
        Files.writeString(agentFile, poisoned.toString());

        TestClient c = enter(user);
        c.request("chat-send", payload("message", "hello"));
        c.untilIdle();

        assertNull(attacker.requests.poll());
        assertNotNull(operator.requests.poll(5, TimeUnit.SECONDS));
        String cleaned = Files.readString(agentFile);
        assertFalse(cleaned.contains("sk-copied-long-ago"));
        assertFalse(cleaned.contains(attacker.base("normal").toString()));
    }

    private static String modelError(List<JsonObject> turn) {
        return turn.stream().filter(f -> type(f).equals("system-message") && payloadOf(f).has("code")
                && code(f).equals("MODEL_ERROR")).map(f -> payloadOf(f).get("content").getAsString())
                .findFirst().orElseThrow(() -> new AssertionError("no MODEL_ERROR in " + turn));
    }

    @Test
    void aModelErrorShowsTheStatusAndTheProvidersShortMessageNeverARawBody() {
        TestClient c = enter(UUID.randomUUID().toString());
        operator.behave("leaky");
        c.request("chat-send", payload("message", "hello"));
        String text = modelError(c.untilIdle());
        assertTrue(text.contains("HTTP 500"), text);
        assertFalse(text.contains("admin token"), text);
        assertFalse(text.contains("<html>"), text);

        operator.behave("longerror");
        c.request("chat-send", payload("message", "again"));
        String clipped = modelError(c.untilIdle());
        assertTrue(clipped.contains("x".repeat(200)), clipped);
        assertFalse(clipped.contains("x".repeat(201)), "at most 200 characters of the provider's message");
    }
}
