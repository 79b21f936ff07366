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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

    /** {@return how many PUBLISH commands Redis has run so far} */
    long publishes() {
        Matcher m = Pattern.compile("cmdstat_publish:calls=(\\d+)").matcher((String) redis.call("INFO", "commandstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    @Test
    void eventsPublishedWhileTheWorldsPublishIsInFlightGoTogetherInOrder() throws Exception {
        EventBus a = node("node-a").bus();
        EventBus b = node("node-b").bus();
        WorldKey world = WorldKey.of("ann", "demo");
        WorldKey other = WorldKey.of("bob", "demo");
        Recorder onA = new Recorder();
        Recorder onB = new Recorder();
        Recorder otherOnB = new Recorder();
        a.subscribe(world, onA, onA::caughtUp);
        b.subscribe(world, onB, onB::caughtUp);
        b.subscribe(other, otherOnB, otherOnB::caughtUp);
        onA.awaitCatchUp();
        onB.awaitCatchUp();
        otherOnB.awaitCatchUp();
        long before = publishes();

        // Redis holds every PUBLISH until it is unpaused: the world's first one stays in flight meanwhile.
        redis.call("CLIENT", "PAUSE", "60000", "WRITE");
        int n = 1 + 2 * PubSubEventBus.MESSAGE_EVENTS + 10;
        for (int i = 1; i <= n; i++) {
            a.publish(world, event(i, "from a " + i));
        }
        a.publish(other, event(1, "another world's first"));
        assertEquals(1, onA.next().seq(), "the node's own subscribers do not wait for Redis");
        redis.call("CLIENT", "UNPAUSE");

        assertEquals(event(1, "another world's first"), otherOnB.next(), "each world has its own PUBLISH in flight");
        for (int i = 1; i <= n; i++) {
            assertEquals(event(i, "from a " + i), onB.next(), "in order, whatever message carried them");
        }
        for (int i = 2; i <= n; i++) {
            assertEquals(i, onA.next().seq());
        }
        // The first event alone, then the rest in messages of at most MESSAGE_EVENTS; the other world's one.
        assertEquals(1 + 3 + 1, publishes() - before);
        assertTrue(onA.events.isEmpty() && onB.events.isEmpty() && otherOnB.events.isEmpty(), "each event once");
        assertTrue(onB.catchUps.isEmpty(), "nothing was missed");

        // A world that has gone quiet sends its next event at once again.
        a.publish(world, event(n + 1, "later"));
        assertEquals(n + 1, onB.next().seq());
    }

    @Test
    void eventsGatheredBehindAPublishThatRedisTookDownWithItAreCaughtUpAndTheWorldPublishesAgain()
            throws Exception {
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

        redis.call("CLIENT", "PAUSE", "60000", "WRITE");
        for (int i = 1; i <= 50; i++) {
            a.publish(world, event(i, "in flight or gathered " + i));
        }
        redis.kill();
        redis.start();
        onB.awaitCatchUp();
        eventually(() -> reachesRedis(nodeA), "node a reconnects");
        // Sent only once the PUBLISH in flight at the crash has ended, by an answer or a failure.
        a.publish(world, event(51, "after"));
        long last = 0;
        WorldEvent seen;
        do {
            seen = onB.next();
            assertTrue(seen.seq() > last, "in order, each once: " + seen.seq() + " after " + last);
            last = seen.seq();
        } while (seen.seq() != 51);
        for (int i = 1; i <= 51; i++) {
            assertEquals(i, onA.next().seq(), "the node's own subscribers get every event");
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
