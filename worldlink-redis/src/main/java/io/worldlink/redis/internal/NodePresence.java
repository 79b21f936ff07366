package io.worldlink.redis.internal;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.worldlink.UserId;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Which users have a connection on which live node. Each node keeps in Redis the set of its present users
 * and a liveness key that runs out a lease time after the node's last renewal; the set of node ids names
 * the nodes to look at. A node that dies stops counting when its liveness runs out, and the next node that
 * asks clears its users. A node that starts clears what an earlier run with its id left.
 *
 * <p>The node also keeps its users in memory, so that whatever Redis missed (a change that failed, users
 * cleared while this node was cut off for longer than a lease time) is written again at the next renewal.
 * Each user's changes are sent inside that user's entry's atomic update, so that they reach Redis in the
 * order they were made, also when they cross such a rewrite.
 */
public final class NodePresence {
    private static final System.Logger LOG = System.getLogger(NodePresence.class.getName());
    // Users per SADD when the whole set is written again.
    private static final int USERS_PER_COMMAND = 1000;

    private final RedisLink link;
    private final RedisAsyncCommands<String, String> commands;
    private final Executor workers;
    private final String nodeId;
    private final String run = Envelope.newOrigin();
    private final String leaseMillis;
    private final String aliveKey;
    private final String usersKey;
    private final Map<String, Boolean> users = new ConcurrentHashMap<>();
    // Set when Redis may not hold what this node says: the next renewal writes it all again.
    private final AtomicBoolean unsure = new AtomicBoolean();
    private volatile boolean closed;

    /**
     * Says this node is alive and clears what an earlier run of it left, waiting for Redis.
     *
     * @param link the node's connections
     * @param nodeId this node's id
     * @param leaseTime how long the node counts as alive after its last renewal
     * @throws IllegalStateException when Redis does not answer within the link's command timeout
     */
    public NodePresence(RedisLink link, String nodeId, Duration leaseTime) {
        this.link = link;
        this.commands = link.commands();
        this.workers = link.work();
        this.nodeId = nodeId;
        this.leaseMillis = Long.toString(leaseTime.toMillis());
        this.aliveKey = RedisKeys.alive(nodeId);
        this.usersKey = RedisKeys.users(nodeId);
        try {
            Scripts.START.run(commands, ScriptOutputType.INTEGER, new String[] {RedisKeys.nodes(), aliveKey, usersKey},
                    nodeId, run, leaseMillis).toCompletableFuture()
                    .get(link.commandTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while registering this node in Redis.", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("Could not register this node in Redis at " + link.address() + ": "
                    + e.getMessage(), e);
        }
    }

    /**
     * Says whether a user has a connection on this node; returns at once.
     *
     * @param user the user
     * @param present whether they have one now
     */
    public void present(UserId user, boolean present) {
        Objects.requireNonNull(user, "user");
        if (closed) {
            return;
        }
        users.compute(user.value(), (u, was) -> {
            (present ? commands.sadd(usersKey, u) : commands.srem(usersKey, u)).whenComplete(this::unsureOnFailure);
            return present ? Boolean.TRUE : null;
        });
    }

    private void unsureOnFailure(Object result, Throwable e) {
        if (e != null) {
            unsure.set(true);
        }
    }

    /**
     * @param user the user
     * @return whether a live node other than this one has them, completed on the link's workers
     */
    public CompletionStage<Boolean> presentElsewhere(UserId user) {
        Objects.requireNonNull(user, "user");
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("This node is closed."));
        }
        return Scripts.PRESENT_ELSEWHERE.<Long>run(commands, ScriptOutputType.INTEGER, new String[] {RedisKeys.nodes()},
                nodeId, user.value(), RedisKeys.ALIVE, RedisKeys.USERS)
                .thenApplyAsync(found -> found == 1, workers);
    }

    /** Renews this node's liveness, and writes its users again when Redis may have missed some; on the timer. */
    public void renew() {
        if (closed) {
            return;
        }
        Scripts.ALIVE.<Long>run(commands, ScriptOutputType.INTEGER, new String[] {RedisKeys.nodes(), aliveKey},
                nodeId, run, leaseMillis).whenComplete((wasAlive, e) -> {
                    if (e != null) {
                        LOG.log(Level.DEBUG, "Could not renew this node's liveness in Redis: " + e.getMessage());
                        return;
                    }
                    boolean ranOut = wasAlive == 0;
                    if (ranOut) {
                        LOG.log(Level.INFO, "This node's liveness had run out in Redis; its users are written "
                                + "there again.");
                    }
                    if ((unsure.getAndSet(false) || ranOut) && !closed) {
                        writeAll();
                    }
                });
    }

    // Adds every user this node has, then removes any the set holds that it has no more.
    private void writeAll() {
        List<String> batch = new ArrayList<>(USERS_PER_COMMAND);
        for (String user : users.keySet()) {
            batch.add(user);
            if (batch.size() == USERS_PER_COMMAND) {
                add(List.copyOf(batch));
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            add(batch);
        }
        commands.smembers(usersKey).whenComplete((members, e) -> {
            if (e != null) {
                unsure.set(true);
            } else {
                members.forEach(this::removeIfGone);
            }
        });
    }

    private void add(List<String> batch) {
        commands.sadd(usersKey, batch.toArray(String[]::new)).whenComplete((added, e) -> {
            if (e != null) {
                unsure.set(true);
            } else {
                // One who left while the batch was on its way may have been removed before it was added.
                batch.forEach(this::removeIfGone);
            }
        });
    }

    // Inside the user's atomic update: after any change of theirs sent before, before any sent after.
    private void removeIfGone(String user) {
        users.compute(user, (u, present) -> {
            if (present == null) {
                commands.srem(usersKey, u).whenComplete(this::unsureOnFailure);
            }
            return present;
        });
    }

    /** Ends this node's presence in Redis, so that its users count no more, waiting a moment for Redis. */
    public void close() {
        closed = true;
        try {
            Scripts.STOP.run(commands, ScriptOutputType.INTEGER, new String[] {RedisKeys.nodes(), aliveKey, usersKey},
                    nodeId, run).toCompletableFuture().get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.log(Level.WARNING, "Could not end this node's presence in Redis at " + link.address()
                    + "; it ends when its liveness runs out.");
        }
    }
}
