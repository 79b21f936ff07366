package io.worldlink.redis.internal;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.netty.util.Timeout;
import io.worldlink.cluster.NodeUnreachableException;
import java.lang.System.Logger.Level;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Requests from node to node over Redis pub/sub, on the link's two connections. Each node subscribes to a
 * channel of its own ({@link RedisKeys#node}) when it starts. A call {@code PUBLISH}es the request on the
 * target's channel and waits for the answer on the caller's; Redis's reply to that {@code PUBLISH} (how many
 * subscribers got it) says at once when no node listens there, as when the target is down: Redis drops a
 * subscription when its socket closes, also when the process was killed.
 *
 * <p>At most {@value #MAX_WAITING} calls of a node wait for an answer, and at most {@value #MAX_SERVING}
 * requests are being served by its handler; beyond those, a call fails at once. A request or an answer is
 * at most {@value #MAX_BODY_BYTES} bytes of UTF-8. The handler runs on the link's workers; callers' stages
 * complete there too, never on a socket's thread or the timer's.
 */
public final class NodeCalls {
    private static final System.Logger LOG = System.getLogger(NodeCalls.class.getName());
    /** The most calls of this node that wait for an answer at once. */
    static final int MAX_WAITING = 4096;
    /** The most requests of other nodes that this node's handler serves at once. */
    static final int MAX_SERVING = 8192;
    /** The largest request or answer, in bytes of UTF-8. */
    public static final int MAX_BODY_BYTES = 16 * 1024 * 1024;
    private static final int MAX_FAILURE_MESSAGE = 1000;

    private final RedisLink link;
    private final RedisAsyncCommands<String, String> commands;
    private final Executor workers;
    private final String nodeId;
    private final String channel;
    private final long timeoutMillis;
    private final String origin = Envelope.newOrigin();
    private final AtomicLong nextCall = new AtomicLong();
    private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();
    private final AtomicInteger waitingCount = new AtomicInteger();
    private final AtomicInteger serving = new AtomicInteger();
    private volatile Function<String, CompletionStage<String>> handler;
    private volatile boolean closed;

    /** A call waiting for its answer, and the timer's task that ends the wait. */
    private static final class Waiting {
        final CompletableFuture<String> answer = new CompletableFuture<>();
        volatile Timeout timeout;
    }

    /**
     * Subscribes to this node's channel, waiting until Redis confirms it: from then on other nodes can call
     * this one.
     *
     * @param link the node's connections
     * @param nodeId this node's id
     * @param timeout how long a call waits for its answer
     * @throws IllegalStateException when Redis does not confirm the subscription within the link's command
     *     timeout
     */
    public NodeCalls(RedisLink link, String nodeId, Duration timeout) {
        this.link = link;
        this.commands = link.commands();
        this.workers = link.work();
        this.nodeId = nodeId;
        this.channel = RedisKeys.node(nodeId);
        this.timeoutMillis = timeout.toMillis();
        link.pubSub().addListener(new RedisPubSubAdapter<>() {
            @Override
            public void message(String on, String message) {
                if (on.equals(channel)) {
                    received(message);
                }
            }
        });
        // Lettuce subscribes again by itself at a reconnect, but passes over most failures of that; this does too (as
        // the bus does for its channels), so that the node does not stay out of reach until its next reconnect.
        link.pubSub().addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisConnected(RedisChannelHandler<?, ?> connection, SocketAddress address) {
                link.pubSub().async().subscribe(channel).whenComplete((ok, e) -> {
                    if (e != null) {
                        LOG.log(Level.WARNING, "Could not subscribe again to this node's channel in Redis at "
                                + link.address() + " (" + e.getMessage() + "); other nodes cannot call it until "
                                + "the next reconnect.");
                    }
                });
            }
        });
        try {
            link.pubSub().async().subscribe(channel).get(link.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while subscribing to this node's channel in Redis.", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not subscribe to this node's channel in Redis at " + link.address()
                    + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sets the handler of other nodes' requests to this node, replacing any earlier one.
     *
     * @param handler given a request, completes with the answer or fails with the reason to give the caller
     */
    public void serve(Function<String, CompletionStage<String>> handler) {
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /**
     * Sends a request to a node's handler.
     *
     * @param target the node's id
     * @param request the request
     * @return the answer; it fails with an {@link IllegalArgumentException} when the request is too large or
     *     the node id is not one, with a {@link NodeUnreachableException} when the request certainly did not
     *     reach the node (no node of that id listens, or Redis could not be sent the request), with an
     *     {@link IllegalStateException} when too many calls wait, this node is closed, the handler failed (its
     *     message) or the connection to Redis was lost with the request in flight, and with a
     *     {@link TimeoutException} when no answer came in time
     */
    public CompletionStage<String> call(String target, String request) {
        Objects.requireNonNull(request, "request");
        if (!RedisKeys.isNodeId(target)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("Not a node id: " + target + "."));
        }
        if (isTooLarge(request)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("A request to another node is at "
                    + "most " + MAX_BODY_BYTES / (1024 * 1024) + " MB; this one is larger."));
        }
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("This node is closed."));
        }
        if (waitingCount.incrementAndGet() > MAX_WAITING) {
            waitingCount.decrementAndGet();
            return CompletableFuture.failedFuture(new IllegalStateException(MAX_WAITING + " calls of this node to "
                    + "other nodes wait for an answer already; try again once some have been answered."));
        }
        long number = nextCall.incrementAndGet();
        Waiting w = new Waiting();
        waiting.put(number, w);
        try {
            w.timeout = link.timer().newTimeout(t -> end(number, null, new TimeoutException("Node " + target
                    + " did not answer within " + timeoutMillis + " ms.")), timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (IllegalStateException stopped) {
            end(number, null, new IllegalStateException("This node is closed."));
            return w.answer;
        }
        RedisFuture<Long> published = commands.publish(RedisKeys.node(target),
                CallMessage.request(callId(number), nodeId, request));
        // Lettuce refuses a command it cannot send (not connected, too many commands waiting) by failing it
        // before publish() returns, having written nothing; one that fails later was in flight (the connection
        // dropped, or Redis did not answer in time) and may have reached Redis and the node.
        boolean refused = published.isDone();
        published.whenComplete((receivers, e) -> {
            if (e != null && refused) {
                end(number, null, new NodeUnreachableException("Could not send the request to node " + target
                        + ": Redis at " + link.address() + " is out of reach (" + e.getMessage() + ").", e));
            } else if (e != null) {
                end(number, null, new IllegalStateException("Lost Redis at " + link.address() + " while calling node "
                        + target + " (" + e.getMessage() + "); the request may have reached it.", e));
            } else if (receivers == 0) {
                end(number, null, new NodeUnreachableException("Node " + target + " is not there: no node of that "
                        + "id is connected to Redis."));
            }
        });
        return w.answer;
    }

    private String callId(long number) {
        return origin + Long.toHexString(number);
    }

    // Once per call: the first of the answer, the failure, the timeout and close() takes it.
    private void end(long number, String answer, Throwable failure) {
        Waiting w = waiting.remove(number);
        if (w == null) {
            return;
        }
        waitingCount.decrementAndGet();
        Timeout t = w.timeout;
        if (t != null) {
            t.cancel();
        }
        Runnable complete = failure == null ? () -> w.answer.complete(answer)
                : () -> w.answer.completeExceptionally(failure);
        try {
            workers.execute(complete);
        } catch (RejectedExecutionException closing) {
            complete.run();
        }
    }

    // On the pub/sub socket's thread: look at the kind only, hand the rest on.
    private void received(String message) {
        CallMessage m = CallMessage.parse(message);
        if (m == null) {
            LOG.log(Level.WARNING, "A message that WorldLink did not write came on channel " + channel
                    + "; it is passed over.");
            return;
        }
        if (m.kind() == CallMessage.REQUEST) {
            request(m);
            return;
        }
        Long number = numberOf(m.callId());
        if (number == null) {
            LOG.log(Level.DEBUG, "An answer to a call of an earlier run of node " + nodeId + " is passed over.");
            return;
        }
        if (m.kind() == CallMessage.ANSWER) {
            end(number, m.body(), null);
        } else {
            end(number, null, new IllegalStateException(m.body()));
        }
    }

    private Long numberOf(String callId) {
        if (!callId.startsWith(origin) || callId.length() == origin.length()) {
            return null;
        }
        try {
            return Long.parseUnsignedLong(callId, origin.length(), callId.length(), 16);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void request(CallMessage m) {
        if (closed) {
            reply(m, null, "Node " + nodeId + " is closing.");
            return;
        }
        if (serving.incrementAndGet() > MAX_SERVING) {
            serving.decrementAndGet();
            reply(m, null, "Node " + nodeId + " serves " + MAX_SERVING + " requests already; try again later.");
            return;
        }
        try {
            workers.execute(() -> serveOnWorker(m));
        } catch (RejectedExecutionException closing) {
            serving.decrementAndGet();
        }
    }

    private void serveOnWorker(CallMessage m) {
        Function<String, CompletionStage<String>> h = handler;
        CompletionStage<String> answer;
        try {
            answer = h == null ? null : h.apply(m.body());
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        if (answer == null) {
            serving.decrementAndGet();
            reply(m, null, h == null ? "Node " + nodeId + " serves no requests." : "The handler of node " + nodeId
                    + " gave no answer.");
            return;
        }
        answer.whenComplete((body, e) -> {
            serving.decrementAndGet();
            if (e != null) {
                reply(m, null, messageOf(e));
            } else if (body == null) {
                reply(m, null, "The handler of node " + nodeId + " answered nothing.");
            } else if (isTooLarge(body)) {
                reply(m, null, "The answer of node " + nodeId + " is larger than " + MAX_BODY_BYTES / (1024 * 1024)
                        + " MB.");
            } else {
                reply(m, body, null);
            }
        });
    }

    private static String messageOf(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        return message.length() > MAX_FAILURE_MESSAGE ? message.substring(0, MAX_FAILURE_MESSAGE) + "..." : message;
    }

    private void reply(CallMessage request, String answer, String failure) {
        String message = answer != null ? CallMessage.answer(request.callId(), answer)
                : CallMessage.failure(request.callId(), failure);
        commands.publish(RedisKeys.node(request.from()), message).whenComplete((receivers, e) -> {
            if (e != null || receivers == 0) {
                LOG.log(Level.DEBUG, "The answer to a call of node " + request.from() + " did not reach it"
                        + (e == null ? "" : ": " + e.getMessage()));
            }
        });
    }

    /** @return whether the text is more than {@value #MAX_BODY_BYTES} bytes in UTF-8, counted without a copy */
    static boolean isTooLarge(String text) {
        int length = text.length();
        if (length <= MAX_BODY_BYTES / 3) {
            return false;
        }
        if (length > MAX_BODY_BYTES) {
            return true;
        }
        long bytes = 0;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                bytes++;
            } else if (c < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes > MAX_BODY_BYTES;
    }

    /** Fails the calls that wait for an answer, and serves no more requests. */
    public void close() {
        closed = true;
        for (Long number : waiting.keySet()) {
            end(number, null, new IllegalStateException("This node is closing."));
        }
    }
}
