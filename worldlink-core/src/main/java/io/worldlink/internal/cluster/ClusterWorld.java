package io.worldlink.internal.cluster;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.worldlink.AgentSnapshot;
import io.worldlink.Chat;
import io.worldlink.ErrorCode;
import io.worldlink.NewAgent;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.WorldUpdate;
import io.worldlink.cluster.Cluster;
import io.worldlink.cluster.NodeUnreachableException;
import io.worldlink.cluster.Ownership;
import io.worldlink.cluster.WorldLease;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.Ids;
import io.worldlink.internal.world.AgentView;
import io.worldlink.internal.world.LiveWorld;
import io.worldlink.internal.world.WorldRuntime;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * A world in cluster mode, as one node sees it: run here, under this node's lease, or run by the node
 * that holds the lease and reached through the cluster. When the owner fails a call (it is gone, does not
 * answer in time, or no longer runs the world) or this node's lease ends, the world is claimed again: loaded
 * here when no live node holds it, else reached at its new owner. The call that found out is made again
 * there once when it is a read, or a write that certainly never reached the old owner
 * ({@link NodeUnreachableException}, or an answer that the owner does not run the world); a write that the
 * old owner may have done (no answer in time) fails with an error that says so, and is never done twice.
 * Every method returns at once.
 */
public final class ClusterWorld implements LiveWorld {
    private static final System.Logger LOG = System.getLogger(ClusterWorld.class.getName());
    // How often a claim that finds no answer (an owner that is starting or stopping) is tried again.
    private static final Duration RETRY = Duration.ofMillis(200);

    /** Loads the world in this process, once this node holds its lease. */
    @FunctionalInterface
    public interface Loader {
        /**
         * @param lease this node's lease of the world
         * @return the world, loaded
         */
        CompletableFuture<WorldRuntime> load(WorldLease lease);
    }

    private sealed interface Target permits Local, Remote {}

    private record Local(WorldRuntime runtime, WorldLease lease) implements Target {}

    private record Remote(String node, long publishedSeq) implements Target {}

    private final WorldKey key;
    private final Cluster cluster;
    private final Loader loader;
    private final Executor pool;
    private final ScheduledExecutorService timer;
    private final Duration claimFor;
    private final Runnable moved;
    private volatile CompletableFuture<Target> target;
    private volatile boolean closed;

    private ClusterWorld(WorldKey key, Cluster cluster, Loader loader, Executor pool, ScheduledExecutorService timer,
            Duration claimFor, Runnable moved) {
        this.moved = moved;
        this.key = key;
        this.cluster = cluster;
        this.loader = loader;
        this.pool = pool;
        this.timer = timer;
        this.claimFor = claimFor;
    }

    /**
     * Finds where the world runs, loading it here when no live node runs it.
     *
     * @param key the world
     * @param cluster the cluster
     * @param loader loads the world here under this node's lease
     * @param pool where the answers are handled
     * @param timer for claims tried again
     * @param claimFor how long to try to find an owner before failing (longer than a lease lasts)
     * @param moved called when the world has moved to another node or here: the events that the old owner
     *     logged but did not get to publish are to be read back
     * @return the world, once it runs here or its owner answered
     */
    public static CompletableFuture<ClusterWorld> open(WorldKey key, Cluster cluster, Loader loader, Executor pool,
            ScheduledExecutorService timer, Duration claimFor, Runnable moved) {
        ClusterWorld world = new ClusterWorld(key, cluster, loader, pool, timer, claimFor, moved);
        CompletableFuture<Target> first = world.resolve(System.nanoTime() + claimFor.toNanos());
        world.target = first;
        return first.thenApply(t -> world);
    }

    /**
     * Deletes a world that is not loaded on this node: from storage under this node's lease when no node
     * runs it, else by the node that runs it.
     *
     * @param key the world
     * @param cluster the cluster
     * @param deleteStored deletes the stored world (fails when there is none)
     * @param pool where storage is deleted
     * @return done when the world is deleted
     */
    public static CompletableFuture<Void> deleteWhereItRuns(WorldKey key, Cluster cluster, Runnable deleteStored,
            Executor pool) {
        return cluster.claim(key).toCompletableFuture().thenCompose(ownership -> {
            if (ownership instanceof Ownership.Acquired a) {
                return CompletableFuture.runAsync(() -> {
                    LeasedStorage.held(a.lease());
                    deleteStored.run();
                }, pool).thenRun(() -> deleted(key, cluster))
                        .whenComplete((x, e) -> a.lease().close());
            }
            String owner = ((Ownership.OwnedBy) ownership).nodeId();
            if (owner.equals(cluster.nodeId())) {
                return CompletableFuture.failedFuture(new WorldLinkException(ErrorCode.INTERNAL, "World \""
                        + key.worldId() + "\" is still held by an earlier run of this node; try again in a few seconds."));
            }
            return cluster.call(owner, WorldCalls.request("delete", key).toString()).toCompletableFuture()
                    .thenAccept(WorldCalls::value).exceptionallyCompose(e -> {
                        Throwable cause = cause(e);
                        if (cause instanceof WorldLinkException) {
                            return CompletableFuture.failedFuture(e);
                        }
                        return CompletableFuture.failedFuture(notTaken(cause) ? new WorldLinkException(
                                ErrorCode.INTERNAL, "World \"" + key.worldId() + "\" is moving between the server's "
                                + "nodes; try again in a few seconds.") : unanswered(key, owner, "delete", cause));
                    });
        });
    }

    // Tells the other nodes, which move their clients out of the world at once. Published while this node still
    // holds the lease, so that it comes before anything of a world of the same name created after.
    private static void deleted(WorldKey key, Cluster cluster) {
        cluster.bus().publish(key, new WorldActionEvent(Ids.next(), Instant.now(), 0, WorldActionEvent.WORLD_DELETE,
                null, Map.of()));
    }

    /** {@return whether the world runs in this process now} */
    public boolean isHere() {
        CompletableFuture<Target> t = target;
        return t.isDone() && !t.isCompletedExceptionally() && t.join() instanceof Local;
    }

    /** {@return the world run in this process, or {@code null} when another node runs it (or it is moving)} */
    public WorldRuntime here() {
        CompletableFuture<Target> t = target;
        return t.isDone() && !t.isCompletedExceptionally() && t.join() instanceof Local l ? l.runtime() : null;
    }

    /**
     * Claims the world again when its owner is gone: used by a node whose clients watch a world that another
     * node runs, so that a turn the dead owner left is ended (or finished) by the next owner though nobody
     * sends anything. Does nothing while the world runs here or is moving.
     */
    public void checkOwner() {
        CompletableFuture<Target> t = target;
        if (closed || !t.isDone() || t.isCompletedExceptionally() || !(t.join() instanceof Remote r)) {
            return;
        }
        cluster.claim(key).whenCompleteAsync((ownership, error) -> {
            if (error != null) {
                return;
            }
            if (ownership instanceof Ownership.Acquired a) {
                // The owner is gone: this node takes the world over now that it holds the lease.
                CompletableFuture<Target> next = new CompletableFuture<>();
                if (!swap(t, next)) {
                    a.lease().close();
                    return;
                }
                LOG.log(Level.INFO, "World " + key + " had no owner left (it was " + r.node() + "); it runs here now");
                loadHere(a.lease()).whenComplete((x, e) -> complete(next, x, e));
            } else if (ownership instanceof Ownership.OwnedBy o && !o.nodeId().equals(r.node())) {
                failover(t);
            }
        }, pool);
    }

    private boolean swap(CompletableFuture<Target> from, CompletableFuture<Target> to) {
        synchronized (this) {
            if (target != from || closed) {
                return false;
            }
            target = to;
            return true;
        }
    }

    // Completes a move to another owner.
    private void complete(CompletableFuture<Target> f, Target t, Throwable e) {
        if (e != null) {
            f.completeExceptionally(e);
        } else {
            f.complete(t);
            moved.run();
        }
    }

    // Claims the world until it runs here or an owner answers, or the time is up.
    private CompletableFuture<Target> resolve(long deadline) {
        // A claim that fails (the cluster's store out of reach for a moment, as while Redis restarts) is made
        // again, as one that finds the owner unreachable is.
        return cluster.claim(key).toCompletableFuture().handle((found, error) -> found).thenComposeAsync(ownership -> {
            if (ownership == null) {
                return later(deadline);
            }
            if (ownership instanceof Ownership.Acquired a) {
                return loadHere(a.lease());
            }
            String owner = ((Ownership.OwnedBy) ownership).nodeId();
            if (owner.equals(cluster.nodeId())) {
                // An earlier run of this node holds the lease still: it runs out, then this node takes it.
                return later(deadline);
            }
            return call(owner, WorldCalls.request("open", key)).<Target>thenApply(
                    answer -> new Remote(owner, answer.getAsLong()))
                    .exceptionallyCompose(e -> unreachable(e) ? later(deadline) : CompletableFuture.failedFuture(e));
        }, pool);
    }

    private CompletableFuture<Target> later(long deadline) {
        if (System.nanoTime() > deadline) {
            return CompletableFuture.failedFuture(new WorldLinkException(ErrorCode.INTERNAL, "World \"" + key.worldId()
                    + "\" is moving between the server's nodes and no node could take it within "
                    + claimFor.toSeconds() + " seconds; try again in a moment."));
        }
        CompletableFuture<Target> retried = new CompletableFuture<>();
        timer.schedule(() -> resolve(deadline).whenComplete((t, e) -> {
            if (e != null) {
                retried.completeExceptionally(e);
            } else {
                retried.complete(t);
            }
        }), RETRY.toMillis(),
                TimeUnit.MILLISECONDS);
        return retried;
    }

    private CompletableFuture<Target> loadHere(WorldLease lease) {
        return loader.load(lease).<Target>thenApply(runtime -> {
            Local local = new Local(runtime, lease);
            lease.ended().whenComplete((x, e) -> leaseEnded(local));
            return local;
        }).whenComplete((t, e) -> {
            if (e != null) {
                lease.close();
            }
        });
    }

    // This node lost the world (its lease ran out or another node holds it): it stops running it here.
    private void leaseEnded(Local local) {
        CompletableFuture<Target> t = target;
        if (closed || !t.isDone() || t.isCompletedExceptionally() || t.join() != local) {
            return;
        }
        LOG.log(Level.WARNING, "This node lost its lease of world " + key + "; it stops running it here");
        local.runtime().close();
        failover(t);
    }

    // The owner is gone: the world is claimed again, unless someone has done so already.
    private CompletableFuture<Target> failover(CompletableFuture<Target> failed) {
        CompletableFuture<Target> next = new CompletableFuture<>();
        if (!swap(failed, next)) {
            CompletableFuture<Target> current = target;
            return current;
        }
        resolve(System.nanoTime() + claimFor.toNanos()).whenComplete((t, e) -> complete(next, t, e));
        return next;
    }

    private CompletableFuture<JsonElement> call(String node, JsonObject request) {
        return cluster.call(node, request.toString()).toCompletableFuture().thenApply(WorldCalls::value);
    }

    private static Throwable cause(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    private static boolean unreachable(Throwable e) {
        return !(cause(e) instanceof WorldLinkException);
    }

    /**
     * @param failure why a request of a world failed
     * @return whether it certainly did nothing: it never reached the node that ran the world, or that node
     *     answered that it does not run the world
     */
    public static boolean notTaken(Throwable failure) {
        Throwable cause = cause(failure);
        return cause instanceof NodeUnreachableException || cause instanceof WorldCalls.NotHere;
    }

    private <T> CompletableFuture<T> read(Function<LiveWorld, CompletableFuture<T>> local, JsonObject request,
            Function<JsonElement, T> answer) {
        return run(false, local, request, answer);
    }

    private <T> CompletableFuture<T> write(Function<LiveWorld, CompletableFuture<T>> local, JsonObject request,
            Function<JsonElement, T> answer) {
        return run(true, local, request, answer);
    }

    // Runs an operation where the world runs. When the owner fails to answer (it is gone, slow, or no longer
    // runs the world), the world is claimed again; a read is then made again at the new owner, once, and so is
    // a write that certainly did not reach the old one. A write that the old owner may have done is not made
    // twice: it fails with an error that says so.
    private <T> CompletableFuture<T> run(boolean write, Function<LiveWorld, CompletableFuture<T>> local,
            JsonObject request, Function<JsonElement, T> answer) {
        CompletableFuture<Target> t = target;
        return t.thenCompose(target -> attempt(target, local, request, answer)).exceptionallyCompose(e -> {
            Throwable cause = cause(e);
            if (cause instanceof WorldLinkException || closed) {
                return CompletableFuture.failedFuture(e);
            }
            Target failed = t.isCompletedExceptionally() ? null : t.join();
            if (failed instanceof Local) {
                // This node's own run of the world failed: a claim would find this node again.
                return CompletableFuture.failedFuture(e);
            }
            CompletableFuture<Target> next = failover(t);
            if (write && failed instanceof Remote r && !notTaken(cause)) {
                return CompletableFuture.failedFuture(unanswered(key, r.node(), request.get("op").getAsString(),
                        cause));
            }
            return next.thenCompose(target -> attempt(target, local, request, answer));
        });
    }

    // A write that the owner may have done: the client looks before sending it again.
    private static WorldLinkException unanswered(WorldKey key, String node, String op, Throwable cause) {
        LOG.log(Level.WARNING, "Node " + node + " did not answer " + op + " for world " + key + " (" + cause
                + "); it is not made again, as it may have been done");
        return new WorldLinkException(ErrorCode.INTERNAL, "The server's node that runs world \"" + key.worldId()
                + "\" did not answer in time, so this request may or may not have been done. Look at the world "
                + "(for a message, at its chat) before sending it again.");
    }

    private <T> CompletableFuture<T> attempt(Target target, Function<LiveWorld, CompletableFuture<T>> local,
            JsonObject request, Function<JsonElement, T> answer) {
        if (target instanceof Local l) {
            return local.apply(l.runtime());
        }
        return call(((Remote) target).node(), request).thenApply(answer);
    }

    private JsonObject request(String op) {
        return WorldCalls.request(op, key);
    }

    @Override
    public WorldKey key() {
        return key;
    }

    @Override
    public CompletableFuture<MessageEvent> chat(String chatId, String messageId, String content, String sender) {
        JsonObject r = request("chat");
        r.addProperty("chatId", chatId);
        r.addProperty("messageId", messageId);
        r.addProperty("content", content);
        r.addProperty("sender", sender);
        return write(w -> w.chat(chatId, messageId, content, sender), r, a -> (MessageEvent) WorldCalls.event(a));
    }

    @Override
    public CompletableFuture<AgentView> updateAgent(String eventId, String agentName, WorldRuntime.AgentUpdate update) {
        JsonObject r = request("updateAgent");
        r.addProperty("eventId", eventId);
        r.addProperty("agentName", agentName);
        r.add("update", WorldCalls.agentUpdate(update));
        return write(w -> w.updateAgent(eventId, agentName, update), r, WorldCalls::agentView);
    }

    @Override
    public CompletableFuture<WorldConfig> updateWorld(String eventId, WorldUpdate update) {
        JsonObject r = request("updateWorld");
        r.addProperty("eventId", eventId);
        r.add("update", WorldCalls.worldUpdate(update));
        return write(w -> w.updateWorld(eventId, update), r, WorldCalls::config);
    }

    @Override
    public CompletableFuture<AgentSnapshot> createAgent(String eventId, NewAgent spec) {
        JsonObject r = request("createAgent");
        r.addProperty("eventId", eventId);
        r.add("spec", WorldCalls.newAgent(spec));
        return write(w -> w.createAgent(eventId, spec), r, WorldCalls::agent);
    }

    @Override
    public CompletableFuture<String> deleteAgent(String eventId, String agentName) {
        JsonObject r = request("deleteAgent");
        r.addProperty("eventId", eventId);
        r.addProperty("agentName", agentName);
        return write(w -> w.deleteAgent(eventId, agentName), r, JsonElement::getAsString);
    }

    @Override
    public CompletableFuture<Integer> reload(String eventId) {
        JsonObject r = request("reload");
        r.addProperty("eventId", eventId);
        return write(w -> w.reload(eventId), r, JsonElement::getAsInt);
    }

    @Override
    public CompletableFuture<Integer> stop(String chatId, String eventId) {
        JsonObject r = request("stop");
        r.addProperty("chatId", chatId);
        r.addProperty("eventId", eventId);
        return write(w -> w.stop(chatId, eventId), r, JsonElement::getAsInt);
    }

    @Override
    public CompletableFuture<List<Chat>> chats() {
        return read(LiveWorld::chats, request("chats"), WorldCalls::chats);
    }

    @Override
    public CompletableFuture<Chat> createChat(String eventId, String name) {
        JsonObject r = request("createChat");
        r.addProperty("eventId", eventId);
        r.addProperty("name", name);
        return write(w -> w.createChat(eventId, name), r, WorldCalls::chat);
    }

    @Override
    public CompletableFuture<Chat> renameChat(String eventId, String chatId, String name) {
        JsonObject r = request("renameChat");
        r.addProperty("eventId", eventId);
        r.addProperty("chatId", chatId);
        r.addProperty("name", name);
        return write(w -> w.renameChat(eventId, chatId, name), r, WorldCalls::chat);
    }

    @Override
    public CompletableFuture<Chat> deleteChat(String eventId, String chatId) {
        JsonObject r = request("deleteChat");
        r.addProperty("eventId", eventId);
        r.addProperty("chatId", chatId);
        return write(w -> w.deleteChat(eventId, chatId), r, WorldCalls::chat);
    }

    @Override
    public CompletableFuture<Chat> selectChat(String chatId, WorldRuntime.PageLimit limit,
            BiConsumer<WorldRuntime.View, WorldRuntime.Page> onSelect) {
        JsonObject r = request("selectChat");
        r.addProperty("chatId", chatId);
        WorldCalls.limit(r, limit);
        return read(w -> w.selectChat(chatId, limit, onSelect), r, a -> {
            JsonObject o = a.getAsJsonObject();
            WorldRuntime.View view = WorldCalls.view(o.get("view"));
            onSelect.accept(view, WorldCalls.page(o.get("page")));
            return view.chats().stream().filter(c -> c.id().equals(view.chatId())).findFirst().orElseThrow();
        });
    }

    @Override
    public CompletableFuture<WorldRuntime.Page> chatHistory(String chatId, long beforeSeq, WorldRuntime.PageLimit limit) {
        JsonObject r = request("chatHistory");
        r.addProperty("chatId", chatId);
        r.addProperty("beforeSeq", beforeSeq);
        WorldCalls.limit(r, limit);
        return read(w -> w.chatHistory(chatId, beforeSeq, limit), r, WorldCalls::page);
    }

    @Override
    public CompletableFuture<SystemEvent> notice(String content, MessageLevel level) {
        JsonObject r = request("notice");
        r.addProperty("content", content);
        r.addProperty("level", level.name());
        return write(w -> w.notice(content, level), r, a -> (SystemEvent) WorldCalls.event(a));
    }

    @Override
    public CompletableFuture<WorldRuntime.View> join(long afterSeq, String epoch, String chatId,
            WorldRuntime.PageLimit limit, BiConsumer<WorldRuntime.View, WorldRuntime.Page> onJoin) {
        JsonObject r = request("join");
        r.addProperty("afterSeq", afterSeq);
        r.addProperty("epoch", epoch);
        r.addProperty("chatId", chatId);
        WorldCalls.limit(r, limit);
        return read(w -> w.join(afterSeq, epoch, chatId, limit, onJoin), r, a -> {
            JsonObject o = a.getAsJsonObject();
            WorldRuntime.View view = WorldCalls.view(o.get("view"));
            onJoin.accept(view, WorldCalls.page(o.get("page")));
            return view;
        });
    }

    @Override
    public CompletableFuture<String> export(String chatId) {
        JsonObject r = request("export");
        r.addProperty("chatId", chatId);
        return read(w -> w.export(chatId), r, JsonElement::getAsString);
    }

    @Override
    public CompletableFuture<WorldSnapshot> snapshot() {
        return read(LiveWorld::snapshot, request("snapshot"), WorldCalls::snapshot);
    }

    @Override
    public CompletableFuture<WorldRuntime.View> view() {
        return read(LiveWorld::view, request("view"), WorldCalls::view);
    }

    @Override
    public long publishedSeq() {
        CompletableFuture<Target> t = target;
        if (!t.isDone() || t.isCompletedExceptionally()) {
            return 0;
        }
        return t.join() instanceof Local l ? l.runtime().publishedSeq() : ((Remote) t.join()).publishedSeq();
    }

    @Override
    public CompletableFuture<List<WorldEvent>> logged(long afterSeq, long throughSeq, int limit) {
        JsonObject r = request("logged");
        r.addProperty("afterSeq", afterSeq);
        r.addProperty("throughSeq", throughSeq);
        r.addProperty("limit", limit);
        return read(w -> w.logged(afterSeq, throughSeq, limit), r, WorldCalls::events);
    }

    @Override
    public CompletableFuture<Void> whenQuiet() {
        CompletableFuture<Target> t = target;
        return t.handle((target, e) -> target instanceof Local l ? l.runtime().whenQuiet()
                : CompletableFuture.<Void>completedFuture(null)).thenCompose(f -> f);
    }

    /** Stops running the world here and gives up its lease; nothing happens to a world another node runs. */
    @Override
    public CompletableFuture<Void> close() {
        CompletableFuture<Target> t;
        synchronized (this) {
            closed = true;
            t = target;
        }
        return t.handle((target, e) -> {
            if (target instanceof Local l) {
                return l.runtime().close().whenComplete((x, error) -> l.lease().close());
            }
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(f -> f);
    }

    /**
     * Deletes the world for good where it runs: here under this node's lease, or by its owner. Fails as
     * {@link #notTaken} says when the owner certainly did not take the request (it is gone, or no longer runs
     * the world): the world is then to be deleted where it runs now ({@link #deleteWhereItRuns}).
     */
    @Override
    public CompletableFuture<Void> delete() {
        CompletableFuture<Target> t;
        synchronized (this) {
            closed = true;
            t = target;
        }
        return t.thenCompose(target -> {
            if (target instanceof Local l) {
                return l.runtime().delete().thenRun(() -> deleted(key, cluster))
                        .whenComplete((x, error) -> l.lease().close());
            }
            String node = ((Remote) target).node();
            return call(node, request("delete")).<Void>thenApply(x -> null).exceptionallyCompose(e -> {
                Throwable cause = cause(e);
                return CompletableFuture.failedFuture(cause instanceof WorldLinkException || notTaken(cause) ? e
                        : unanswered(key, node, "delete", cause));
            });
        });
    }
}
