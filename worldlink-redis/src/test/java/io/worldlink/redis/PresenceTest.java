package io.worldlink.redis;

import static io.worldlink.redis.Recorder.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.UserId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which users have a connection on which live node, with nodes on a real redis-server. */
class PresenceTest {
    static final String NODES = "worldlink:{presence}:nodes";

    @TempDir
    Path redisDir;
    @TempDir
    Path root;

    RedisServerProcess redis;
    final List<ClusterNode> nodes = new ArrayList<>();
    final UserId ann = UserId.of("ann");
    final UserId bob = UserId.of("bob");

    @BeforeEach
    void startRedis() {
        redis = RedisServerProcess.start(redisDir);
    }

    @AfterEach
    void stop() {
        nodes.forEach(ClusterNode::close);
        redis.close();
    }

    ClusterNode node(String id, String uri, Duration leaseTime) {
        ClusterNode n = ClusterNode.builder().redis(uri).nodeId(id).dataRoot(root).leaseTime(leaseTime).build();
        nodes.add(n);
        return n;
    }

    ClusterNode node(String id) {
        return node(id, redis.uri(), Duration.ofSeconds(30));
    }

    static boolean elsewhere(ClusterNode node, UserId user) throws Exception {
        return node.presentElsewhere(user).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /**
     * Waits until what the node has said of presence is in Redis: its commands go on one connection in
     * order, so they have been carried out once an answer to a later one has come.
     */
    static void settled(ClusterNode node) throws Exception {
        elsewhere(node, UserId.of("nobody"));
    }

    @Test
    void aUserIsPresentElsewhereWhileAnotherNodeSaysSo() throws Exception {
        ClusterNode a = node("node-a");
        ClusterNode b = node("node-b");
        ClusterNode c = node("node-c");
        a.present(ann, true);
        settled(a);
        assertTrue(elsewhere(b, ann));
        assertTrue(elsewhere(c, ann));
        assertFalse(elsewhere(a, ann), "this node's own connections do not count");
        assertFalse(elsewhere(b, bob));

        b.present(ann, true);
        a.present(ann, false);
        settled(a);
        settled(b);
        assertTrue(elsewhere(a, ann), "node b has ann now");
        assertFalse(elsewhere(b, ann), "node a has her no more");
        b.present(ann, false);
        settled(b);
        assertFalse(elsewhere(c, ann));
        assertEquals(List.of(), redis.call("SMEMBERS", "worldlink:{presence}:users:6:node-a"));
    }

    @Test
    void aNodeThatClosesStopsCountingAtOnce() throws Exception {
        ClusterNode a = node("node-a");
        ClusterNode b = node("node-b");
        b.present(ann, true);
        settled(b);
        assertTrue(elsewhere(a, ann));
        b.close();
        nodes.remove(b);
        assertFalse(elsewhere(a, ann));
        assertEquals(List.of("node-a"), redis.call("SMEMBERS", NODES));
    }

    @Test
    void aNodeThatDiesStopsCountingOnceItsLivenessRunsOutAndCountsAgainWhenBack() throws Exception {
        ClusterNode a = node("node-a");
        ClusterNode b = node("node-b", redis.uriOfUser("node-b"), Duration.ofSeconds(1));
        b.present(ann, true);
        settled(b);
        assertTrue(elsewhere(a, ann));

        // Cut off, node b can renew nothing: to the others it is as good as dead.
        redis.cutOff("node-b");
        eventually(() -> {
            try {
                return !elsewhere(a, ann);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "node b's users stop counting once its liveness has run out");
        assertEquals(List.of("node-a"), redis.call("SMEMBERS", NODES), "the dead node was cleared on the way");
        assertEquals(0L, redis.call("EXISTS", "worldlink:{presence}:users:6:node-b"));

        redis.letIn("node-b");
        eventually(() -> {
            try {
                return elsewhere(a, ann);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "back in touch, node b writes its users again");
    }

    @Test
    void changesThatRedisMissedAreWrittenAtTheNextRenewal() throws Exception {
        ClusterNode a = node("node-a");
        // Renewed every 2 s, long enough for it to stay alive while cut off.
        ClusterNode b = node("node-b", redis.uriOfUser("node-b"), Duration.ofSeconds(6));
        b.present(bob, true);
        settled(b);

        redis.cutOff("node-b");
        eventually(() -> !RedisEventBusTest.reachesRedis(b), "node b sees that it is cut off");
        b.present(ann, true);
        b.present(bob, false);
        assertTrue(elsewhere(a, bob), "Redis missed that bob left");
        assertFalse(elsewhere(a, ann), "and that ann came");
        redis.letIn("node-b");

        eventually(() -> {
            try {
                return elsewhere(a, ann) && !elsewhere(a, bob);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "node b writes what it has again once it reaches Redis");
    }

    @Test
    void aNodeThatStartsAgainClearsWhatItsEarlierRunLeft() throws Exception {
        ClusterNode a = node("node-a");
        ClusterNode before = node("node-b", redis.uriOfUser("node-b"), Duration.ofSeconds(30));
        before.present(ann, true);
        settled(before);
        assertTrue(elsewhere(a, ann));

        // The earlier run dies (its sockets close); a new run with its id starts before its liveness runs out.
        redis.cutOff("node-b");
        ClusterNode after = node("node-b");
        assertFalse(elsewhere(a, ann), "what the earlier run said is gone");
        after.present(bob, true);
        settled(after);
        assertTrue(elsewhere(a, bob));

        before.close();
        nodes.remove(before);
        assertTrue(elsewhere(a, bob), "the earlier run's close leaves the new run's presence alone");
    }
}
