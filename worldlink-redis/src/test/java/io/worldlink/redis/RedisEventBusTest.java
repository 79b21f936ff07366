package io.worldlink.redis;

import static io.worldlink.redis.Recorder.event;
import static io.worldlink.redis.Recorder.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.EventBus;
import io.worldlink.Subscription;
import io.worldlink.WorldKey;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.redis.internal.PubSubEventBus;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two nodes' event buses over a real redis-server. */
class RedisEventBusTest {
    @TempDir
    Path redisDir;
    @TempDir
    Path root;

    RedisServerProcess redis;
    final List<ClusterNode> nodes = new ArrayList<>();

    @BeforeEach
    void startRedis() {
        redis = RedisServerProcess.start(redisDir);
    }

    @AfterEach
    void stop() {
        nodes.forEach(ClusterNode::close);
        redis.close();
    }

    ClusterNode node(String id, String uri) {
        ClusterNode n = ClusterNode.builder().redis(uri).nodeId(id).dataRoot(root).build();
        nodes.add(n);
        return n;
    }

    ClusterNode node(String id) {
        return node(id, redis.uri());
    }

    /** {@return whether the node's command connection answers} */
    static boolean reachesRedis(ClusterNode node) {
        try {
            node.claim(WorldKey.of("probe", "probe")).toCompletableFuture().get(5, TimeUnit.SECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void twoNodesSeeEachOthersEventsOfAWorldInOrderOnTheirWorkers() throws Exception {
        EventBus a = node("node-a").bus();
        EventBus b = node("node-b").bus();
        WorldKey world = WorldKey.of("ann", "demo");
        Recorder onA = new Recorder();
        Recorder onB = new Recorder();
        a.subscribe(world, onA, onA::caughtUp);
        b.subscribe(world, onB, onB::caughtUp);
        onA.awaitCatchUp();
        onB.awaitCatchUp();

        Thread publisher = Thread.currentThread();
        for (int i = 1; i <= 300; i++) {
            a.publish(world, event(i, "from a " + i));
        }
        for (int i = 1; i <= 300; i++) {
            WorldEvent seen = onB.next();
            assertEquals(event(i, "from a " + i), seen, "node b gets a's events whole and in order");
            assertEquals(i, onA.next().seq(), "node a's own subscribers get them in order too");
        }
        b.publish(world, event(301, "from b"));
        assertEquals(event(301, "from b"), onA.next());
        assertEquals(event(301, "from b"), onB.next());

        assertTrue(onA.events.isEmpty() && onB.events.isEmpty(), "each event once: a node skips its own echo");
        for (Recorder r : List.of(onA, onB)) {
            assertTrue(r.threads.stream().allMatch(t -> t.startsWith("worldlink-redis-work-")),
                    "listeners run on the workers, not on a socket's thread: " + r.threads);
            assertTrue(!r.threads.contains(publisher.getName()));
        }
    }

    @Test
    void aWorldHearsNothingOfAnotherEvenOfTheSameNameForAnotherUser() throws Exception {
        EventBus a = node("node-a").bus();
        EventBus b = node("node-b").bus();
        WorldKey annDemo = WorldKey.of("ann", "demo");
        WorldKey bobDemo = WorldKey.of("bob", "demo");
        WorldKey annOther = WorldKey.of("ann", "other");
        Recorder ann = new Recorder();
        Recorder bob = new Recorder();
        b.subscribe(annDemo, ann, ann::caughtUp);
        b.subscribe(bobDemo, bob, bob::caughtUp);
        ann.awaitCatchUp();
        bob.awaitCatchUp();

        a.publish(bobDemo, event(1, "bob's"));
        a.publish(annOther, event(2, "ann's other"));
        a.publish(annDemo, event(3, "ann's demo"));

        // One publisher's messages reach a subscriber in the order sent, so anything misrouted to ann's
        // world would come before its own event.
        assertEquals("ann's demo", ((SystemEvent) ann.next()).content());
        assertEquals("bob's", ((SystemEvent) bob.next()).content());
        assertTrue(ann.events.isEmpty() && bob.events.isEmpty());
    }

    @Test
    void closingTheLastSubscriptionOfAWorldUnsubscribesInRedis() throws Exception {
        EventBus a = node("node-a").bus();
        PubSubEventBus b = (PubSubEventBus) node("node-b").bus();
        WorldKey world = WorldKey.of("ann", "demo");
        Recorder first = new Recorder();
        Recorder second = new Recorder();
        Subscription s1 = b.subscribe(world, first, first::caughtUp);
        first.awaitCatchUp();
        Subscription s2 = b.subscribe(world, second);
        assertEquals(List.of("worldlink:events:3:ann:demo"), redis.call("PUBSUB", "CHANNELS", "worldlink:events:*"));

        s1.close();
        a.publish(world, event(1, "one"));
        assertEquals(1, second.next().seq());
        // The listeners of a world are called in the order they subscribed: first would have had it by now.
        assertTrue(first.events.isEmpty(), "a closed subscription gets nothing");
        assertEquals(List.of("worldlink:events:3:ann:demo"), redis.call("PUBSUB", "CHANNELS", "worldlink:events:*"),
                "the world's channel stays while a subscriber is left");

        s2.close();
        s2.close();
        eventually(() -> redis.call("PUBSUB", "CHANNELS", "worldlink:events:*").equals(List.of()),
                "the last subscription's close unsubscribes the channel in Redis");
        assertEquals(0, b.worldCount());

        WorldKey probeWorld = WorldKey.of("ann", "probe");
        Recorder probe = new Recorder();
        b.subscribe(probeWorld, probe, probe::caughtUp);
        probe.awaitCatchUp();
        a.publish(world, event(2, "two"));
        a.publish(probeWorld, event(3, "three"));
        assertEquals(3, probe.next().seq());
        assertTrue(second.events.isEmpty(), "nothing after the close");
    }

    @Test
    void afterRedisCrashesAndRestartsDeliveryResumesAndSubscribersAreToldToCatchUp() throws Exception {
        ClusterNode nodeA = node("node-a");
        EventBus a = nodeA.bus();
        EventBus b = node("node-b").bus();
        WorldKey world = WorldKey.of("ann", "demo");
        Recorder onA = new Recorder();
        Recorder onB = new Recorder();
        a.subscribe(world, onA, onA::caughtUp);
        b.subscribe(world, onB, onB::caughtUp);
        onA.awaitCatchUp();
        onB.awaitCatchUp();
        a.publish(world, event(1, "before"));
        assertEquals(1, onB.next().seq());
        assertEquals(1, onA.next().seq());

        // A crash: what Redis had not yet synced to its file is gone, and so are the subscriptions.
        redis.kill();
        // Neither throws nor waits for Redis: the event is lost for the other nodes, which catch up.
        a.publish(world, event(2, "while Redis is down"));
        assertEquals(2, onA.next().seq(), "the publishing node's own subscribers do not need Redis");

        redis.start();
        onB.awaitCatchUp();
        // The catch-up says b is subscribed again; wait until a's command connection is back as well.
        eventually(() -> reachesRedis(nodeA), "node a reconnects");
        a.publish(world, event(3, "after"));
        WorldEvent seen = onB.next();
        if (seen.seq() == 2) {
            // A publish that Redis had not answered when it stopped is sent again on reconnect.
            seen = onB.next();
        }
        assertEquals(3, seen.seq());
        assertEquals(3, onA.next().seq());
    }

    @Test
    void eventsANodeCouldNotPublishMakeTheOthersCatchUpOnceItIsBack() throws Exception {
        ClusterNode nodeA = node("node-a", redis.uriOfUser("node-a"));
        EventBus a = nodeA.bus();
        EventBus b = node("node-b").bus();
        WorldKey world = WorldKey.of("ann", "demo");
        Recorder onB = new Recorder();
        b.subscribe(world, onB, onB::caughtUp);
        onB.awaitCatchUp();

        redis.cutOff("node-a");
        // Once node a knows it is cut off, its commands fail at once: so does this publish.
        eventually(() -> !reachesRedis(nodeA), "node a sees that it is cut off");
        a.publish(world, event(1, "lost"));
        redis.letIn("node-a");

        // Node b never lost Redis, so this catch-up is node a's word that it could not publish.
        onB.awaitCatchUp();
        assertTrue(onB.events.isEmpty(), "the lost event itself is read back from the log, not resent");
    }
}
