package io.worldlink.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.cluster.NodeUnreachableException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests from node to node over a real redis-server. */
class NodeCallsTest {
    // Longer than any wait of these tests: a call that fails within them did not time out.
    static final Duration NEVER = Duration.ofMinutes(10);

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

    ClusterNode node(String id, String uri, Duration callTimeout) {
        ClusterNode n = ClusterNode.builder().redis(uri).nodeId(id).dataRoot(root).callTimeout(callTimeout).build();
        nodes.add(n);
        return n;
    }

    ClusterNode node(String id) {
        return node(id, redis.uri(), NEVER);
    }

    static String answer(CompletionStage<String> call) throws Exception {
        return call.toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** {@return the cause of the call's failure, waiting up to 10 s for it} */
    static Throwable failure(CompletionStage<String> call) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> call.toCompletableFuture().get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void aNodeAnswersAnotherOnItsWorkersAndEachCallGetsItsOwnAnswer() throws Exception {
        ClusterNode a = node("node-a");
        ClusterNode b = node("node-b");
        Set<String> handlerThreads = ConcurrentHashMap.newKeySet();
        a.serve(request -> {
            handlerThreads.add(Thread.currentThread().getName());
            return CompletableFuture.completedFuture("a: " + request);
        });
        BlockingQueue<CompletableFuture<String>> held = new LinkedBlockingQueue<>();
        b.serve(request -> {
            handlerThreads.add(Thread.currentThread().getName());
            if (request.equals("hold")) {
                CompletableFuture<String> answer = new CompletableFuture<>();
                held.add(answer);
                return answer;
            }
            return CompletableFuture.completedFuture("b: " + request);
        });

        String text = "héllo wörld ✓ 🌍 with spaces  and\nlines";
        assertEquals("a: " + text, answer(b.call("node-a", text)));
        assertEquals("b: ", answer(a.call("node-b", "")), "an empty request and a short answer");

        List<CompletableFuture<String>> fromB = new ArrayList<>();
        List<CompletableFuture<String>> fromA = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            fromB.add(b.call("node-a", "request " + i).toCompletableFuture());
            fromA.add(a.call("node-b", "request " + i).toCompletableFuture());
        }
        for (int i = 0; i < 200; i++) {
            assertEquals("a: request " + i, fromB.get(i).get(10, TimeUnit.SECONDS));
            assertEquals("b: request " + i, fromA.get(i).get(10, TimeUnit.SECONDS));
        }
        assertTrue(handlerThreads.stream().allMatch(t -> t.startsWith("worldlink-redis-work-")),
                "handlers run on the workers, not on a socket's thread: " + handlerThreads);

        // Answered only once the caller waits for it.
        CompletableFuture<String> completedOn = new CompletableFuture<>();
        a.call("node-b", "hold").whenComplete((r, e) -> completedOn.complete(Thread.currentThread().getName()));
        held.poll(10, TimeUnit.SECONDS).complete("held");
        assertTrue(completedOn.get(10, TimeUnit.SECONDS).startsWith("worldlink-redis-work-"),
                "answers complete on the workers: " + completedOn.get());
        assertEquals("a: to myself", answer(a.call("node-a", "to myself")), "a node may call itself");
    }

    @Test
    void aCallToANodeThatIsNotThereFailsAtOnce() {
        ClusterNode a = node("node-a");
        Throwable e = failure(a.call("node-x", "hello"));
        assertInstanceOf(NodeUnreachableException.class, e, "the request certainly did not reach a node");
        assertEquals("Node node-x is not there: no node of that id is connected to Redis.", e.getMessage());
        assertInstanceOf(IllegalArgumentException.class, failure(a.call("no such node!", "hello")));
    }

    @Test
    void aCallToANodeWhoseConnectionsDroppedFailsAtOnce() throws Exception {
        ClusterNode a = node("node-a");
        ClusterNode b = node("node-b", redis.uriOfUser("node-b"), NEVER);
        b.serve(request -> CompletableFuture.completedFuture("here"));
        assertEquals("here", answer(a.call("node-b", "are you there?")));

        // As when the process is killed: its sockets close, and Redis drops its subscription at once.
        redis.cutOff("node-b");
        Throwable e = failure(a.call("node-b", "are you there?"));
        assertInstanceOf(NodeUnreachableException.class, e);
        assertEquals("Node node-b is not there: no node of that id is connected to Redis.", e.getMessage());

        redis.letIn("node-b");
        Recorder.eventually(() -> {
            try {
                return "here".equals(answer(a.call("node-b", "back?")));
            } catch (Exception notYet) {
                return false;
            }
        }, "node b subscribes again to its channel once it reconnects");
    }

    @Test
    void aCallFromANodeCutOffFromRedisFailsAsNeverSent() throws Exception {
        ClusterNode a = node("node-a", redis.uriOfUser("node-a"), NEVER);
        ClusterNode b = node("node-b");
        List<String> served = new CopyOnWriteArrayList<>();
        b.serve(request -> {
            served.add(request);
            return CompletableFuture.completedFuture("here");
        });
        assertEquals("here", answer(a.call("node-b", "before")));

        // Once node a knows it has no connection, its requests are not sent: nothing reached node b.
        redis.cutOff("node-a");
        AtomicReference<Throwable> refused = new AtomicReference<>();
        Recorder.eventually(() -> {
            refused.set(failure(a.call("node-b", "while cut off")));
            return refused.get() instanceof NodeUnreachableException;
        }, "node a fails calls as never sent once it knows it has lost Redis");
        assertTrue(refused.get().getMessage().startsWith("Could not send the request to node node-b: Redis at "),
                refused.get().getMessage());
        redis.letIn("node-a");
        Recorder.eventually(() -> {
            try {
                return "here".equals(answer(a.call("node-b", "after")));
            } catch (Exception notYet) {
                return false;
            }
        }, "node a calls again once it has reconnected");
        assertFalse(served.contains("while cut off"), "node b got none of the calls made while node a was cut off");
    }

    @Test
    void aCallThatGetsNoAnswerInTimeFailsAndALateAnswerIsPassedOver() throws Exception {
        ClusterNode a = node("node-a", redis.uri(), Duration.ofMillis(300));
        ClusterNode b = node("node-b");
        BlockingQueue<CompletableFuture<String>> held = new LinkedBlockingQueue<>();
        b.serve(request -> {
            if (request.equals("hold")) {
                CompletableFuture<String> answer = new CompletableFuture<>();
                held.add(answer);
                return answer;
            }
            return CompletableFuture.completedFuture("now: " + request);
        });

        Throwable e = failure(a.call("node-b", "hold"));
        assertInstanceOf(TimeoutException.class, e);
        assertEquals("Node node-b did not answer within 300 ms.", e.getMessage());

        // The late answer is published before the next call's request, so it reaches node a first.
        held.poll(10, TimeUnit.SECONDS).complete("too late");
        assertEquals("now: next", answer(a.call("node-b", "next")));
    }

    @Test
    void theHandlersFailureReachesTheCallerWithItsMessage() {
        ClusterNode a = node("node-a");
        ClusterNode b = node("node-b");
        Throwable none = failure(a.call("node-b", "anyone?"));
        assertEquals("Node node-b serves no requests.", none.getMessage());

        b.serve(request -> switch (request) {
            case "fail" -> CompletableFuture.failedFuture(new IllegalArgumentException("No world \"x\" here."));
            case "throw" -> throw new IllegalStateException("The handler threw.");
            case "null" -> CompletableFuture.completedFuture(null);
            default -> null;
        });
        Throwable failed = failure(a.call("node-b", "fail"));
        assertInstanceOf(IllegalStateException.class, failed);
        assertEquals("No world \"x\" here.", failed.getMessage());
        assertEquals("The handler threw.", failure(a.call("node-b", "throw")).getMessage());
        assertEquals("The handler of node node-b answered nothing.", failure(a.call("node-b", "null")).getMessage());
        assertEquals("The handler of node node-b gave no answer.", failure(a.call("node-b", "other")).getMessage());
    }

    @Test
    void largeBodiesTravelWholeAndTooLargeOnesAreRefused() throws Exception {
        ClusterNode a = node("node-a");
        ClusterNode b = node("node-b");
        // 8 MB less a byte of UTF-8: two of them make an answer just under the limit.
        String page = "ä".repeat(4 * 1024 * 1024 - 2) + "end";
        b.serve(request -> CompletableFuture.completedFuture(
                request.equals("big answer") ? page + page : request.equals("too big") ? "x".repeat(16 * 1024 * 1024 + 1)
                        : Integer.toString(request.length())));

        assertEquals(Integer.toString(page.length()), answer(a.call("node-b", page)), "8 MB of UTF-8 each way");
        assertEquals(page + page, answer(a.call("node-b", "big answer")), "nearly 16 MB, the most an answer may be");

        Throwable tooLarge = failure(a.call("node-b", "ä".repeat(8 * 1024 * 1024) + "!"));
        assertInstanceOf(IllegalArgumentException.class, tooLarge);
        assertEquals("A request to another node is at most 16 MB; this one is larger.", tooLarge.getMessage());
        assertEquals("The answer of node node-b is larger than 16 MB.", failure(a.call("node-b", "too big")).getMessage());
        assertEquals("3", answer(a.call("node-b", "abc")), "the node still answers");
    }

    @Test
    void atMostSoManyCallsWaitAndClosingTheNodeFailsThem() {
        ClusterNode a = node("node-a");
        ClusterNode b = node("node-b");
        b.serve(request -> new CompletableFuture<>());
        List<CompletableFuture<String>> waiting = new ArrayList<>();
        for (int i = 0; i < 4096; i++) {
            waiting.add(a.call("node-b", "wait " + i).toCompletableFuture());
        }
        Throwable e = failure(a.call("node-b", "one more"));
        assertEquals("4096 calls of this node to other nodes wait for an answer already; try again once some have "
                + "been answered.", e.getMessage());

        a.close();
        nodes.remove(a);
        for (CompletableFuture<String> call : waiting) {
            assertEquals("This node is closing.", failure(call).getMessage());
        }
        assertEquals("This node is closed.", failure(a.call("node-b", "after close")).getMessage());
    }
}
