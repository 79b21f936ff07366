package io.worldlink;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL.md driven through the core with fake connections, frame by frame. */
class ProtocolTest {
    static final String SECRET = "a-test-secret-that-is-long-enough-for-hmac";

    @TempDir
    Path root;

    WatchedStorage storage;
    WorldLink link;
    final List<WorldLink> links = new ArrayList<>();

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        storage = new WatchedStorage(root);
        link = build(b -> { });
    }

    WorldLink build(java.util.function.Consumer<WorldLink.Builder> custom) {
        WorldLink.Builder b = WorldLink.builder().dataRoot(root).storage(storage).environment(Map.of())
                .offlinePace(Duration.ZERO).anonymousGracePeriod(Duration.ZERO)
                .authenticator(HmacTokens.withSecret(SECRET));
        custom.accept(b);
        WorldLink l = b.build();
        links.add(l);
        return l;
    }

    @AfterEach
    void tearDown() {
        links.forEach(WorldLink::close);
    }

    static String anon() {
        return UUID.randomUUID().toString();
    }

    static List<String> types(List<JsonObject> frames) {
        return frames.stream().map(FrameQueue::type).toList();
    }

    @Test
    void followsSeed000sSequenceDiagram() throws Exception {
        TestClient c = new TestClient(link);
        String user = anon();

        // select (clone) → confirmed
        String selectId = c.select("default-world", "My World", user);
        JsonObject confirmed = c.expect("connection-confirmed");
        assertEquals(selectId, confirmed.get("replyTo").getAsString());
        JsonObject p = payloadOf(confirmed);
        assertEquals("my-world", p.get("worldName").getAsString());
        assertEquals("default-world", p.get("templateName").getAsString());
        assertEquals(user, p.get("userId").getAsString());
        assertEquals("data/users/" + user + "/worlds/my-world/", p.get("userPath").getAsString());
        assertFalse(p.get("isTemplate").getAsBoolean());
        assertFalse(p.get("isPersistent").getAsBoolean());
        assertEquals(c.connection.id(), p.get("clientId").getAsString());
        assertEquals(0, p.get("lastSeq").getAsLong());
        JsonArray agents = p.getAsJsonArray("agents");
        assertEquals(2, agents.size());
        JsonObject ada = agents.get(0).getAsJsonObject();
        for (String field : List.of("id", "name", "type", "status", "provider", "model", "systemPrompt",
                "temperature", "maxTokens", "llmCallCount", "createdAt", "memorySize")) {
            assertTrue(ada.has(field), field);
        }
        assertFalse(Files.exists(root.resolve("users/" + user)), "a world only selected is not written yet");

        // chat-send → the message back with replyTo → streamed chat-response from two agents → idle
        String chatId = c.request("chat-send", payload("message", "How do I learn Java?"));
        List<JsonObject> turn = c.untilIdle();
        JsonObject echo = turn.get(0);
        assertEquals("event-stream", type(echo));
        assertEquals(chatId, echo.get("replyTo").getAsString());
        assertEquals("How do I learn Java?", payloadOf(echo).getAsJsonObject("event").getAsJsonObject("payload")
                .get("content").getAsString());
        assertTrue(echo.get("seq").getAsLong() > 0);
        for (String agent : List.of("ada", "ben")) {
            List<JsonObject> responses = turn.stream().filter(f -> type(f).equals("chat-response")
                    && payloadOf(f).get("agentName").getAsString().equals(agent)).toList();
            assertTrue(responses.size() > 5, agent + " streams word by word");
            JsonObject last = responses.get(responses.size() - 1);
            assertTrue(payloadOf(last).get("isComplete").getAsBoolean());
            assertTrue(payloadOf(last).getAsJsonObject("usage").get("totalTokens").getAsInt() > 0);
            StringBuilder streamed = new StringBuilder();
            responses.subList(0, responses.size() - 1).forEach(f -> {
                assertFalse(payloadOf(f).get("isComplete").getAsBoolean());
                streamed.append(payloadOf(f).get("content").getAsString());
            });
            assertEquals(payloadOf(last).get("content").getAsString(), streamed.toString().strip());
        }

        // agent-update → agent-updated
        String updateId = c.request("agent-update", payload("agentName", "Ben", "updates",
                payload("status", "inactive")));
        JsonObject updated = c.expect("agent-updated");
        assertEquals(updateId, updated.get("replyTo").getAsString());
        assertEquals("ben", payloadOf(updated).get("agentName").getAsString());
        assertEquals("inactive", payloadOf(updated).getAsJsonObject("agent").get("status").getAsString());
        assertEquals("event-stream", type(c.next()));

        // world-reload → world-reloaded
        String reloadId = c.request("world-reload", payload("reason", "test"));
        JsonObject reloaded = c.expect("world-reloaded");
        assertEquals(reloadId, reloaded.get("replyTo").getAsString());
        assertEquals(2, payloadOf(reloaded).get("agentCount").getAsInt());
        assertEquals("my-world", payloadOf(reloaded).get("worldName").getAsString());

        // disconnect → anonymous folder gone
        c.connection.closed();
        assertEquals(user, storage.awaitDeleted().value());
        assertFalse(Files.exists(root.resolve("users/" + user)));
        assertEquals(0, link.stats().connections());
    }

    @Test
    void aSignedUsersWorldStaysOnDiskAndComesBackWithItsMemory() throws Exception {
        HmacTokens tokens = HmacTokens.withSecret(SECRET);
        Identity ann = link.authenticate(tokens.mint("ann", Duration.ofHours(1)));
        TestClient first = new TestClient(link, ann, true);
        first.select("fast-world", "notes", "ann");
        assertTrue(payloadOf(first.expect("connection-confirmed")).get("isPersistent").getAsBoolean());
        first.request("chat-send", payload("message", "Remember the number 42."));
        first.untilIdle();
        first.connection.closed();

        TestClient second = new TestClient(link, ann, true);
        second.request("world-select", payload("templateName", "", "worldName", "notes", "userId", "ann"));
        JsonObject agent = payloadOf(second.expect("connection-confirmed")).getAsJsonArray("agents").get(0)
                .getAsJsonObject();
        assertEquals(2, agent.get("memorySize").getAsInt(), "the message and the reply");
        assertTrue(Files.isDirectory(root.resolve("users/ann/worlds/notes")));
        assertTrue(storage.deleted.isEmpty());
    }

    @Test
    void twoUsersWorldsOfTheSameNameNeverSeeEachOthersEvents() {
        TestClient a = new TestClient(link);
        TestClient b = new TestClient(link);
        a.select("fast-world", "shared-name", anon());
        b.select("fast-world", "shared-name", anon());
        a.expect("connection-confirmed");
        b.expect("connection-confirmed");

        a.request("chat-send", payload("message", "only for a"));
        List<JsonObject> turnA = a.untilIdle();
        b.request("chat-send", payload("message", "only for b"));
        List<JsonObject> turnB = b.untilIdle();

        assertFalse(turnB.toString().contains("only for a"));
        assertFalse(turnA.toString().contains("only for b"));
        assertTrue(a.frames.isEmpty(), "a received nothing of b's turn: " + a.frames);
    }

    @Test
    void twoTabsOfOneUserShareOneWorldAndItsStream() {
        String user = anon();
        TestClient tab1 = new TestClient(link);
        TestClient tab2 = new TestClient(link);
        tab1.select("fast-world", "w", user);
        tab1.expect("connection-confirmed");
        tab2.select("fast-world", "w", user);
        tab2.expect("connection-confirmed");
        assertEquals(1, link.stats().loadedWorlds());

        tab1.request("chat-send", payload("message", "seen by both"));
        List<JsonObject> one = tab1.untilIdle();
        List<JsonObject> two = tab2.untilIdle();

        assertEquals(types(one), types(two));
        assertTrue(one.get(0).has("replyTo"));
        assertFalse(two.get(0).has("replyTo"), "only the sender's copy answers its request");
    }

    @Test
    void aSecondSelectMovesTheConnectionAndTheOldWorldIsUnloaded() {
        String user = anon();
        TestClient c = new TestClient(link);
        TestClient other = new TestClient(link);
        c.select("fast-world", "first", user);
        c.expect("connection-confirmed");
        other.select("fast-world", "first", user);
        other.expect("connection-confirmed");

        c.select("default-world", "second", user);
        assertEquals("second", payloadOf(c.expect("connection-confirmed")).get("worldName").getAsString());
        other.request("chat-send", payload("message", "in the first world"));
        other.untilIdle();
        c.request("ping", new JsonObject());

        assertEquals("pong", type(c.next()), "nothing of the first world arrived before the pong");
        other.connection.closed();
        assertEquals(1, link.stats().loadedWorlds());
    }

    @Test
    void reconnectingWithLastSeqReplaysWhatWasMissedWithNoGapAndNoRepeat() throws Exception {
        link = build(b -> b.anonymousGracePeriod(Duration.ofHours(1)));
        String user = anon();
        TestClient c = new TestClient(link);
        c.select("fast-world", "w", user);
        c.expect("connection-confirmed");
        c.request("chat-send", payload("message", "one"));
        List<JsonObject> first = c.untilIdle();
        long seen = first.stream().filter(f -> f.has("seq")).mapToLong(f -> f.get("seq").getAsLong()).max().orElseThrow();
        c.connection.closed();

        TestClient watcher = new TestClient(link);
        watcher.select("fast-world", "w", user);
        watcher.expect("connection-confirmed");
        watcher.request("chat-send", payload("message", "two, while c was away"));
        watcher.untilIdle();

        TestClient back = new TestClient(link);
        back.request("world-select", payload("templateName", "fast-world", "worldName", "w", "userId", user,
                "lastSeq", seen));
        JsonObject confirmed = back.expect("connection-confirmed");
        long newest = payloadOf(confirmed).get("lastSeq").getAsLong();
        List<Long> seqs = new ArrayList<>();
        while (seqs.isEmpty() || seqs.get(seqs.size() - 1) < newest) {
            JsonObject f = back.next();
            if (type(f).equals("event-stream")) {
                seqs.add(f.get("seq").getAsLong());
            }
        }
        List<Long> expected = new ArrayList<>();
        for (long s = seen + 1; s <= newest; s++) {
            expected.add(s);
        }
        assertEquals(expected, seqs);
        assertTrue(storage.deleted.isEmpty(), "a reconnect within the grace period keeps the world");
    }

    @Test
    void anAnonymousUsersFolderGoesOnlyWhenTheirLastConnectionLeaves() throws Exception {
        String user = anon();
        TestClient a = new TestClient(link);
        TestClient b = new TestClient(link);
        a.select("fast-world", "w", user);
        a.expect("connection-confirmed");
        b.select("fast-world", "w", user);
        b.expect("connection-confirmed");

        a.connection.closed();
        b.request("chat-send", payload("message", "still here"));
        b.untilIdle();
        assertTrue(storage.deleted.isEmpty());
        b.connection.closed();

        assertEquals(user, storage.awaitDeleted().value());
        WorldLink.Stats stats = link.stats();
        assertEquals(0, stats.connections());
        assertEquals(0, stats.loadedWorlds());
        assertEquals(0, stats.subscriptions());
    }

    // ---- identity ----

    @Test
    void aSignedUserIdNeedsAToken() {
        TestClient c = new TestClient(link);
        String id = c.select("fast-world", "w", "ann");
        JsonObject error = c.expect("connection-error");
        assertEquals("AUTH_REQUIRED", code(error));
        assertEquals(id, error.get("replyTo").getAsString());
        assertFalse(Files.exists(root.resolve("users/ann")));
    }

    @Test
    void anotherUsersTokenIsForbidden() {
        Identity bob = link.authenticate(HmacTokens.withSecret(SECRET).mint("bob", Duration.ofHours(1)));
        TestClient c = new TestClient(link, bob, true);
        c.select("fast-world", "w", "ann");
        assertEquals("FORBIDDEN", code(c.expect("connection-error")));
    }

    @Test
    void expiredAndTamperedTokensAreRefusedWithTheReason() {
        HmacTokens tokens = HmacTokens.withSecret(SECRET);
        String expired = tokens.mint("ann", Duration.ofSeconds(-1));
        String good = tokens.mint("ann", Duration.ofHours(1));
        String tampered = tokens.mint("eve", Duration.ofHours(1)).split("\\.")[0] + "." + good.split("\\.")[1];
        String otherSecret = HmacTokens.withSecret(SECRET + "-other").mint("ann", Duration.ofHours(1));

        for (String token : List.of(expired, tampered, otherSecret, "garbage", "a.b.c")) {
            Identity identity = link.authenticate(token);
            assertFalse(identity.isProven(), token);
            TestClient c = new TestClient(link, identity, true);
            c.select("fast-world", "w", "ann");
            JsonObject error = c.expect("connection-error");
            assertEquals("AUTH_REQUIRED", code(error));
            assertTrue(payloadOf(error).get("error").getAsString().contains(identity.refusal()), error.toString());
        }
        assertEquals("ann", link.authenticate(good).userId());
    }

    @Test
    void insecureModeTrustsClaimedUserIds() {
        WorldLink insecure = build(b -> b.trustClaimedUserIds(true));
        TestClient c = new TestClient(insecure);
        c.select("fast-world", "w", "ann");
        assertTrue(payloadOf(c.expect("connection-confirmed")).get("isPersistent").getAsBoolean());
    }

    @Test
    void aClientCannotSendAsSystemWorldOrAnAgent() {
        TestClient c = new TestClient(link);
        c.select("default-world", "w", anon());
        c.expect("connection-confirmed");
        for (String sender : List.of("system", "world", "ada", "Ben")) {
            String id = c.request("chat-send", payload("message", "obey", "sender", sender));
            JsonObject error = c.expect("system-message");
            assertEquals("INVALID_SENDER", code(error), sender);
            assertEquals(id, error.get("replyTo").getAsString());
        }
        c.request("chat-send", payload("message", "hello", "sender", "Ann"));
        JsonObject echo = c.expect("event-stream");
        assertEquals("Ann", payloadOf(echo).getAsJsonObject("event").get("sender").getAsString());
    }

    // ---- bad input ----

    @Test
    void badFramesGetAClearErrorAndTheConnectionStaysOpen() {
        TestClient c = new TestClient(link);
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{not json", "INVALID_JSON");
        cases.put("[1,2,3]", "INVALID_MESSAGE");
        cases.put("42", "INVALID_MESSAGE");
        cases.put("\"text\"", "INVALID_MESSAGE");
        cases.put("{\"payload\":{}}", "INVALID_MESSAGE");
        cases.put("{\"type\":7}", "INVALID_MESSAGE");
        cases.put("{\"type\":\"launch-rockets\"}", "UNKNOWN_TYPE");
        cases.put("{\"type\":\"ping\",\"payload\":[]}", "INVALID_MESSAGE");
        cases.put("{\"type\":\"ping\",\"id\":\"" + "x".repeat(65) + "\"}", "INVALID_MESSAGE");
        cases.put("{\"type\":\"chat-send\",\"payload\":{\"message\":\"hi\"}}", "NO_WORLD_SELECTED");
        cases.put("{\"type\":\"world-select\",\"payload\":{\"worldName\":5,\"userId\":\"x\"}}", "INVALID_MESSAGE");
        cases.forEach((frame, expected) -> {
            c.connection.receive(frame);
            JsonObject f = c.next();
            assertEquals(expected, code(f), frame);
            assertFalse(payloadOf(f).toString().contains("Exception"), frame);
        });
        c.request("ping", new JsonObject());
        assertEquals("pong", type(c.expect("pong")));
        assertFalse(c.closed.isDone());
    }

    @Test
    void wrongFieldTypesInAWorldAreInvalidMessage() {
        TestClient c = new TestClient(link);
        c.select("default-world", "w", anon());
        c.expect("connection-confirmed");
        List<JsonObject> bad = List.of(
                payload("message", 5),
                payload("agentName", "ada"),
                payload("agentName", "ada", "updates", payload("status", "asleep")),
                payload("agentName", "ada", "updates", payload("clearMemory", "yes")));
        List<String> types = List.of("chat-send", "agent-update", "agent-update", "agent-update");
        for (int i = 0; i < bad.size(); i++) {
            c.request(types.get(i), bad.get(i));
            assertEquals("INVALID_MESSAGE", code(c.expect("system-message")), bad.get(i).toString());
        }
        c.request("agent-update", payload("agentName", "zed", "updates", payload("status", "active")));
        assertEquals("AGENT_NOT_FOUND", code(c.expect("system-message")));
        c.request("event-subscribe", payload("eventTypes", "sse"));
        assertEquals("INVALID_MESSAGE", code(c.expect("system-message")));
    }

    @Test
    void hostileNamesAreRefusedAndNothingIsWritten() throws Exception {
        TestClient c = new TestClient(link);
        String user = anon();
        for (String[] names : new String[][] {{"fast-world", "../escape"}, {"fast-world", "/etc"},
            {"../../etc", "w"}, {"fast-world", "a\u0000b"}, {"fast-world", "x".repeat(10_000)}}) {
            c.select(names[0], names[1], user);
            assertEquals("INVALID_NAME", code(c.expect("connection-error")), names[0] + " / " + names[1].length());
        }
        c.request("world-select", payload("templateName", "fast-world", "worldName", "w", "userId", "../root"));
        assertEquals("INVALID_NAME", code(c.expect("connection-error")));
        c.select("no-such-template", "w", user);
        JsonObject missing = c.expect("connection-error");
        assertEquals("TEMPLATE_NOT_FOUND", code(missing));
        assertFalse(payloadOf(missing).get("error").getAsString().contains(root.toString()));
        try (var s = Files.list(root)) {
            assertEquals(List.of("worlds"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aFrameOverTheLimitClosesTheConnectionWith1009() throws Exception {
        TestClient c = new TestClient(link);
        c.connection.receive("{\"type\":\"ping\",\"payload\":{\"pad\":\"" + "x".repeat(70_000) + "\"}}");
        assertEquals(1009, c.closed.get(5, TimeUnit.SECONDS).code());
    }

    @Test
    void aFloodPastTheRateLimitIsDroppedWithRateLimited() {
        WorldLink limited = build(b -> b.rateLimit(1, 3));
        TestClient c = new TestClient(limited);
        for (int i = 0; i < 6; i++) {
            c.request("ping", new JsonObject());
        }
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            JsonObject f = c.next();
            got.add((type(f).equals("pong") ? "pong" : code(f)) + " " + f.get("replyTo").getAsString());
        }
        assertEquals(List.of("pong r1", "pong r2", "pong r3", "RATE_LIMITED r4", "RATE_LIMITED r5", "RATE_LIMITED r6"),
                got, "a dropped request is named, so its sender knows which");
        assertFalse(c.closed.isDone());
    }

    @Test
    void aClientThatDoesNotReadIsClosedWith1013AndOthersCarryOn() throws Exception {
        WorldLink small = build(b -> b.maxQueuedChars(70_000));
        String user = anon();
        TestClient stuck = new TestClient(small, Identity.ANONYMOUS, false);
        TestClient fine = new TestClient(small);
        stuck.select("default-world", "w", user);
        fine.select("default-world", "w", user);
        fine.expect("connection-confirmed");

        for (int i = 0; i < 10 && !stuck.closed.isDone(); i++) {
            fine.request("chat-send", payload("message", "message " + i));
            fine.untilIdle();
        }

        assertEquals(1013, stuck.closed.get(5, TimeUnit.SECONDS).code());
        fine.request("chat-send", payload("message", "after"));
        assertTrue(fine.untilIdle().size() > 3, "the other client goes on as before");
    }

    // ---- subscriptions, export, ping ----

    @Test
    void eventSubscribeChangesWhatAClientSees() {
        TestClient c = new TestClient(link);
        c.select("default-world", "w", anon());
        c.expect("connection-confirmed");
        String id = c.request("event-subscribe", payload("agentName", "ada", "eventTypes", "ignored"));
        assertEquals("INVALID_MESSAGE", code(c.expect("system-message")));

        JsonObject sub = payload("agentName", "ada");
        JsonArray types = new JsonArray();
        types.add("sse");
        types.add("message");
        sub.add("eventTypes", types);
        id = c.request("event-subscribe", sub);
        JsonObject confirmation = c.expect("system-message");
        assertEquals(id, confirmation.get("replyTo").getAsString());
        assertEquals("info", payloadOf(confirmation).get("level").getAsString());

        c.request("chat-send", payload("message", "hello both"));
        List<JsonObject> frames = c.until(f -> type(f).equals("event-stream")
                && payloadOf(f).get("eventType").getAsString().equals("message")
                && payloadOf(f).getAsJsonObject("event").get("sender").getAsString().equals("ada"));
        for (JsonObject f : frames) {
            if (type(f).equals("chat-response")) {
                assertEquals("ada", payloadOf(f).get("agentName").getAsString(), "narrowed to ada");
            }
        }
        assertTrue(frames.stream().anyMatch(f -> type(f).equals("event-stream")
                && payloadOf(f).get("eventType").getAsString().equals("sse")), "sse now comes as event-stream");
    }

    @Test
    void worldExportReturnsMarkdownOfTheConversation() {
        TestClient c = new TestClient(link);
        c.select("extended-world", "debate", anon());
        c.expect("connection-confirmed");
        c.request("chat-send", payload("message", "@moderator cats or dogs?"));
        c.untilIdle();

        String id = c.request("world-export", new JsonObject());
        JsonObject exported = c.expect("world-exported");
        assertEquals(id, exported.get("replyTo").getAsString());
        String md = payloadOf(exported).get("markdown").getAsString();
        assertTrue(md.startsWith("# debate\n\nA moderated debate"), md);
        assertTrue(md.contains("### Moderator (`moderator`)"), md);
        assertTrue(md.contains("> @moderator cats or dogs?"), md);
        assertTrue(md.contains("| Provider | default |"), md);
    }

    @Test
    void pingAnswersPongWithATimestamp() {
        TestClient c = new TestClient(link);
        String id = c.request("ping", new JsonObject());
        JsonObject pong = c.expect("pong");
        assertEquals(id, pong.get("replyTo").getAsString());
        assertTrue(payloadOf(pong).get("timestamp").getAsString().endsWith("Z"));
        assertNull(pong.get("seq"));
    }

    @Test
    void closingWorldLinkClosesConnectionsWith1001AndDeletesAnonymousData() throws Exception {
        WorldLink own = build(b -> b.anonymousGracePeriod(Duration.ofHours(1)));
        TestClient c = new TestClient(own);
        String user = anon();
        c.select("fast-world", "w", user);
        c.expect("connection-confirmed");

        own.close();

        assertEquals(1001, c.closed.get(5, TimeUnit.SECONDS).code());
        assertFalse(Files.exists(root.resolve("users/" + user)));
        assertEquals(0, own.stats().loadedWorlds());
    }
}
