package io.worldlink.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.DefaultEventPublisherOptions;
import io.lettuce.core.metrics.CommandLatencyRecorder;
import io.lettuce.core.output.IntegerOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.Timer;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A node's two connections to Redis and the threads behind them: one connection for commands (publishes,
 * calls, and the scripts of leases and presence, pipelined by every thread of the node), one for pub/sub (a
 * connection that subscribes can send nothing else). Their number does not grow with worlds, clients or calls.
 *
 * <p>Both reconnect by themselves, after 10 ms and then after up to a second. While a connection is down
 * its commands fail at once instead of piling up (Lettuce's {@code REJECT_COMMANDS}), and at most
 * {@value #QUEUE} commands wait for Redis's answer, so that an outage costs neither memory nor a blocked
 * caller; a command that Redis does not answer fails after the command timeout.
 *
 * <p>Threads: Netty's event loops ({@value #IO_THREADS}, one per connection), Lettuce's computation pool
 * ({@value #WORK_THREADS}, which delivers events to listeners and runs the handler of calls) and one timer
 * (command and call timeouts, reconnect delays, renewals, publish retries): five in all, named by
 * {@link RedisThreads}. Lettuce's latency metrics are off, so nothing else runs on a schedule.
 */
public final class RedisLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RedisLink.class.getName());
    static final int IO_THREADS = 2;
    static final int WORK_THREADS = 2;
    static final int QUEUE = 10_000;

    private final RedisThreads threads = new RedisThreads();
    private final ClientResources resources;
    private final RedisClient client;
    private final String address;
    private final Duration commandTimeout;
    private final StatefulRedisConnection<String, String> commands;
    private final StatefulRedisPubSubConnection<String, String> pubSub;

    private RedisLink(RedisURI uri, Duration commandTimeout) {
        this.address = uri.getHost() + ":" + uri.getPort();
        this.commandTimeout = commandTimeout;
        this.resources = ClientResources.builder()
                .ioThreadPoolSize(IO_THREADS)
                .computationThreadPoolSize(WORK_THREADS)
                .threadFactoryProvider(threads)
                .commandLatencyRecorder(CommandLatencyRecorder.disabled())
                .commandLatencyPublisherOptions(DefaultEventPublisherOptions.disabled())
                .reconnectDelay(Delay.fullJitter(Duration.ofMillis(10), Duration.ofSeconds(1), 10,
                        TimeUnit.MILLISECONDS))
                .build();
        RedisClient made = RedisClient.create(resources, uri);
        made.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .requestQueueSize(QUEUE)
                .timeoutOptions(TimeoutOptions.enabled(commandTimeout))
                .socketOptions(SocketOptions.builder().connectTimeout(commandTimeout).keepAlive(true).build())
                .build());
        this.client = made;
        StatefulRedisConnection<String, String> c = null;
        try {
            c = made.connect();
            this.commands = c;
            this.pubSub = made.connectPubSub();
        } catch (RedisException e) {
            if (c != null) {
                c.close();
            }
            shutDown();
            throw new IllegalStateException("Could not connect to Redis at " + address + ": "
                    + rootMessage(e) + ". Check that Redis runs there and that the address is right.", e);
        }
    }

    /**
     * Connects to Redis, blocking until both connections are open.
     *
     * @param uri {@code redis://[:password@]host[:port][/database]} (or {@code rediss://} for TLS)
     * @param clientName the name both connections give themselves, which Redis's {@code CLIENT LIST} shows
     * @param commandTimeout how long a command may wait for Redis's answer, and a connection attempt
     * @return the link, connected
     * @throws IllegalArgumentException when the address is not a Redis URI
     * @throws IllegalStateException when Redis cannot be reached
     */
    public static RedisLink connect(String uri, String clientName, Duration commandTimeout) {
        RedisURI parsed;
        try {
            parsed = RedisURI.create(uri);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Not a Redis address: give redis://host:port (" + e.getMessage() + ").",
                    e);
        }
        parsed.setTimeout(commandTimeout);
        parsed.setClientName(clientName);
        return new RedisLink(parsed, commandTimeout);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** @return the asynchronous commands of the command connection; every thread may use them */
    RedisAsyncCommands<String, String> commands() {
        return commands.async();
    }

    /**
     * Publishes bytes as they are on the command connection, which Lettuce's String codec would write out
     * character by character on the socket's thread.
     *
     * @param channel the channel's name in UTF-8
     * @param message the message in UTF-8
     * @return how many subscribers Redis gave it to
     */
    RedisFuture<Long> publish(byte[] channel, byte[] message) {
        return commands.async().dispatch(CommandType.PUBLISH, new IntegerOutput<>(StringCodec.UTF8),
                new CommandArgs<>(StringCodec.UTF8).add(channel).add(message));
    }

    /** @return the pub/sub connection */
    StatefulRedisPubSubConnection<String, String> pubSub() {
        return pubSub;
    }

    /** @return the command connection, to listen to its reconnects */
    StatefulRedisConnection<String, String> commandConnection() {
        return commands;
    }

    /** @return the shared threads that deliver events to listeners (Lettuce's computation pool) */
    Executor work() {
        return resources.eventExecutorGroup();
    }

    /** @return the timer of command timeouts and reconnects, which also runs the link's short repeated tasks */
    Timer timer() {
        return resources.timer();
    }

    /** @return how long a command may wait for Redis's answer */
    Duration commandTimeout() {
        return commandTimeout;
    }

    /** @return host:port, for messages (never the password) */
    String address() {
        return address;
    }

    /** Closes both connections and stops every thread of the link, waiting (a few seconds at most) until they have ended. */
    @Override
    public void close() {
        pubSub.close();
        commands.close();
        shutDown();
    }

    private void shutDown() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            client.shutdownAsync(0, 2, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
            resources.shutdown(0, 2, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
            if (!threads.join(deadline)) {
                LOG.log(Level.WARNING, "Some of the Redis client's threads had not ended 5 seconds after close.");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "The Redis client did not shut down cleanly: " + e.getMessage(), e);
        }
    }
}
