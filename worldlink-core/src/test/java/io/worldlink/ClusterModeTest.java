package io.worldlink;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.AsyncEventBusTest.Client;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.LoggedEvents.Logged;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode on the core: two WorldLink nodes over one data root, with the cluster kept in memory
 * ({@link InMemoryCluster}); {@code worldlink-redis} and {@code worldlink-jetty} test the same with a real
 * Redis and real servers. A world runs on one node; the other node's clients reach it, see its events in
 * the same order, and take it over when its node dies.
 */
class ClusterModeTest {
    @TempDir
    Path root;

    InMemoryCluster cluster;
    final List<WorldLink> nodes = new ArrayList<>();

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        cluster = new InMemoryCluster();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (WorldLink n : nodes) {
            n.close();
        }
        cluster.close();
    }

    WorldLink node(String id) {
        return node(id, Duration.ofMinutes(1));
    }

    WorldLink node(String id, Duration grace) {
        WorldLink link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ofMillis(2))
                .anonymousGracePeriod(grace).cluster(cluster.node(id)).build();
        nodes.add(link);
        return link;
    }

    @Test
    void clientsOnTwoNodesSeeTheWorldsEventsOnceInTheSameOrder() {
        WorldLink a = node("a");
        WorldLink b = node("b");
        String user = UUID.randomUUID().toString();
        Client onA = new Client(a, user, null, -1);
        Client onB = new Client(b, user, null, -1);

        String one = onB.send("hello from b");
        onA.idleOf(one);
        onB.idleOf(one);
        String two = onA.send("and from a");
        onA.idleOf(two);
        onB.idleOf(two);

        List<Logged> log = log(user);
        assertTrue(log.size() >= 6, "two turns of two agents: " + log);
        onA.check(log);
        onB.check(log);
        assertEquals(1, a.stats().loadedWorlds());
        assertTrue(cluster.calls() > 0, "b reached the world on a");
    }

    @Test
    void aClientThatReconnectsToTheOtherNodeIsReplayedWhatItMissed() {
        WorldLink a = node("a");
        WorldLink b = node("b");
        String user = UUID.randomUUID().toString();
        Client first = new Client(a, user, null, -1);
        String one = first.send("one");
        first.idleOf(one);
        long seen = log(user).get(log(user).size() - 1).seq();
        String two = first.send("two");
        first.idleOf(two);

        Client again = new Client(b, user, null, seen);
        List<Logged> log = log(user);
        again.waitFor(f -> type(f).equals("event-stream") && f.has("seq")
                && f.get("seq").getAsLong() == log.get(log.size() - 1).seq());
        again.check(log);
    }

    @Test
    void whenTheOwnerDiesMidTurnTheOtherNodeTakesTheWorldOverAndItsSeqContinues() {
        WorldLink a = node("a");
        WorldLink b = node("b");
        String user = UUID.randomUUID().toString();
        Client onA = new Client(a, user, null, -1);
        Client onB = new Client(b, user, null, -1);
        String one = onB.send("a long question");
        onB.waitFor(f -> type(f).equals("chat-response"));

        cluster.kill("a");
        // Nobody sends anything: b notices the owner is gone, takes the world and ends the turn a left.
        onB.idleOf(one);
        String two = onB.send("still there?");
        onB.idleOf(two);

        List<Logged> log = log(user);
        long previous = 0;
        for (Logged e : log) {
            assertEquals(previous + 1, e.seq(), "seqs continue without a gap or a repeat: " + log);
            previous = e.seq();
        }
        onB.check(log);
        assertEquals(1, b.stats().loadedWorlds());
    }

    @Test
    void aMessageTheOwnerTookBeforeItDiedIsNotSentAgainAtTheNextOwner() {
        WorldLink a = node("a");
        WorldLink b = node("b");
        String user = UUID.randomUUID().toString();
        new Client(a, user, null, -1);
        Client onB = new Client(b, user, null, -1);

        // Node a logs the message and dies before its answer reaches node b.
        cluster.failAfterTaking("a", "chat", true);
        JsonObject refused = errorFor(onB, onB.request("chat-send", payload("message", "said once")));
        assertEquals("system-message", type(refused), refused.toString());
        assertEquals("INTERNAL", code(refused));
        assertTrue(payloadOf(refused).get("content").getAsString().contains("may or may not have been done"),
                refused.toString());

        // The world moved to node b all the same: its client is shown the message and the turn it started.
        JsonObject shown = onB.waitFor(f -> type(f).equals("event-stream") && eventPayload(f).has("content")
                && eventPayload(f).get("content").getAsString().equals("said once"));
        onB.idleOf(payloadOf(shown).getAsJsonObject("event").get("id").getAsString());
        onB.idleOf(onB.send("after the takeover"));
        assertEquals(1, peopleSaying(user, "said once"), "the message is in the log once");
        assertEquals(1, b.stats().loadedWorlds());
    }

    @Test
    void aMessageAnOwnerTookAndAnsweredTooLateIsNotSentAgain() {
        WorldLink a = node("a");
        WorldLink b = node("b");
        String user = UUID.randomUUID().toString();
        Client onA = new Client(a, user, null, -1);
        Client onB = new Client(b, user, null, -1);

        cluster.failAfterTaking("a", "chat", false);
        // Node b's client may be shown the message, which node a published: what node b cannot know is whether
        // node a took it, so it says so.
        JsonObject refused = errorFor(onB, onB.request("chat-send", payload("message", "slow")));
        assertEquals("INTERNAL", code(refused), refused.toString());
        String next = onB.send("and again");
        onA.idleOf(next);
        onB.idleOf(next);
        assertEquals(1, peopleSaying(user, "slow"), "the message node a took is in the log once");
        assertEquals(1, a.stats().loadedWorlds(), "the world still runs on node a");
    }

    @Test
    void aReadWhoseAnswerWasLostIsMadeAgainAndAWriteThatNeverArrivedIsTakenByTheNextOwner() {
        WorldLink a = node("a");
        WorldLink b = node("b");
        String user = UUID.randomUUID().toString();
        Client onA = new Client(a, user, null, -1);
        Client onB = new Client(b, user, null, -1);
        String one = onA.send("one");
        onB.idleOf(one);

        cluster.failAfterTaking("a", "chatHistory", false);
        JsonObject page = answerTo(onB, onB.request("chat-history", payload("beforeSeq", 1000)));
        assertEquals("chat-history", type(page), page.toString());
        assertTrue(payloadOf(page).getAsJsonArray("events").size() > 0, page.toString());

        // A message sent to an owner that is gone never reached it: the next owner takes it.
        cluster.kill("a");
        String two = onB.send("to whoever runs it now");
        onB.idleOf(two);
        assertEquals(1, peopleSaying(user, "to whoever runs it now"));
        assertEquals(1, b.stats().loadedWorlds());
    }

    @Test
    void aWorldDeletedThroughOneNodeIsGoneAtOnceForTheClientsOfTheOther() {
        WorldLink a = node("a");
        WorldLink b = node("b");
        String user = UUID.randomUUID().toString();
        Client onA = new Client(a, user, null, -1);
        Client onB = new Client(b, user, null, -1);
        onB.idleOf(onA.send("hello"));

        String delete = onA.request("world-delete", payload());
        assertEquals("world-deleted", type(answerTo(onA, delete)));
        // Node b's client sends nothing, and is told as node a's would be.
        JsonObject told = onB.waitFor(f -> type(f).equals("world-deleted"));
        assertEquals(AsyncEventBusTest.WORLD, payloadOf(told).get("worldName").getAsString());
        assertEquals(user, payloadOf(told).get("userId").getAsString());
        assertFalse(told.has("replyTo"), told.toString());
        assertEquals(0, b.stats().loadedWorlds(), "node b let go of the world");
        assertEquals("NO_WORLD_SELECTED", code(errorFor(onB, onB.request("chat-send", payload("message", "hello?")))),
                "node b's client is in no world any more");
        assertFalse(Files.exists(root.resolve("users/" + user + "/worlds/" + AsyncEventBusTest.WORLD)));
    }

    @Test
    void aWorldSelectedOnOneNodeAndNotWrittenIsReadThroughTheOtherNodesApi() {
        WorldLink a = node("a");
        WorldLink b = node("b");
        String user = UUID.randomUUID().toString();
        new Client(a, user, null, -1);
        assertFalse(Files.exists(root.resolve("users/" + user)), "only selected, the world is not written");

        Identity anyone = Identity.refused("no token");
        WorldSnapshot world = b.world(anyone, user, AsyncEventBusTest.WORLD);
        assertEquals(AsyncEventBusTest.WORLD, world.config().id());
        assertFalse(world.agents().isEmpty(), "node a's clone of the template, with its agents");
        List<Chat> chats = b.chats(anyone, user, AsyncEventBusTest.WORLD).join();
        assertEquals(1, chats.size(), chats.toString());
        assertTrue(b.export(anyone, user, AsyncEventBusTest.WORLD).join().contains(world.config().name()));
        assertEquals(0, b.stats().loadedWorlds(), "node b reached the world on node a and holds nothing of it");
        assertFalse(Files.exists(root.resolve("users/" + user)), "reading it wrote nothing");

        WorldLinkException none = assertThrows(WorldLinkException.class, () -> b.world(anyone, user, "nowhere"));
        assertEquals(ErrorCode.WORLD_NOT_FOUND, none.code());
        CompletionException notThere = assertThrows(CompletionException.class,
                () -> b.chats(anyone, user, "nowhere").join());
        assertEquals(ErrorCode.WORLD_NOT_FOUND, ((WorldLinkException) notThere.getCause()).code());
    }

    @Test
    void aNodeWhoseLeaseHasEndedWritesNothingMoreOfTheWorld() throws Exception {
        // Memories and chats are written a minute after the world is quiet, or when it closes; a signed user's
        // folder stays when the node stops.
        WorldLink a = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ofMillis(2))
                .saveDelay(Duration.ofMinutes(1)).trustClaimedUserIds(true).cluster(cluster.node("a")).build();
        nodes.add(a);
        String user = "ann";
        Client onA = new Client(a, user, null, -1);
        onA.idleOf(onA.send("hello"));
        Path folder = root.resolve("users/" + user + "/worlds/" + AsyncEventBusTest.WORLD);
        Map<Path, String> before = files(folder);

        cluster.endLease(new WorldKey(UserId.of(user), AsyncEventBusTest.WORLD));
        JsonObject refused = errorFor(onA, onA.request("world-update", payload("description", "from a stale owner")));
        assertEquals("STORAGE_ERROR", code(refused), refused.toString());
        // Closing the world would write its memories and chats.
        nodes.remove(a);
        a.close();
        assertEquals(before, files(folder), "node a wrote nothing of the world once its lease had ended");
    }

    @Test
    void noNodeDeletesAnAnonymousUserWhoseGracePeriodRunsOnAnother() throws Exception {
        WorldLink a = node("a");
        WorldLink b = node("b", Duration.ZERO);
        String user = UUID.randomUUID().toString();
        Client onA = new Client(a, user, null, -1);
        Client onB = new Client(b, user, null, -1);
        onA.idleOf(onA.send("hello"));
        onA.client.connection.closed();
        onB.client.connection.closed();

        // Node b, with no grace period, deletes a user who left it unless another node still holds them;
        // close waits until it has decided.
        nodes.remove(b);
        b.close();
        Path folder = root.resolve("users/" + user);
        assertTrue(Files.isDirectory(folder), "the user's grace period runs on node a");
        nodes.remove(a);
        a.close();
        assertFalse(Files.exists(folder), "node a deletes the folder when it stops, as no node holds the user");
    }

    List<Logged> log(String user) {
        return LoggedEvents.of(root, user, AsyncEventBusTest.WORLD);
    }

    /** {@return every file under a folder, with its text} */
    static Map<Path, String> files(Path folder) throws IOException {
        Map<Path, String> files = new TreeMap<>();
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.filter(Files::isRegularFile).toList()) {
                files.put(folder.relativize(p), Files.readString(p));
            }
        }
        return files;
    }

    static JsonObject answerTo(Client client, String requestId) {
        return client.waitFor(f -> f.has("replyTo") && f.get("replyTo").getAsString().equals(requestId));
    }

    static JsonObject errorFor(Client client, String requestId) {
        return client.waitFor(f -> type(f).equals("system-message") && f.has("replyTo")
                && f.get("replyTo").getAsString().equals(requestId));
    }

    static JsonObject eventPayload(JsonObject frame) {
        return payloadOf(frame).getAsJsonObject("event").getAsJsonObject("payload");
    }

    /** {@return how many messages of people in the log say exactly this} */
    long peopleSaying(String user, String content) {
        try {
            return Files.readAllLines(root.resolve("users/" + user + "/worlds/" + AsyncEventBusTest.WORLD
                    + "/events.jsonl")).stream().map(line -> JsonParser.parseString(line).getAsJsonObject())
                    .filter(o -> o.get("senderType").getAsString().equals("human")
                            && o.getAsJsonObject("payload").get("content").getAsString().equals(content))
                    .count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
