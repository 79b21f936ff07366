package io.worldlink.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.concurrent.GlobalEventExecutor;
import io.worldlink.WorldKey;
import io.worldlink.cluster.Ownership;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a node costs and how it is configured: a fixed set of threads and two connections, whatever it carries. */
class ClusterNodeTest {
    @TempDir
    Path redisDir;
    @TempDir
    Path root;

    RedisServerProcess redis;

    @BeforeEach
    void startRedis() {
        redis = RedisServerProcess.start(redisDir);
    }

    @AfterEach
    void stopRedis() {
        redis.close();
    }

    static Set<String> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toSet());
    }

    ClusterNode.Builder node(String id) {
        return ClusterNode.builder().redis(redis.uri()).nodeId(id).dataRoot(root);
    }

    @Test
    void aNodeUsesFiveNamedThreadsAndTwoConnectionsWhateverTheWorldsCallsAndUsersAndAllEndWithClose() throws Exception {
        Set<String> before = liveThreads();
        ClusterNode node = node("node-a").build();
        node.serve(request -> CompletableFuture.completedFuture("answer to " + request));
        List<io.worldlink.Subscription> subscriptions = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            WorldKey world = WorldKey.of("user-" + i, "world");
            Recorder r = new Recorder();
            subscriptions.add(node.bus().subscribe(world, r, r::caughtUp));
            assertInstanceOf(Ownership.Acquired.class,
                    node.claim(world).toCompletableFuture().get(10, TimeUnit.SECONDS));
            node.bus().publish(world, Recorder.event(1, "hello"));
            assertEquals(1, r.next().seq());
            node.present(world.userId(), true);
            assertEquals("answer to " + i, node.call("node-a", Integer.toString(i)).toCompletableFuture()
                    .get(10, TimeUnit.SECONDS), "a call goes through Redis, to the node's own channel");
            assertEquals(false, node.presentElsewhere(world.userId()).toCompletableFuture().get(10, TimeUnit.SECONDS));
        }

        String clients = (String) redis.call("CLIENT", "LIST");
        assertEquals(2, clients.lines().filter(l -> l.contains(" name=worldlink-node-a ")).count(),
                "one connection for commands and one for pub/sub: " + clients);
        Set<String> started = liveThreads();
        started.removeAll(before);
        assertTrue(started.stream().allMatch(n -> n.matches("worldlink-redis-(io|work|timer)-\\d+")),
                "every thread the node started is named as its own: " + started);
        assertTrue(started.size() <= 5, "two for the sockets, two workers and a timer: " + started);

        subscriptions.forEach(io.worldlink.Subscription::close);
        node.close();

        // Lettuce's shutdown tells its result through Netty's one global executor, whose thread (not the
        // node's) ends by itself a second after its last task.
        assertTrue(GlobalEventExecutor.INSTANCE.awaitInactivity(10, TimeUnit.SECONDS));
        Set<String> left = liveThreads();
        left.removeAll(before);
        assertEquals(Set.of(), left, "close waits until the node's threads have ended");
        assertTrue(((String) redis.call("CLIENT", "LIST")).lines().noneMatch(l -> l.contains("name=worldlink-node-a ")));
    }

    @Test
    void aNodeIsRefusedAClearlyWrongSetting() {
        for (String id : List.of("", "a:b", "a b", "x".repeat(65), "ü")) {
            assertThrows(IllegalArgumentException.class, () -> ClusterNode.builder().nodeId(id), id);
        }
        assertThrows(IllegalArgumentException.class, () -> ClusterNode.builder().leaseTime(Duration.ofMillis(999)));
        assertThrows(IllegalArgumentException.class, () -> ClusterNode.builder().leaseTime(Duration.ofMinutes(11)));
        assertThrows(IllegalArgumentException.class, () -> ClusterNode.builder().callTimeout(Duration.ofMillis(99)));
        assertThrows(IllegalArgumentException.class, () -> ClusterNode.builder().callTimeout(Duration.ofMinutes(11)));
        assertThrows(IllegalArgumentException.class, () -> ClusterNode.builder().callTimeout(null));
        IllegalStateException missing = assertThrows(IllegalStateException.class,
                () -> ClusterNode.builder().redis(redis.uri()).nodeId("node-a").build());
        assertTrue(missing.getMessage().contains("dataRoot"), missing.getMessage());
        IllegalArgumentException notRedis = assertThrows(IllegalArgumentException.class,
                () -> node("node-a").redis("http://localhost:6379").build());
        assertTrue(notRedis.getMessage().startsWith("Not a Redis address"), notRedis.getMessage());
    }

    @Test
    void aNodeThatCannotReachRedisFailsAtOnceAndLeavesNoThread() throws IOException, InterruptedException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Set<String> before = liveThreads();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> node("node-a").redis("redis://127.0.0.1:" + closedPort).build());
        assertTrue(e.getMessage().startsWith("Could not connect to Redis at 127.0.0.1:" + closedPort), e.getMessage());
        assertTrue(GlobalEventExecutor.INSTANCE.awaitInactivity(10, TimeUnit.SECONDS));
        Set<String> left = liveThreads();
        left.removeAll(before);
        assertEquals(Set.of(), left);
    }
}
