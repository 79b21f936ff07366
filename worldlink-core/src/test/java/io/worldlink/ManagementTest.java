package io.worldlink;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.internal.Names;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** docs/protocol-management.md over the core's connections, and the host's Java API for the same. */
class ManagementTest {
    static final String SECRET = "a-management-test-secret-long-enough";

    @TempDir
    Path root;

    WorldLink link;
    final HmacTokens tokens = HmacTokens.withSecret(SECRET);
    final List<WorldLink> links = new ArrayList<>();

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        link = build(b -> { });
    }

    @AfterEach
    void tearDown() {
        links.forEach(WorldLink::close);
    }

    WorldLink build(Consumer<WorldLink.Builder> custom) {
        WorldLink.Builder b = WorldLink.builder().dataRoot(root).storage(new WatchedStorage(root))
                .environment(Map.of()).offlinePace(Duration.ZERO).anonymousGracePeriod(Duration.ZERO)
                .authenticator(tokens).chatModel("stall", (request, listener) -> {
                    // Says one word, then nothing more until it is cancelled.
                    listener.onChunk("Thinking");
                    return () -> { };
                }).allowModels("openai", "gpt-4o-mini").allowModels("stall");
        custom.accept(b);
        WorldLink l = b.build();
        links.add(l);
        return l;
    }

    Identity as(String user) {
        return link.authenticate(tokens.mint(user, Duration.ofHours(1)));
    }

    TestClient client(String user) {
        return new TestClient(link, as(user), true);
    }

    static TestClient in(TestClient c, String template, String world, String user) {
        c.select(template, world, user);
        c.expect("connection-confirmed");
        return c;
    }

    /** @return the frame that answers the request (the first with its id as replyTo) */
    static JsonObject answer(TestClient c, String requestId) {
        List<JsonObject> seen = c.until(f -> f.has("replyTo") && f.get("replyTo").getAsString().equals(requestId));
        return seen.get(seen.size() - 1);
    }

    /** @return the error code that answers the request */
    static String refusal(TestClient c, String requestId) {
        JsonObject f = answer(c, requestId);
        assertEquals("system-message", type(f), f.toString());
        assertEquals("error", payloadOf(f).get("level").getAsString(), f.toString());
        return code(f);
    }

    static String contentOf(JsonObject f) {
        return payloadOf(f).get("content").getAsString();
    }

    Path world(String user, String world) {
        return root.resolve("users").resolve(user).resolve("worlds").resolve(world);
    }

    // Every file under a folder with its content, to show that nothing there changed (or was made).
    static String listing(Path dir) {
        if (!Files.exists(dir)) {
            return "(no folder)";
        }
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

    static JsonObject agentPayload(String name, Object... more) {
        JsonObject p = payload(more);
        p.addProperty("agentName", name);
        return p;
    }

    static List<String> names(JsonArray agents) {
        List<String> out = new ArrayList<>();
        agents.forEach(a -> out.add(a.getAsJsonObject().get("id").getAsString()));
        return out;
    }

    @Test
    void worldCreateMakesAnEmptyWorldOrACloneAndWorldListListsThem() {
        TestClient ann = client("ann");

        String emptyId = ann.request("world-create", payload("userId", "ann", "worldName", "My Lab",
                "description", "Where we try things.\nTwo lines."));
        JsonObject created = ann.expect("world-created");
        assertEquals(emptyId, created.get("replyTo").getAsString());
        JsonObject p = payloadOf(created);
        assertEquals("ann", p.get("userId").getAsString());
        assertEquals("my-lab", p.get("worldName").getAsString());
        assertEquals("", p.get("templateName").getAsString());
        assertEquals("My Lab", p.getAsJsonObject("world").get("name").getAsString());
        assertEquals("Where we try things.\nTwo lines.", p.getAsJsonObject("world").get("description").getAsString());
        assertEquals(5, p.getAsJsonObject("world").get("turnLimit").getAsInt());
        assertEquals(0, p.getAsJsonArray("agents").size());
        assertTrue(Files.isRegularFile(world("ann", "my-lab").resolve("config.json")));
        assertFalse(Files.exists(world("ann", "my-lab").resolve("agents")), "an empty world has no agents");

        ann.request("world-create", payload("userId", "ann", "worldName", "Debate", "templateName", "extended-world"));
        JsonObject clone = payloadOf(ann.expect("world-created"));
        assertEquals("extended-world", clone.get("templateName").getAsString());
        assertEquals(List.of("con", "moderator", "pro"), names(clone.getAsJsonArray("agents")));
        assertEquals(link.template("extended-world").config().description(),
                clone.getAsJsonObject("world").get("description").getAsString(), "the template's description");

        ann.request("world-create", payload("userId", "ann", "worldName", "Quick", "templateName", "fast-world",
                "description", "Mine now."));
        assertEquals("Mine now.", payloadOf(ann.expect("world-created")).getAsJsonObject("world")
                .get("description").getAsString());

        String listId = ann.request("world-list", payload("userId", "ann"));
        JsonObject listed = ann.expect("world-listed");
        assertEquals(listId, listed.get("replyTo").getAsString());
        List<String> ids = new ArrayList<>();
        payloadOf(listed).getAsJsonArray("worlds").forEach(e -> ids.add(e.getAsString()));
        assertEquals(List.of("debate", "my-lab", "quick"), ids);

        // The same name again, however written, is taken: nothing is replaced.
        String before = listing(world("ann", "my-lab"));
        assertEquals("INVALID_NAME", refusal(ann, ann.request("world-create", payload("userId", "ann",
                "worldName", "my lab", "templateName", "fast-world"))));
        assertEquals(before, listing(world("ann", "my-lab")));

        // Selected with no template, the new world is a world like any other: its own life, no agents.
        ann.request("world-select", payload("worldName", "My Lab", "userId", "ann"));
        JsonObject confirmed = payloadOf(ann.expect("connection-confirmed"));
        assertEquals(0, confirmed.getAsJsonArray("agents").size());
        assertTrue(confirmed.get("worldEpoch").getAsString().length() > 10);

        // From inside a world, userId defaults to the world's user.
        ann.request("world-list", new JsonObject());
        assertEquals(3, payloadOf(ann.expect("world-listed")).getAsJsonArray("worlds").size());
    }

    @Test
    void worldUpdateChangesNameDescriptionAndTurnLimitForEveryClientAndIsReplayed() throws Exception {
        TestClient a = in(client("ann"), "fast-world", "w", "ann");
        TestClient b = in(client("ann"), "fast-world", "w", "ann");

        String id = a.request("world-update", payload("name", "The Workshop", "description", "Fast, cheap, good.",
                "turnLimit", 3));
        JsonObject updated = a.expect("world-updated");
        assertEquals(id, updated.get("replyTo").getAsString());
        JsonObject w = payloadOf(updated).getAsJsonObject("world");
        assertEquals("w", payloadOf(updated).get("worldName").getAsString());
        assertEquals("w", w.get("id").getAsString(), "the id, and so the folder, stay");
        assertEquals("The Workshop", w.get("name").getAsString());
        assertEquals("Fast, cheap, good.", w.get("description").getAsString());
        assertEquals(3, w.get("turnLimit").getAsInt());
        long seq = updated.get("seq").getAsLong();
        JsonObject event = payloadOf(a.expect("event-stream")).getAsJsonObject("event");
        assertEquals("world-update", event.getAsJsonObject("payload").get("action").getAsString());
        JsonObject seen = b.expect("world-updated");
        assertFalse(seen.has("replyTo"), "only the requester's answer carries replyTo");
        assertEquals(w, payloadOf(seen).getAsJsonObject("world"));
        b.expect("event-stream");

        WorldConfig stored = link.world(as("ann"), "ann", "w").config();
        assertEquals("The Workshop", stored.name());
        assertEquals("Fast, cheap, good.", stored.description());
        assertEquals(3, stored.turnLimit());

        // Only one field: the others stay.
        a.request("world-update", payload("turnLimit", 4));
        JsonObject again = payloadOf(a.expect("world-updated")).getAsJsonObject("world");
        assertEquals("The Workshop", again.get("name").getAsString());
        assertEquals(4, again.get("turnLimit").getAsInt());
        a.expect("event-stream");

        // A client that comes back with the seq before the change is replayed it.
        TestClient late = client("ann");
        late.request("world-select", payload("worldName", "w", "userId", "ann", "lastSeq", seq - 1));
        late.expect("connection-confirmed");
        JsonObject replayed = late.expect("world-updated");
        assertEquals(seq, replayed.get("seq").getAsLong());
        assertEquals("The Workshop", payloadOf(replayed).getAsJsonObject("world").get("name").getAsString());
    }

    @Test
    void badWorldUpdatesAreRefusedAndChangeNothing() throws Exception {
        TestClient a = in(client("ann"), "fast-world", "w", "ann");
        String before = listing(world("ann", "w"));

        assertEquals("INVALID_MESSAGE", refusal(a, a.request("world-update", payload("turnLimit", 0))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("world-update", payload("turnLimit", 51))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("world-update", payload("turnLimit", 2.5))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("world-update", payload("turnLimit", "3"))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("world-update", new JsonObject())));
        assertEquals("INVALID_NAME", refusal(a, a.request("world-update", payload("name", "x".repeat(101)))));
        assertEquals("INVALID_NAME", refusal(a, a.request("world-update", payload("name", "  "))));
        assertEquals("INVALID_NAME", refusal(a, a.request("world-update", payload("name", "bell\u0007"))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("world-update", payload("description",
                "d".repeat(2001)))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("world-update", payload("description", "nul\u0000"))));
        String forbidden = refusal(a, a.request("world-update", payload("name", "Fine", "isTemplate", true)));
        assertEquals("FORBIDDEN", forbidden);
        assertEquals("FORBIDDEN", refusal(a, a.request("world-update", payload("metadata",
                payload("worldEpoch", "mine")))));

        assertEquals(before, listing(world("ann", "w")));
        assertNull(a.frames.poll(100, TimeUnit.MILLISECONDS), "no event was published");
    }

    @Test
    void agentCreateAddsAnAgentThatAnswersAndEveryClientSeesIt() {
        TestClient a = in(client("ann"), "fast-world", "w", "ann");
        TestClient b = in(client("ann"), "fast-world", "w", "ann");

        String id = a.request("agent-create", agentPayload("Critic", "systemPrompt", "You are a critic.",
                "temperature", 0.3, "maxTokens", 300));
        JsonObject created = a.expect("agent-created");
        assertEquals(id, created.get("replyTo").getAsString());
        assertTrue(created.get("seq").getAsLong() > 0, "a durable event");
        JsonObject agent = payloadOf(created).getAsJsonObject("agent");
        assertEquals("critic", payloadOf(created).get("agentName").getAsString());
        assertEquals("critic", agent.get("id").getAsString());
        assertEquals("Critic", agent.get("name").getAsString());
        assertEquals("default", agent.get("provider").getAsString());
        assertEquals("", agent.get("model").getAsString());
        assertEquals("You are a critic.", agent.get("systemPrompt").getAsString());
        assertEquals(0.3, agent.get("temperature").getAsDouble());
        assertEquals(300, agent.get("maxTokens").getAsInt());
        assertEquals("active", agent.get("status").getAsString());
        assertEquals("agent-create", payloadOf(a.expect("event-stream")).getAsJsonObject("event")
                .getAsJsonObject("payload").get("action").getAsString());
        assertEquals(agent, payloadOf(b.expect("agent-created")).getAsJsonObject("agent"));
        b.expect("event-stream");

        Path folder = world("ann", "w").resolve("agents/critic");
        assertTrue(Files.isRegularFile(folder.resolve("config.json")));
        assertTrue(Files.isRegularFile(folder.resolve("memory.json")));
        assertFalse(readString(folder.resolve("config.json")).contains("baseUrl"));

        // It takes part in the conversation at once.
        a.request("chat-send", payload("message", "@critic what do you think?"));
        List<JsonObject> turn = a.untilIdle();
        assertTrue(turn.stream().anyMatch(f -> type(f).equals("chat-response")
                && payloadOf(f).get("agentName").getAsString().equals("critic")
                && payloadOf(f).get("isComplete").getAsBoolean()), "the new agent answers");

        // With a provider and a model the host allows.
        a.request("agent-create", agentPayload("Smart", "provider", "openai", "model", "gpt-4o-mini"));
        JsonObject smart = payloadOf(a.expect("agent-created")).getAsJsonObject("agent");
        assertEquals("openai", smart.get("provider").getAsString());
        assertEquals("gpt-4o-mini", smart.get("model").getAsString());
        a.expect("event-stream");

        // A select lists the agents, new ones included; a client that comes back is replayed their creation.
        TestClient c = client("ann");
        c.select("", "w", "ann");
        assertEquals(List.of("critic", "quick", "smart"), names(payloadOf(c.expect("connection-confirmed"))
                .getAsJsonArray("agents")).stream().sorted().toList());
        long seq = created.get("seq").getAsLong();
        TestClient back = client("ann");
        back.request("world-select", payload("worldName", "w", "userId", "ann", "lastSeq", seq - 1));
        back.expect("connection-confirmed");
        JsonObject replayed = back.expect("agent-created");
        assertEquals(seq, replayed.get("seq").getAsLong());
        assertEquals(agent, payloadOf(replayed).getAsJsonObject("agent"));
    }

    @Test
    void badAgentsAreRefusedAndChangeNothing() throws Exception {
        WorldLink small = build(b -> b.maxAgentsPerWorld(3).maxSystemPromptChars(100));
        link = small;
        TestClient a = in(client("ann"), "default-world", "w", "ann");
        String before = listing(world("ann", "w"));

        // Where a model is called and with which key is never a client's choice.
        assertEquals("FORBIDDEN", refusal(a, a.request("agent-create", agentPayload("Eve", "baseUrl",
                "http://169.254.169.254/latest"))));
        assertEquals("FORBIDDEN", refusal(a, a.request("agent-create", agentPayload("Eve", "apiKey", "sk-stolen"))));
        assertEquals("FORBIDDEN", refusal(a, a.request("agent-create", agentPayload("Eve", "type", "admin"))));
        assertEquals("FORBIDDEN", refusal(a, a.request("agent-create", agentPayload("Eve", "provider", "ollama"))));
        assertEquals("FORBIDDEN", refusal(a, a.request("agent-create", agentPayload("Eve", "provider",
                "openai-compatible"))));
        assertEquals("FORBIDDEN", refusal(a, a.request("agent-create", agentPayload("Eve", "provider", "openai",
                "model", "gpt-4-expensive"))));
        assertEquals("FORBIDDEN", refusal(a, a.request("agent-create", agentPayload("Eve", "model", "gpt-4o-mini"))),
                "the default provider's allowed models, not another provider's");
        // Names taken, whatever their case, or belonging to people, the system and the world.
        for (String taken : List.of("Ada", "ada", "BEN", " Ben ")) {
            assertEquals("INVALID_NAME", refusal(a, a.request("agent-create", agentPayload(taken))), taken);
        }
        for (String reserved : List.of("Human", "HUMAN", "user", "You", "system", "World")) {
            assertEquals("INVALID_NAME", refusal(a, a.request("agent-create", agentPayload(reserved))), reserved);
        }
        for (String hostile : List.of("../../etc", "a/b", "", "   ", "!!!", "tab\tname", "n".repeat(101))) {
            assertEquals("INVALID_NAME", refusal(a, a.request("agent-create", agentPayload(hostile))), hostile);
        }
        // Sizes and ranges.
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("agent-create", agentPayload("Eve", "systemPrompt",
                "p".repeat(101)))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("agent-create", agentPayload("Eve", "temperature", 2.5))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("agent-create", agentPayload("Eve", "maxTokens", 0))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("agent-create", agentPayload("Eve", "maxTokens",
                8193))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("agent-create", payload("agentName", 7))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("agent-create", payload("systemPrompt", "nameless"))));
        assertEquals("AGENT_NOT_FOUND", refusal(a, a.request("agent-delete", payload("agentName", "nobody"))));
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("agent-delete", new JsonObject())));
        // agent-update keeps to the same prompt limit.
        assertEquals("INVALID_MESSAGE", refusal(a, a.request("agent-update", payload("agentName", "ada", "updates",
                payload("systemPrompt", "p".repeat(101), "status", "inactive")))));
        assertEquals(before, listing(world("ann", "w")));
        assertNull(a.frames.poll(100, TimeUnit.MILLISECONDS), "no event was published");

        // Room for one more agent, then no more.
        a.request("agent-create", agentPayload("Cy", "systemPrompt", "p".repeat(100)));
        a.expect("agent-created");
        a.expect("event-stream");
        JsonObject full = answer(a, a.request("agent-create", agentPayload("Dee")));
        assertEquals("QUOTA_EXCEEDED", code(full));
        assertTrue(contentOf(full).contains("3 agents"), contentOf(full));
        assertFalse(Files.exists(world("ann", "w").resolve("agents/dee")));
    }

    @Test
    void agentDeleteStopsItsReplyAndRemovesItsFolderForEveryClient() throws Exception {
        TestClient a = in(client("ann"), "fast-world", "w", "ann");
        TestClient b = in(client("ann"), "fast-world", "w", "ann");
        a.request("agent-create", agentPayload("Slow", "provider", "stall"));
        a.expect("agent-created");
        a.expect("event-stream");
        b.expect("agent-created");
        b.expect("event-stream");

        a.request("chat-send", payload("message", "@slow take your time"));
        a.until(f -> type(f).equals("chat-response") && !payloadOf(f).get("isComplete").getAsBoolean());
        String id = a.request("agent-delete", payload("agentName", "Slow"));

        List<JsonObject> frames = a.untilIdle();
        JsonObject end = frames.stream().filter(f -> type(f).equals("chat-response")
                && payloadOf(f).get("isComplete").getAsBoolean()).findFirst().orElseThrow();
        assertEquals("slow", payloadOf(end).get("agentName").getAsString());
        assertTrue(payloadOf(end).get("stopped").getAsBoolean(), "its reply is stopped with its text so far");
        assertEquals("Thinking", payloadOf(end).get("content").getAsString());
        JsonObject deleted = frames.stream().filter(f -> type(f).equals("agent-deleted")).findFirst().orElseGet(
                () -> a.expect("agent-deleted"));
        assertEquals(id, deleted.get("replyTo").getAsString());
        assertEquals("slow", payloadOf(deleted).get("agentName").getAsString());
        assertTrue(deleted.get("seq").getAsLong() > 0, "a durable event");
        List<JsonObject> seen = b.until(f -> type(f).equals("agent-deleted"));
        assertFalse(seen.get(seen.size() - 1).has("replyTo"));
        assertFalse(Files.exists(world("ann", "w").resolve("agents/slow")), "its folder is gone");

        // Gone for good: the world goes on without it, and its name is free again.
        assertEquals("AGENT_NOT_FOUND", refusal(a, a.request("agent-update", payload("agentName", "slow", "updates",
                payload("status", "inactive")))));
        a.request("agent-create", agentPayload("Slow"));
        assertEquals("default", payloadOf(a.expect("agent-created")).getAsJsonObject("agent").get("provider")
                .getAsString());
        assertEquals(List.of("quick", "slow"), link.world(as("ann"), "ann", "w").agents().stream()
                .map(AgentSnapshot::id).toList());
        long seq = deleted.get("seq").getAsLong();
        TestClient back = client("ann");
        back.request("world-select", payload("worldName", "w", "userId", "ann", "lastSeq", seq - 1));
        back.expect("connection-confirmed");
        JsonObject replayed = back.expect("agent-deleted");
        assertEquals(seq, replayed.get("seq").getAsLong(), "a client that comes back is replayed the deletion");
    }

    @Test
    void deletingAWorldWithTwoClientsInItTellsBothMovesThemOutAndItsNextLifeIsNew() throws Exception {
        TestClient a = in(client("ann"), "fast-world", "w", "ann");
        TestClient b = in(client("ann"), "fast-world", "w", "ann");
        TestClient elsewhere = in(client("ann"), "fast-world", "other", "ann");
        elsewhere.request("chat-send", payload("message", "written, so that it stays"));
        elsewhere.untilIdle();
        a.request("chat-send", payload("message", "hello"));
        List<JsonObject> turn = a.untilIdle();
        b.untilIdle();
        long lastSeq = turn.stream().filter(f -> f.has("seq")).mapToLong(f -> f.get("seq").getAsLong()).max()
                .orElseThrow();
        String epoch = link.world(as("ann"), "ann", "w").config().metadata().get("worldEpoch");

        String id = a.request("world-delete", new JsonObject());

        JsonObject told = a.expect("world-deleted");
        assertEquals(id, told.get("replyTo").getAsString());
        assertEquals("w", payloadOf(told).get("worldName").getAsString());
        assertEquals("ann", payloadOf(told).get("userId").getAsString());
        JsonObject alsoTold = b.expect("world-deleted");
        assertFalse(alsoTold.has("replyTo"));
        assertFalse(Files.exists(world("ann", "w")), "its folder, log and memories are gone");
        assertTrue(Files.exists(world("ann", "other")), "the user's other worlds stay");
        assertFalse(link.loadedWorlds().contains(new WorldKey(UserId.of("ann"), "w")));
        for (TestClient c : List.of(a, b)) {
            assertEquals("NO_WORLD_SELECTED", refusal(c, c.request("chat-send", payload("message", "anyone?"))));
        }
        assertNull(elsewhere.frames.poll(100, TimeUnit.MILLISECONDS), "a connection in another world is not told");
        assertEquals(List.of("other"), link.worlds(as("ann"), "ann"));

        // Selecting it again makes a new life: a new epoch, and the old seqs replay it from its start.
        b.request("world-select", payload("templateName", "fast-world", "worldName", "w", "userId", "ann",
                "lastSeq", lastSeq, "worldEpoch", epoch));
        JsonObject again = payloadOf(b.expect("connection-confirmed"));
        assertNotEquals(epoch, again.get("worldEpoch").getAsString());
        assertEquals(0, again.get("lastSeq").getAsLong());
        b.request("chat-send", payload("message", "hello again"));
        JsonObject first = b.expect("event-stream");
        assertEquals(1, first.get("seq").getAsLong(), "seqs start again");
        b.untilIdle();

        // A world the requester is not in: its connections are told, the requester is answered; a world that
        // does not exist is WORLD_NOT_FOUND.
        String otherId = a.request("world-delete", payload("userId", "ann", "worldName", "Other"));
        assertEquals(otherId, a.expect("world-deleted").get("replyTo").getAsString());
        assertEquals("world-deleted", type(elsewhere.expect("world-deleted")));
        assertFalse(Files.exists(world("ann", "other")));
        assertEquals("WORLD_NOT_FOUND", refusal(a, a.request("world-delete", payload("userId", "ann",
                "worldName", "other"))));
        assertEquals("NO_WORLD_SELECTED", refusal(a, a.request("world-delete", new JsonObject())));
    }

    @Test
    void deletingAWorldCancelsItsTurnInProgress() throws Exception {
        TestClient a = in(client("ann"), "fast-world", "w", "ann");
        a.request("agent-create", agentPayload("Slow", "provider", "stall"));
        a.expect("agent-created");
        a.expect("event-stream");
        a.request("chat-send", payload("message", "@slow go on"));
        a.until(f -> type(f).equals("chat-response"));

        a.request("world-delete", new JsonObject());

        a.until(f -> type(f).equals("world-deleted"));
        assertEquals(0, link.stats().activeModelCalls(), "the stalled call is cancelled");
        assertFalse(Files.exists(world("ann", "w")));
        assertNull(a.frames.poll(100, TimeUnit.MILLISECONDS), "nothing of the world comes after");
    }

    @Test
    void someoneElsesWorldsAreNotTheirsToManage() throws Exception {
        TestClient ann = in(client("ann"), "fast-world", "w", "ann");
        String before = listing(root.resolve("users/ann"));
        TestClient bob = client("bob");
        TestClient nobody = new TestClient(link);

        for (TestClient c : List.of(bob, nobody)) {
            String expected = c == bob ? "FORBIDDEN" : "AUTH_REQUIRED";
            assertEquals(expected, refusal(c, c.request("world-create", payload("userId", "ann", "worldName", "x"))));
            assertEquals(expected, refusal(c, c.request("world-list", payload("userId", "ann"))));
            assertEquals(expected, refusal(c, c.request("world-delete", payload("userId", "ann", "worldName", "w"))));
        }
        // A connection that is in no world names the user it means.
        assertEquals("INVALID_MESSAGE", refusal(bob, bob.request("world-create", payload("worldName", "x"))));
        assertEquals("NO_WORLD_SELECTED", refusal(bob, bob.request("world-update", payload("turnLimit", 2))));
        assertEquals("NO_WORLD_SELECTED", refusal(bob, bob.request("agent-create", agentPayload("Eve"))));
        assertEquals("NO_WORLD_SELECTED", refusal(bob, bob.request("agent-delete", payload("agentName", "quick"))));

        assertEquals(before, listing(root.resolve("users/ann")));
        assertNull(ann.frames.poll(100, TimeUnit.MILLISECONDS), "ann's world saw nothing");
        assertFalse(Files.exists(root.resolve("users/bob")));
    }

    @Test
    void anAnonymousUserCreatesWorldsWithinTheirLimitOnly() {
        String user = UUID.randomUUID().toString();
        TestClient c = in(new TestClient(link), "fast-world", "first", user);
        for (String name : List.of("second", "third")) {
            c.request("world-create", payload("worldName", name));
            assertEquals(name, payloadOf(c.expect("world-created")).get("worldName").getAsString());
        }

        JsonObject refused = answer(c, c.request("world-create", payload("worldName", "fourth",
                "templateName", "default-world")));

        assertEquals("QUOTA_EXCEEDED", code(refused));
        assertTrue(contentOf(refused).contains("first, second, third"), contentOf(refused));
        assertFalse(Files.exists(world(user, "fourth")), "nothing is created");
        assertEquals("AUTH_REQUIRED", refusal(c, c.request("world-create", payload("userId", "ann",
                "worldName", "mine"))), "an anonymous user manages only their own worlds");

        // Deleting one makes room again.
        c.request("world-delete", payload("worldName", "second"));
        c.expect("world-deleted");
        c.request("world-create", payload("worldName", "fourth"));
        c.expect("world-created");
        assertEquals(List.of("first", "fourth", "third"), link.worlds(Identity.ANONYMOUS, user));
    }

    @Test
    void hostileWorldNamesAreRefusedAndNothingIsWritten() {
        TestClient ann = client("ann");
        for (String name : List.of("../bob", "..", "a/b", "a\\b", "", "   ", "\u0000x", "w".repeat(101))) {
            assertEquals("INVALID_NAME", refusal(ann, ann.request("world-create", payload("userId", "ann",
                    "worldName", name))), name);
            assertEquals("INVALID_NAME", refusal(ann, ann.request("world-delete", payload("userId", "ann",
                    "worldName", name))), name);
        }
        assertEquals("INVALID_NAME", refusal(ann, ann.request("world-create", payload("userId", "ann",
                "worldName", "fine", "templateName", "../worlds"))));
        assertEquals("TEMPLATE_NOT_FOUND", refusal(ann, ann.request("world-create", payload("userId", "ann",
                "worldName", "fine", "templateName", "no-such-template"))));
        assertEquals("INVALID_MESSAGE", refusal(ann, ann.request("world-create", payload("userId", "ann",
                "worldName", "fine", "description", "d".repeat(2001)))));
        assertEquals("INVALID_NAME", refusal(ann, ann.request("world-create", payload("userId", "../ann",
                "worldName", "fine"))));
        assertFalse(Files.exists(root.resolve("users/ann")), "nothing was written");
    }

    @Test
    void theHostManagesWorldsAndAgentsWithFuturesThatFailInsteadOfThrowing() throws Exception {
        Identity ann = as("ann");
        WorldSnapshot made = link.createWorld(ann, "ann", "Host World", null, "Made by the host.").get(10,
                TimeUnit.SECONDS);
        assertEquals("host-world", made.config().id());
        assertEquals("Host World", made.config().name());
        assertEquals(List.of(), made.agents());
        TestClient c = in(client("ann"), "", "host-world", "ann");

        AgentSnapshot agent = link.createAgent(ann, "ann", "host-world", new NewAgent("Helper", "You help."))
                .get(10, TimeUnit.SECONDS);
        assertEquals("helper", agent.id());
        assertEquals("You help.", payloadOf(c.expect("agent-created")).getAsJsonObject("agent")
                .get("systemPrompt").getAsString());
        c.expect("event-stream");

        WorldConfig config = link.updateWorld(ann, "ann", "host-world", new WorldUpdate(null, null, 7))
                .get(10, TimeUnit.SECONDS);
        assertEquals(7, config.turnLimit());
        assertEquals("Host World", config.name());
        assertEquals(7, payloadOf(c.expect("world-updated")).getAsJsonObject("world").get("turnLimit").getAsInt());
        c.expect("event-stream");

        link.deleteAgent(ann, "ann", "host-world", "Helper").get(10, TimeUnit.SECONDS);
        assertEquals("helper", payloadOf(c.expect("agent-deleted")).get("agentName").getAsString());
        c.expect("event-stream");

        // A world that is not loaded is loaded for the moment, as for notices.
        link.createWorld(ann, "ann", "Second", "fast-world", null).get(10, TimeUnit.SECONDS);
        link.createAgent(ann, "ann", "second", new NewAgent("Extra", "")).get(10, TimeUnit.SECONDS);
        assertEquals(List.of("extra", "quick"), link.world(ann, "ann", "second").agents().stream()
                .map(AgentSnapshot::id).toList());

        link.deleteWorld(ann, "ann", "host-world").get(10, TimeUnit.SECONDS);
        assertNull(c.expect("world-deleted").get("replyTo"));
        assertEquals(List.of("second"), link.worlds(ann, "ann"));

        // Refusals fail the future; nothing throws.
        assertFailsWith(ErrorCode.AUTH_REQUIRED, link.createWorld(Identity.ANONYMOUS, "ann", "x", null, null));
        assertFailsWith(ErrorCode.FORBIDDEN, link.deleteWorld(as("bob"), "ann", "second"));
        assertFailsWith(ErrorCode.INVALID_NAME, link.createWorld(ann, "ann", "../x", null, null));
        assertFailsWith(ErrorCode.INVALID_NAME, link.createWorld(ann, "ann", "Second", null, null));
        assertFailsWith(ErrorCode.WORLD_NOT_FOUND, link.updateWorld(ann, "ann", "gone", new WorldUpdate("x", null,
                null)));
        assertFailsWith(ErrorCode.WORLD_NOT_FOUND, link.deleteWorld(ann, "ann", "host-world"));
        assertFailsWith(ErrorCode.INVALID_MESSAGE, link.updateWorld(ann, "ann", "second", new WorldUpdate(null, null,
                null)));
        assertFailsWith(ErrorCode.FORBIDDEN, link.createAgent(ann, "ann", "second", new NewAgent("Eve", "", "ollama",
                null, null, null)));
        assertFailsWith(ErrorCode.AGENT_NOT_FOUND, link.deleteAgent(ann, "ann", "second", "nobody"));
        assertInstanceOf(NullPointerException.class, assertThrowsExecution(link.createAgent(ann, "ann", "second",
                null)));
        assertInstanceOf(NullPointerException.class, assertThrowsExecution(link.deleteWorld(null, "ann", "second")));
    }

    @Test
    void aHostReadsTheRequestsAndWritesTheAgentsThatClientsSendAndReceive() throws Exception {
        assertEquals(new NewAgent("Critic", "Be fair.", "openai", "gpt-4o-mini", 0.5, 200), NewAgent.fromJson(
                "{\"agentName\": \"Critic\", \"systemPrompt\": \"Be fair.\", \"provider\": \"openai\", "
                        + "\"model\": \"gpt-4o-mini\", \"temperature\": 0.5, \"maxTokens\": 200}"));
        assertRefused(ErrorCode.FORBIDDEN, () -> NewAgent.fromJson("{\"agentName\": \"Eve\", \"apiKey\": \"sk-x\"}"));
        assertRefused(ErrorCode.INVALID_JSON, () -> NewAgent.fromJson("{\"agentName\": "));
        assertRefused(ErrorCode.INVALID_MESSAGE, () -> NewAgent.fromJson("[\"Eve\"]"));
        assertRefused(ErrorCode.INVALID_MESSAGE, () -> NewAgent.fromJson("{}"));
        assertRefused(ErrorCode.INVALID_MESSAGE, () -> NewAgent.fromJson("{\"agentName\": \"Eve\", "
                + "\"maxTokens\": 1.5}"));

        assertEquals(new WorldUpdate("New", null, 7), WorldUpdate.fromJson("{\"name\": \"New\", \"turnLimit\": 7}"));
        assertRefused(ErrorCode.FORBIDDEN, () -> WorldUpdate.fromJson("{\"metadata\": {}}"));
        assertRefused(ErrorCode.INVALID_JSON, () -> WorldUpdate.fromJson("turnLimit=7"));
        assertRefused(ErrorCode.INVALID_MESSAGE, () -> WorldUpdate.fromJson("{}"));
        assertRefused(ErrorCode.INVALID_MESSAGE, () -> WorldUpdate.fromJson("{\"turnLimit\": \"7\"}"));

        // What the host writes for an agent is what every client of the world receives for it.
        TestClient c = in(client("ann"), "fast-world", "w", "ann");
        AgentSnapshot made = link.createAgent(as("ann"), "ann", "w", NewAgent.fromJson("{\"agentName\": \"Critic\", "
                + "\"systemPrompt\": \"Be <fair> & kind.\", \"temperature\": 0.5}")).get(10, TimeUnit.SECONDS);
        assertEquals(payloadOf(c.expect("agent-created")).getAsJsonObject("agent"),
                JsonParser.parseString(made.toClientJson()));

        // Neither its memory nor a key among its config's extra fields goes out.
        AgentConfig keyed = new AgentConfig("eve", "Eve", null, null, "openai", "gpt-4o-mini", null, null, false, 2,
                null, null, null, Map.of("apiKey", "\"sk-secret\""));
        String json = new AgentSnapshot(keyed, "", List.of(MemoryMessage.of(MemoryMessage.USER, "my diary", "ann",
                "m1", null, null, Chat.FIRST_ID))).toClientJson();
        assertFalse(json.contains("sk-secret"), json);
        assertFalse(json.contains("my diary"), json);
        assertEquals(1, JsonParser.parseString(json).getAsJsonObject().get("memorySize").getAsInt());
    }

    static void assertRefused(ErrorCode code, Executable read) {
        assertEquals(code, assertThrows(WorldLinkException.class, read).code());
    }

    static void assertFailsWith(ErrorCode code, CompletableFuture<?> future) {
        Throwable cause = assertThrowsExecution(future);
        assertInstanceOf(WorldLinkException.class, cause, String.valueOf(cause));
        assertEquals(code, ((WorldLinkException) cause).code(), cause.getMessage());
    }

    static Throwable assertThrowsExecution(CompletableFuture<?> future) {
        try {
            future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("the future did not fail");
    }

    static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
