package io.worldlink.redis;

import static io.worldlink.redis.Recorder.event;
import static io.worldlink.redis.Recorder.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.ErrorCode;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.cluster.Ownership;
import io.worldlink.cluster.WorldLease;
import io.worldlink.event.EventLog;
import io.worldlink.event.EventLogStore;
import io.worldlink.event.SseEvent;
import io.worldlink.event.WorldEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** World leases and the fenced log, with nodes on a real redis-server and a real data root. */
class WorldLeasesTest {
    @TempDir
    Path redisDir;
    @TempDir
    Path root;

    RedisServerProcess redis;
    final List<ClusterNode> nodes = new ArrayList<>();
    final WorldKey world = WorldKey.of("ann", "demo");

    @BeforeEach
    void start() throws IOException {
        redis = RedisServerProcess.start(redisDir);
        Files.createDirectories(root.resolve(world.relativePath()));
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

    ClusterNode node(String id, Duration leaseTime) {
        return node(id, redis.uri(), leaseTime);
    }

    static Ownership acquire(ClusterNode node, WorldKey world) throws Exception {
        return node.claim(world).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static WorldLease acquired(ClusterNode node, WorldKey world) throws Exception {
        return assertInstanceOf(Ownership.Acquired.class, acquire(node, world)).lease();
    }

    List<String> logLines() throws IOException {
        Path log = root.resolve(world.relativePath()).resolve("events.jsonl");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    String fenceRecord() throws IOException {
        return Files.readString(root.resolve(world.relativePath()).resolve("lease-fence")).strip();
    }

    static <E extends WorldEvent> void appendAndSync(EventLog log, E event) {
        log.append(event);
        log.sync();
    }

    @Test
    void twoNodesRaceForAWorldAndExactlyOneWinsWhileTheOtherLearnsTheOwner() throws Exception {
        ClusterNode a = node("node-a", Duration.ofSeconds(30));
        ClusterNode b = node("node-b", Duration.ofSeconds(30));
        for (int round = 0; round < 10; round++) {
            WorldKey contested = WorldKey.of("ann", "world-" + round);
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Ownership>> results = new ArrayList<>();
            List<Thread> racers = new ArrayList<>();
            for (ClusterNode n : List.of(a, b)) {
                CompletableFuture<Ownership> result = new CompletableFuture<>();
                results.add(result);
                Thread racer = new Thread(() -> {
                    try {
                        go.await();
                        n.claim(contested).whenComplete((o, e) -> {
                            if (e != null) {
                                result.completeExceptionally(e);
                            } else {
                                result.complete(o);
                            }
                        });
                    } catch (InterruptedException e) {
                        result.completeExceptionally(e);
                    }
                });
                racer.start();
                racers.add(racer);
            }
            go.countDown();
            Ownership onA = results.get(0).get(10, TimeUnit.SECONDS);
            Ownership onB = results.get(1).get(10, TimeUnit.SECONDS);
            for (Thread t : racers) {
                t.join();
            }
            boolean aWon = onA instanceof Ownership.Acquired;
            assertTrue(aWon ^ onB instanceof Ownership.Acquired, "exactly one wins: " + onA + " / " + onB);
            Ownership loser = aWon ? onB : onA;
            assertEquals(new Ownership.OwnedBy(aWon ? "node-a" : "node-b"), loser);
            WorldLease lease = ((Ownership.Acquired) (aWon ? onA : onB)).lease();
            assertEquals(contested, lease.world());
            assertEquals(1, lease.fence(), "the world's first owner");
            assertTrue(lease.isValid());
        }
    }

    @Test
    void renewalsKeepTheLeaseWellPastItsTime() throws Exception {
        ClusterNode a = node("node-a", Duration.ofSeconds(1));
        ClusterNode b = node("node-b", Duration.ofSeconds(1));
        WorldLease lease = acquired(a, world);

        // Three lease times: without renewals it would have run out in Redis and locally twice over.
        assertThrows(TimeoutException.class, () -> lease.ended().toCompletableFuture().get(3, TimeUnit.SECONDS));
        assertTrue(lease.isValid());
        assertEquals(new Ownership.OwnedBy("node-a"), acquire(b, world));
        assertEquals("node-a:" + lease.fence(), redis.call("GET", "worldlink:lease:{3:ann:demo}"));
    }

    @Test
    void anOwnerCutOffFromRedisStopsWritingBeforeAnotherNodeTakesTheWorldWithAHigherFence() throws Exception {
        Duration leaseTime = Duration.ofSeconds(2);
        ClusterNode a = node("node-a", redis.uriOfUser("node-a"), leaseTime);
        ClusterNode b = node("node-b", leaseTime);
        WorldLease onA = acquired(a, world);
        EventLog logOnA = a.fenced(EventLogStore.files(root)).open(world);
        appendAndSync(logOnA, event(0, "written by a"));
        assertEquals(1, logLines().size());
        assertEquals(onA.fence() + " node-a", fenceRecord());

        redis.cutOff("node-a");
        eventually(() -> !onA.isValid(), "node a's lease runs out on its own clock");
        assertEquals(new Ownership.OwnedBy("node-a"), acquire(b, world),
                "Redis still keeps the lease when node a stops taking itself for the owner");
        WorldLinkException refused = assertThrows(WorldLinkException.class,
                () -> logOnA.append(event(0, "a second history")));
        assertEquals(ErrorCode.STORAGE_ERROR, refused.code());
        assertEquals(1, logLines().size(), "nothing written");
        onA.ended().toCompletableFuture().get(10, TimeUnit.SECONDS);

        WorldLease[] onB = new WorldLease[1];
        eventually(() -> {
            try {
                return acquire(b, world) instanceof Ownership.Acquired got && (onB[0] = got.lease()) != null;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "node b takes the world once Redis lets the lease go");
        assertTrue(onB[0].fence() > onA.fence(), "a new owner has a higher fence");
        EventLog logOnB = b.fenced(EventLogStore.files(root)).open(world);
        assertEquals(1, logOnB.lastSeq());
        appendAndSync(logOnB, event(0, "written by b"));
        assertEquals(2, logLines().size());
        assertEquals(onB[0].fence() + " node-b", fenceRecord());

        // Back in touch, node a's old lease touches neither node b's lease nor the log.
        redis.letIn("node-a");
        eventually(() -> RedisEventBusTest.reachesRedis(a), "node a reconnects");
        onA.close();
        assertThrows(WorldLinkException.class, () -> logOnA.append(event(0, "still refused")));
        assertEquals("node-b:" + onB[0].fence(), redis.call("GET", "worldlink:lease:{3:ann:demo}"));
        assertEquals(2, logLines().size());
    }

    @Test
    void releasingALeaseHandsTheWorldOverAtOnce() throws Exception {
        // A lease time far beyond the test's waits: only the release can let node b in.
        ClusterNode a = node("node-a", Duration.ofMinutes(5));
        ClusterNode b = node("node-b", Duration.ofMinutes(5));
        WorldLease onA = acquired(a, world);
        onA.close();
        assertFalse(onA.isValid());
        onA.ended().toCompletableFuture().get(10, TimeUnit.SECONDS);
        eventually(() -> {
            try {
                return acquire(b, world) instanceof Ownership.Acquired;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "node b takes the released world");
        assertEquals("node-b:2", redis.call("GET", "worldlink:lease:{3:ann:demo}"));
    }

    @Test
    void closingANodeReleasesItsLeases() throws Exception {
        ClusterNode a = node("node-a", Duration.ofMinutes(5));
        ClusterNode b = node("node-b", Duration.ofMinutes(5));
        acquired(a, world);
        a.close();
        nodes.remove(a);
        assertInstanceOf(Ownership.Acquired.class, acquire(b, world), "close waits until Redis has the releases");
    }

    @Test
    void aLogOpenedWithoutTheLeaseReadsButNeverWrites() throws Exception {
        ClusterNode a = node("node-a", Duration.ofSeconds(30));
        ClusterNode b = node("node-b", Duration.ofSeconds(30));
        acquired(a, world);
        EventLog onA = a.fenced(EventLogStore.files(root)).open(world);
        appendAndSync(onA, event(0, "one"));
        appendAndSync(onA, event(0, "two"));

        EventLog onB = b.fenced(EventLogStore.files(root)).open(world);
        List<Long> read = new ArrayList<>();
        onB.forEachAfter(0, e -> read.add(e.seq()));
        assertEquals(List.of(1L, 2L), read);
        assertEquals(ErrorCode.STORAGE_ERROR,
                assertThrows(WorldLinkException.class, () -> onB.append(event(0, "three"))).code());
        SseEvent chunk = new SseEvent("s", Instant.EPOCH, "Ada", SseEvent.Phase.CHUNK, "x", "m", null, null);
        assertThrows(IllegalArgumentException.class, () -> onA.append(chunk), "a chunk is never logged");
        assertEquals(2, logLines().size());
    }

    @Test
    void aLogStopsWritingOnceAnOwnerWithAHigherFenceHasWrittenAndItsLeaseEnds() throws Exception {
        ClusterNode a = node("node-a", Duration.ofSeconds(30));
        WorldLease lease = acquired(a, world);
        EventLog log = a.fenced(EventLogStore.files(root)).open(world);
        appendAndSync(log, event(0, "one"));
        // As if Redis had lost the lease and another node had taken the world and written.
        Files.writeString(root.resolve(world.relativePath()).resolve("lease-fence"), (lease.fence() + 5) + " node-x\n");

        assertEquals(ErrorCode.STORAGE_ERROR,
                assertThrows(WorldLinkException.class, () -> log.append(event(0, "two"))).code());
        assertFalse(lease.isValid(), "the lease is given up");
        lease.ended().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertEquals(1, logLines().size());
    }

    @Test
    void fencesKeepRisingWhenRedisLosesItsCounters() throws Exception {
        ClusterNode a = node("node-a", Duration.ofSeconds(30));
        ClusterNode b = node("node-b", Duration.ofSeconds(30));
        WorldLease first = acquired(a, world);
        appendAndSync(a.fenced(EventLogStore.files(root)).open(world), event(0, "one"));
        first.close();
        eventually(() -> redis.call("GET", "worldlink:lease:{3:ann:demo}") == null, "the release reaches Redis");
        redis.call("FLUSHALL");

        WorldLease second = acquired(b, world);
        assertTrue(second.fence() > first.fence(), "above the fence recorded in the world's folder");
        appendAndSync(b.fenced(EventLogStore.files(root)).open(world), event(0, "two"));
        assertEquals(2, logLines().size());
    }

    @Test
    void theFenceCounterOutlivesARedisRestart() throws Exception {
        ClusterNode a = node("node-a", Duration.ofSeconds(30));
        // A world without a folder: no record, so the counter alone gives the fence.
        WorldKey bare = WorldKey.of("bob", "bare");
        WorldLease first = acquired(a, bare);
        first.close();
        eventually(() -> redis.call("GET", "worldlink:lease:{3:bob:bare}") == null, "the release reaches Redis");

        redis.stop();
        redis.start();
        eventually(() -> RedisEventBusTest.reachesRedis(a), "node a reconnects");
        WorldLease second = acquired(a, bare);
        assertEquals(first.fence() + 1, second.fence());
    }
}
