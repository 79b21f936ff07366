package io.worldlink;

import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.AsyncEventBusTest.Client;
import io.worldlink.LoggedEvents.Logged;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
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
}
