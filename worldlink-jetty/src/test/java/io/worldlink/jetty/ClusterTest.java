package io.worldlink.jetty;

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
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.redis.ClusterNode;
import io.worldlink.redis.RedisServerProcess;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode end to end, with real parts: a real {@code redis-server}, two WorldLink nodes over one data
 * root (Jetty servers in this JVM, or launcher processes where a node must die as a crash kills it) and real
 * WebSocket clients. Clients of one world on different nodes see the same durable events once each, in seq
 * order, and the log holds each seq once, through a reconnect to the other node, the owner's death, a node
 * cut off from Redis for a moment and a restart of Redis.
 */
class ClusterTest {
    /** How long any one thing may take: generous, as a takeover waits for the dead owner's lease to run out. */
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String DEBATE = "@moderator Remote work beats the office";

    @TempDir
    Path root;
    @TempDir
    Path redisDir;

    RedisServerProcess redis;
    WebSocketContainer container;
    final HttpClient http = HttpClient.newHttpClient();
    final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        redis = RedisServerProcess.start(redisDir);
        container = ContainerProvider.getWebSocketContainer();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        LifeCycle.stop(container);
        redis.close();
    }

    @Test
    void clientsOnTwoNodesSeeTheSameDurableEventsOnceInTheSameOrder() throws Exception {
        Node a = node("node-a", redis.uri(), Duration.ofMinutes(1));
        Node b = node("node-b", redis.uri(), Duration.ofMinutes(1));
        String user = UUID.randomUUID().toString();
        Member onA = enter(a.uri(), "default-world", user, "w", -1, null);
        Member onB = enter(b.uri(), "default-world", user, "w", -1, null);

        String one = onB.send("hello from b");
        onA.idleOf(one);
        onB.idleOf(one);
        String two = onA.send("and from a");
        onA.idleOf(two);
        onB.idleOf(two);

        List<Logged> log = log(user, "w");
        assertTrue(log.size() >= 6, "two turns of two agents each: " + log);
        onA.sawExactly(log);
        onB.sawExactly(log);
        assertEquals(onA.shown(), onB.shown(), "the same events, in the same order");
        assertTrue(owner(user, "w").startsWith("node-a:"), "the world runs where it was first selected");
    }

    @Test
    void aChainOfAgentRepliesStartedOnOneNodeStreamsToAClientOnTheOther() throws Exception {
        Node a = node("node-a", redis.uri(), Duration.ofMinutes(1));
        Node b = node("node-b", redis.uri(), Duration.ofMinutes(1));
        String user = UUID.randomUUID().toString();
        Member onA = enter(a.uri(), "extended-world", user, "debate", -1, null);
        Member onB = enter(b.uri(), "extended-world", user, "debate", -1, null);

        String topic = onA.send(DEBATE);
        onA.idleOf(topic);
        onB.idleOf(topic);

        List<String> speakers = onB.agentMessages().stream().map(m -> m.get("sender").getAsString()).toList();
        assertEquals(List.of("moderator", "pro", "moderator", "con", "moderator", "pro", "moderator", "con",
                "moderator"), speakers, "the whole chain reached node b");
        assertEquals(onA.shown(), onB.shown());
        // Each reply streamed to node b in chunks before its message, as it did on node a.
        for (JsonObject message : onB.agentMessages()) {
            String id = message.getAsJsonObject("payload").get("messageId").getAsString();
            int at = onB.indexOf(f -> type(f).equals("event-stream") && event(f) == message);
            long chunks = onB.seen.subList(0, at).stream().filter(f -> type(f).equals("chat-response")
                    && !payloadOf(f).get("isComplete").getAsBoolean()
                    && id.equals(payloadOf(f).get("messageId").getAsString())).count();
            assertTrue(chunks > 1, "the reply " + id + " streamed to node b before its message, in " + chunks
                    + " chunks");
        }
        onB.sawExactly(log(user, "debate"));
        assertTrue(owner(user, "debate").startsWith("node-a:"), "node a ran the debate");
    }

    @Test
    void aClientThatReconnectsToTheOtherNodeIsReplayedExactlyWhatItMissed() throws Exception {
        Node a = node("node-a", redis.uri(), Duration.ofMinutes(1));
        Node b = node("node-b", redis.uri(), Duration.ofMinutes(1));
        String user = UUID.randomUUID().toString();
        Member stays = enter(a.uri(), "default-world", user, "w", -1, null);
        Member leaves = enter(a.uri(), "default-world", user, "w", -1, null);
        leaves.idleOf(leaves.send("before the drop"));
        long seen = leaves.lastSeq();
        String epoch = leaves.epoch;
        leaves.close();
        stays.idleOf(stays.send("while one client is away"));
        stays.idleOf(stays.send("and once more"));

        Member back = enter(b.uri(), "default-world", user, "w", seen, epoch);
        assertEquals(epoch, back.epoch);
        long last = stays.lastSeq();
        back.waitFor(f -> type(f).equals("event-stream") && f.has("seq") && f.get("seq").getAsLong() == last);
        // Live events follow the replay, none of it twice.
        String after = back.send("back, on the other node");
        back.idleOf(after);
        stays.idleOf(after);
        List<Logged> log = log(user, "w");
        back.sawExactly(log);
        stays.sawExactly(log);
        assertTrue(owner(user, "w").startsWith("node-a:"), "node b replayed a world that node a runs");
    }

    @Test
    void whenTheOwnerIsKilledMidTurnTheWorldGoesOnOnTheOtherNodeAndNothingShownIsLost() throws Exception {
        LauncherProcess a = launcher("node-a");
        LauncherProcess b = launcher("node-b");
        String user = UUID.randomUUID().toString();
        Member onA = enter(a.webSocketUri, "extended-world", user, "debate", -1, null);
        Member stays = enter(b.webSocketUri, "extended-world", user, "debate", -1, null);
        String topic = onA.send(DEBATE);
        stays.waitFor(f -> stays.agentMessages().size() >= 3);
        assertTrue(owner(user, "debate").startsWith("node-a:"));

        long killedAt = System.nanoTime();
        a.kill();
        long lastBefore = stays.lastSeq();
        // Nobody sends anything: node b finds the owner gone, takes the world over and ends the turn.
        stays.waitFor(f -> type(f).equals("event-stream") && f.has("seq") && f.get("seq").getAsLong() > lastBefore);
        long firstEvent = System.nanoTime() - killedAt;
        stays.idleOf(topic);
        long idle = System.nanoTime() - killedAt;
        System.out.printf("Takeover after kill -9 of the owner: the world's next event on node b %d ms after the "
                + "kill, the interrupted turn's idle %d ms after it%n", firstEvent / 1_000_000, idle / 1_000_000);
        assertTrue(idle < TimeUnit.SECONDS.toNanos(30), "taken over within 30 s: " + idle / 1_000_000 + " ms");
        assertTrue(owner(user, "debate").startsWith("node-b:"), "node b runs the world now");
        stays.idleOf(stays.send("still there?"));

        onA.drain();
        List<Logged> log = log(user, "debate");
        seqsContinue(log);
        Map<Long, String> logged = new LinkedHashMap<>();
        log.forEach(e -> logged.put(e.seq(), e.id()));
        for (Map.Entry<Long, String> shown : onA.shown()) {
            assertEquals(shown.getValue(), logged.get(shown.getKey()), "what the dead node showed is in the log");
        }
        stays.sawExactly(log);
        assertEquals(1, log.stream().filter(e -> isIdleOf(e.event(), topic)).count(), "one idle ends the turn");
    }

    @Test
    void aNodeCutOffFromRedisForAMomentCatchesUpWithoutDuplicatingEvents() throws Exception {
        Node a = node("node-a", redis.uriOfUser("node-a"), Duration.ofMinutes(1));
        Node b = node("node-b", redis.uriOfUser("node-b"), Duration.ofMinutes(1));
        String user = UUID.randomUUID().toString();
        Member onA = enter(a.uri(), "default-world", user, "w", -1, null);
        Member onB = enter(b.uri(), "default-world", user, "w", -1, null);
        String first = onB.send("before the cut");
        onB.idleOf(first);

        // Node b, whose client watches, misses a whole turn while it is cut off.
        redis.cutOff("node-b");
        String missed = onA.send("while node b is cut off");
        onA.idleOf(missed);
        redis.letIn("node-b");
        onB.idleOf(missed);

        // The owner is cut off: its turn runs, but its events cannot reach node b until it is back.
        redis.cutOff("node-a");
        String unpublished = onA.send("while node a is cut off");
        onA.idleOf(unpublished);
        redis.letIn("node-a");
        onB.idleOf(unpublished);

        String after = onB.send("after the cuts");
        onA.idleOf(after);
        onB.idleOf(after);
        List<Logged> log = log(user, "w");
        seqsContinue(log);
        onA.sawExactly(log);
        onB.sawExactly(log);
        assertTrue(owner(user, "w").startsWith("node-a:"), "node a kept the world through a cut shorter than its lease");
    }

    @Test
    void bothNodesGoOnAfterRedisIsKilledAndStartedAgain() throws Exception {
        Node a = node("node-a", redis.uri(), Duration.ofMinutes(1));
        Node b = node("node-b", redis.uri(), Duration.ofMinutes(1));
        String user = UUID.randomUUID().toString();
        Member onA = enter(a.uri(), "default-world", user, "w", -1, null);
        Member onB = enter(b.uri(), "default-world", user, "w", -1, null);
        String before = onB.send("before the restart");
        onA.idleOf(before);
        onB.idleOf(before);

        redis.kill();
        redis.start();
        String fromB = onB.send("after the restart, from node b");
        onA.idleOf(fromB);
        onB.idleOf(fromB);
        String fromA = onA.send("and from node a");
        onA.idleOf(fromA);
        onB.idleOf(fromA);

        List<Logged> log = log(user, "w");
        seqsContinue(log);
        onA.sawExactly(log);
        onB.sawExactly(log);
        // A client that comes now, on either node, joins the same world.
        Member late = enter(b.uri(), "default-world", user, "w", 0, onA.epoch);
        late.waitFor(f -> type(f).equals("event-stream") && f.has("seq") && f.get("seq").getAsLong() == log.size());
        late.sawExactly(log);
    }

    @Test
    void aWorldDeletedOnOneNodeIsGoneAtOnceForTheClientsOfTheOther() throws Exception {
        Node a = node("node-a", redis.uri(), Duration.ofMinutes(1));
        Node b = node("node-b", redis.uri(), Duration.ofMinutes(1));
        String user = UUID.randomUUID().toString();
        Member onA = enter(a.uri(), "default-world", user, "w", -1, null);
        Member onB = enter(b.uri(), "default-world", user, "w", -1, null);
        onB.idleOf(onA.send("hello"));

        String delete = onA.ws.request("world-delete", payload());
        assertEquals("world-deleted", type(onA.waitFor(f -> delete.equals(replyTo(f)))));
        // The client on node b sends nothing, and is told as the one on node a is.
        JsonObject told = onB.waitFor(f -> type(f).equals("world-deleted"));
        assertEquals("w", payloadOf(told).get("worldName").getAsString());
        assertFalse(told.has("replyTo"), told.toString());
        String send = onB.ws.request("chat-send", payload("message", "anyone?"));
        JsonObject refused = onB.waitFor(f -> send.equals(replyTo(f)));
        assertEquals("NO_WORLD_SELECTED", FrameQueue.code(refused), "node b's client is in no world: " + refused);
        assertEquals(0, b.link.stats().loadedWorlds(), "node b let go of the world");
    }

    @Test
    void restOnOneNodeReadsAWorldThatTheOtherHoldsSelectedAndNotWritten() throws Exception {
        Node a = node("node-a", redis.uri(), Duration.ofMinutes(1));
        Node b = node("node-b", redis.uri(), Duration.ofMinutes(1));
        String user = UUID.randomUUID().toString();
        enter(a.uri(), "default-world", user, "w", -1, null);
        assertFalse(Files.exists(root.resolve("users/" + user)), "only selected on node a, the world is not written");

        HttpResponse<String> world = b.get("/api/users/" + user + "/worlds/w");
        assertEquals(200, world.statusCode(), world.body());
        assertTrue(JsonParser.parseString(world.body()).getAsJsonObject().getAsJsonArray("agents").size() > 0,
                world.body());
        HttpResponse<String> chats = b.get("/api/users/" + user + "/worlds/w/chats");
        assertEquals(200, chats.statusCode(), chats.body());
        assertEquals(1, JsonParser.parseString(chats.body()).getAsJsonObject().getAsJsonArray("chats").size(),
                chats.body());
        HttpResponse<String> export = b.get("/api/users/" + user + "/worlds/w/export");
        assertEquals(200, export.statusCode(), export.body());
        assertEquals(404, b.get("/api/users/" + user + "/worlds/elsewhere").statusCode(), "no such world anywhere");
        assertFalse(Files.exists(root.resolve("users/" + user)), "reading it wrote nothing");
    }

    @Test
    void anAnonymousUserKeepsTheirFolderWhileAnyNodeServesThemAndLosesItWhenNoneDoes() throws Exception {
        Node a = node("node-a", redis.uri(), Duration.ZERO);
        Node b = node("node-b", redis.uri(), Duration.ofMinutes(1));
        String user = UUID.randomUUID().toString();
        Path folder = root.resolve("users/" + user);
        Member onA = enter(a.uri(), "default-world", user, "w", -1, null);
        Member onB = enter(b.uri(), "default-world", user, "w", -1, null);
        onB.idleOf(onA.send("hello"));

        // Node a deletes at once a user who left it, unless another node serves them; close waits for that.
        onA.close();
        a.close();
        assertTrue(Files.isDirectory(folder), "node b still serves the user");
        String goOn = onB.send("still here, on node b");
        onB.idleOf(goOn);

        // A node with no grace period does not delete a user whose grace period runs on another node.
        Node c = node("node-c", redis.uri(), Duration.ZERO);
        Member onC = enter(c.uri(), "default-world", user, "w", -1, null);
        onB.close();
        onC.close();
        c.close();
        assertTrue(Files.isDirectory(folder), "the user's grace period runs on node b");
        Member back = enter(b.uri(), "default-world", user, "w", onB.lastSeq(), onB.epoch);
        assertEquals(onB.epoch, back.epoch, "the same life of the world");
        back.idleOf(back.send("back within the grace period"));

        // Once no node serves them, the last one to see them go deletes their folder.
        back.close();
        b.close();
        assertFalse(Files.exists(folder), "no node serves the user any more");
    }

    // ---- nodes and clients ----

    /** A node in this JVM: its link to Redis, its WorldLink and its Jetty server, closed in the reverse order. */
    final class Node implements AutoCloseable {
        final ClusterNode cluster;
        final WorldLink link;
        final WorldLinkServer server;
        private boolean closed;

        Node(String id, String redisUri, Duration grace) throws Exception {
            cluster = ClusterNode.builder().redis(redisUri).nodeId(id).dataRoot(root).build();
            link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ofMillis(2))
                    .anonymousGracePeriod(grace).cluster(cluster).build();
            server = WorldLinkServer.builder(link).port(0).build().start();
        }

        URI uri() {
            return server.webSocketUri();
        }

        HttpResponse<String> get(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            server.close();
            link.close();
            cluster.close();
        }
    }

    Node node(String id, String redisUri, Duration grace) throws Exception {
        Node n = new Node(id, redisUri, grace);
        open.add(n);
        return n;
    }

    /** Starts a node as a launcher process, which the test can kill as a crash does. */
    LauncherProcess launcher(String id) throws Exception {
        LauncherProcess p = LauncherProcess.start(root, "--redis", redis.uri(), "--node-id", id, "--offline-pace-ms",
                "15");
        open.add(p);
        return p;
    }

    /**
     * Connects a client to a node and selects a world.
     *
     * @param lastSeq the last seq the client saw, for a replay, or -1 for none
     * @param epoch the world's epoch the client saw, with lastSeq
     */
    Member enter(URI node, String template, String user, String world, long lastSeq, String epoch) throws Exception {
        Member m = new Member(WsClient.connect(container, node), lastSeq);
        open.add(m);
        JsonObject p = payload("templateName", template, "worldName", world, "userId", user);
        if (lastSeq >= 0) {
            p.addProperty("lastSeq", lastSeq);
            p.addProperty("worldEpoch", epoch);
        }
        m.ws.request("world-select", p);
        JsonObject confirmed = m.waitFor(f -> type(f).equals("connection-confirmed") || type(f).equals("connection-error"));
        assertEquals("connection-confirmed", type(confirmed), confirmed.toString());
        m.epoch = payloadOf(confirmed).get("worldEpoch").getAsString();
        m.floor = lastSeq >= 0 ? lastSeq : payloadOf(confirmed).get("lastSeq").getAsLong();
        return m;
    }

    /** A client in a world, and every frame it was sent, in order. */
    static final class Member implements AutoCloseable {
        final WsClient ws;
        final List<JsonObject> seen = new ArrayList<>();
        // The seq above which the client is to see every durable event: its replay's start, or where it joined.
        long floor;
        String epoch;
        private int looked;

        Member(WsClient ws, long lastSeq) {
            this.ws = ws;
            this.floor = lastSeq;
        }

        /** @return the first frame not yet looked at that matches, waiting up to {@link #WAIT} for it */
        JsonObject waitFor(Predicate<JsonObject> wanted) {
            return waitFor(wanted, WAIT);
        }

        JsonObject waitFor(Predicate<JsonObject> wanted, Duration within) {
            while (looked < seen.size()) {
                JsonObject f = seen.get(looked++);
                if (wanted.test(f)) {
                    return f;
                }
            }
            long deadline = System.nanoTime() + within.toNanos();
            try {
                while (true) {
                    JsonObject f = ws.frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                    assertNotNull(f, "no such frame within " + within.toSeconds() + " s; the last frames: "
                            + seen.subList(Math.max(0, seen.size() - 5), seen.size()));
                    seen.add(f);
                    looked = seen.size();
                    if (wanted.test(f)) {
                        return f;
                    }
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }

        /** Takes in the frames that have arrived, without waiting. */
        void drain() {
            ws.frames.drainTo(seen);
        }

        /** @return the id of the message event the server made of it */
        String send(String message) {
            String id = ws.request("chat-send", payload("message", message));
            JsonObject echo = waitFor(f -> f.has("replyTo") && f.get("replyTo").getAsString().equals(id));
            assertEquals("event-stream", type(echo), echo.toString());
            return event(echo).get("id").getAsString();
        }

        /** Waits for the idle that ends the turn of a message. */
        JsonObject idleOf(String messageId) {
            return waitFor(f -> FrameQueue.isIdle(f)
                    && messageId.equals(event(f).getAsJsonObject("payload").get("messageId").getAsString()));
        }

        /** @return the agents' messages the client was shown, as events, in order */
        List<JsonObject> agentMessages() {
            List<JsonObject> out = new ArrayList<>();
            for (JsonObject f : seen) {
                if (type(f).equals("event-stream") && event(f).get("type").getAsString().equals("message")
                        && event(f).get("senderType").getAsString().equals("agent")) {
                    out.add(event(f));
                }
            }
            return out;
        }

        int indexOf(Predicate<JsonObject> frame) {
            for (int i = 0; i < seen.size(); i++) {
                if (frame.test(seen.get(i))) {
                    return i;
                }
            }
            throw new AssertionError("no such frame");
        }

        /** @return the durable events the client was shown, in the order it got them: seq, and the event's id */
        List<Map.Entry<Long, String>> shown() {
            List<Map.Entry<Long, String>> out = new ArrayList<>();
            for (JsonObject f : seen) {
                if (type(f).equals("event-stream") && f.has("seq")) {
                    out.add(Map.entry(f.get("seq").getAsLong(), event(f).get("id").getAsString()));
                }
            }
            return out;
        }

        long lastSeq() {
            List<Map.Entry<Long, String>> s = shown();
            return s.isEmpty() ? floor : s.get(s.size() - 1).getKey();
        }

        /** Checks that the client was shown every event of the log above its floor, once each, in seq order. */
        void sawExactly(List<Logged> log) {
            List<Map.Entry<Long, String>> expected = log.stream().filter(e -> e.seq() > floor)
                    .map(e -> Map.entry(e.seq(), e.id())).toList();
            assertEquals(expected, shown(), "each event of the log above seq " + floor + " once, in order");
        }

        @Override
        public void close() throws Exception {
            ws.close();
        }
    }

    static JsonObject event(JsonObject frame) {
        return payloadOf(frame).getAsJsonObject("event");
    }

    static String replyTo(JsonObject frame) {
        return frame.has("replyTo") ? frame.get("replyTo").getAsString() : null;
    }

    /** An event as the world's log holds it. */
    record Logged(long seq, String id, JsonObject event) {}

    /** @return the world's log, read from its file, in the file's order */
    List<Logged> log(String user, String world) throws Exception {
        List<Logged> events = new ArrayList<>();
        for (String line : Files.readAllLines(root.resolve("users/" + user + "/worlds/" + world + "/events.jsonl"))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            events.add(new Logged(o.get("seq").getAsLong(), o.get("id").getAsString(), o));
        }
        return events;
    }

    /** @return the world's lease in Redis: its owner's node id and fence */
    String owner(String user, String world) {
        return (String) redis.call("GET", "worldlink:lease:{" + user.length() + ":" + user + ":" + world + "}");
    }

    static boolean isIdleOf(JsonObject loggedEvent, String messageId) {
        JsonObject p = loggedEvent.getAsJsonObject("payload");
        return p.has("action") && p.get("action").getAsString().equals("idle")
                && messageId.equals(p.get("messageId").getAsString());
    }

    /** Checks that the log's seqs run 1, 2, 3... with no gap and no repeat. */
    static void seqsContinue(List<Logged> log) {
        for (int i = 0; i < log.size(); i++) {
            assertEquals(i + 1, log.get(i).seq(), "seqs continue without a gap or a repeat: " + seqs(log));
        }
    }

    static List<Long> seqs(List<Logged> log) {
        return log.stream().map(Logged::seq).toList();
    }
}
