package io.worldlink.internal.protocol;

import io.worldlink.AgentSnapshot;
import io.worldlink.Chat;
import io.worldlink.Connection;
import io.worldlink.ErrorCode;
import io.worldlink.Identity;
import io.worldlink.MessageRouter;
import io.worldlink.NewAgent;
import io.worldlink.Transport;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldCloner;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.WorldUpdate;
import io.worldlink.cluster.Cluster;
import io.worldlink.event.MessageLevel;
import io.worldlink.internal.Names;
import io.worldlink.internal.cluster.OwnerCalls;
import io.worldlink.internal.world.LiveWorld;
import io.worldlink.internal.world.WorldRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/** The connections and the worlds they share: what {@code WorldLink} serves. */
public final class LinkService {
    private final LoadedWorlds worlds;
    private final ProtocolRouter router;
    private final WorldAccess access;
    private final UserStorage storage;
    private final boolean clustered;

    /**
     * @param shared what the worlds share (storage, bus, models, pools, settings)
     * @param cloner template → user world
     * @param grace how long an anonymous user's folder outlives their last connection
     * @param limits per-connection limits
     * @param trustClaimedUserIds insecure mode
     * @param router given the protocol's router, the one that handles requests
     * @param cluster the cluster this node is one of, or {@code null} for a single node
     */
    public LinkService(WorldRuntime.Shared shared, WorldCloner cloner, Duration grace, Limits limits,
            boolean trustClaimedUserIds, UnaryOperator<MessageRouter> router, Cluster cluster) {
        this.storage = shared.storage();
        this.clustered = cluster != null;
        this.access = new WorldAccess(trustClaimedUserIds);
        this.worlds = new LoadedWorlds(shared, cloner, grace, limits, cluster);
        this.router = new ProtocolRouter(worlds, limits, access, shared.settings().clock(), shared.timer(),
                shared.metrics(), router);
        if (cluster != null) {
            cluster.serve(new OwnerCalls(worlds::runningHere,
                    key -> worlds.delete(key, (session, error) -> this.router.worldDeleted(key, error, null)))::answer);
        }
    }

    /**
     * @param transport the host's connection
     * @param identity who the client proved to be
     * @return the connection
     */
    public Connection connect(Transport transport, Identity identity) {
        return router.open(transport, identity);
    }

    /**
     * @param identity what the caller proved
     * @param userId the user it asks about
     * @return the ids of that user's worlds, those selected and not written yet among them
     */
    public List<String> worlds(Identity identity, String userId) {
        return worlds.list(access.authorize(identity, userId));
    }

    /**
     * @param identity what the caller proved
     * @param userId the world's owner
     * @param worldName the world's name
     * @return the world as it is now: the loaded world when it is loaded (its memories and call counts
     *     are written as snapshots, so the stored ones may be behind; a world selected and not written yet
     *     exists only there, which in a cluster may be another node), else as stored
     */
    public WorldSnapshot world(Identity identity, String userId, String worldName) {
        WorldKey key = key(identity, userId, worldName);
        WorldHandle loaded = worlds.loaded(key);
        if (loaded != null) {
            try {
                return loaded.runtime.thenCompose(LiveWorld::snapshot).join();
            } catch (CompletionException e) {
                // Closed meanwhile: what it had is stored, or being stored.
            }
        }
        if (clustered && !worlds.exists(key)) {
            try {
                return withWorld(key, LiveWorld::snapshot).join();
            } catch (CompletionException e) {
                throw ProtocolRouter.unwrap(e);
            }
        }
        return storage.loadWorld(key);
    }

    /**
     * @param identity what the caller proved
     * @param userId the world's owner
     * @param worldName the world's name
     * @param chatId the chat to export, or {@code null} for every chat
     * @return the world as Markdown, with the conversation from its event log
     */
    public CompletableFuture<String> export(Identity identity, String userId, String worldName, String chatId) {
        return withWorld(key(identity, userId, worldName), rt -> rt.export(chatId));
    }

    /**
     * @param identity what the caller proved
     * @param userId the world's owner
     * @param worldName the world's name
     * @return the world's chats, newest first
     */
    public CompletableFuture<List<Chat>> chats(Identity identity, String userId, String worldName) {
        return withWorld(key(identity, userId, worldName), LiveWorld::chats);
    }

    /**
     * Creates a chat in a world, loading it for the moment when it is not loaded.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world
     * @param name the chat's name, or {@code null}
     * @return the chat
     */
    public CompletableFuture<Chat> createChat(Identity identity, String userId, String worldName, String name) {
        return withWorld(key(identity, userId, worldName), rt -> rt.createChat(null, name));
    }

    /**
     * Renames a chat of a world, loading it for the moment when it is not loaded.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world
     * @param chatId the chat
     * @param name its new name
     * @return the chat
     */
    public CompletableFuture<Chat> renameChat(Identity identity, String userId, String worldName, String chatId,
            String name) {
        return withWorld(key(identity, userId, worldName), rt -> rt.renameChat(null, chatId, name));
    }

    /**
     * Deletes a chat of a world, loading it for the moment when it is not loaded; its clients move on.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world
     * @param chatId the chat
     * @return the chat its clients move to
     */
    public CompletableFuture<Chat> deleteChat(Identity identity, String userId, String worldName, String chatId) {
        return withWorld(key(identity, userId, worldName), rt -> rt.deleteChat(null, chatId));
    }

    /**
     * Creates a user's world from a template or empty, within the user's quota.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world's display name
     * @param templateName the template, or {@code null} for an empty world
     * @param description the description, or {@code null}
     * @return the world as stored
     */
    public CompletableFuture<WorldSnapshot> createWorld(Identity identity, String userId, String worldName,
            String templateName, String description) {
        return worlds.create(access.authorize(identity, userId), worldName, templateName, description);
    }

    /**
     * Changes a world's name, description or turn limit, loading it for the moment when it is not loaded.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world
     * @param update the change
     * @return the world's new config
     */
    public CompletableFuture<WorldConfig> updateWorld(Identity identity, String userId, String worldName,
            WorldUpdate update) {
        return withWorld(key(identity, userId, worldName), rt -> rt.updateWorld(null, update));
    }

    /**
     * Deletes a world; every connection in it is told and moved out.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world
     * @return done when it is deleted
     */
    public CompletableFuture<Void> deleteWorld(Identity identity, String userId, String worldName) {
        WorldKey key = key(identity, userId, worldName);
        return worlds.delete(key, (session, error) -> router.worldDeleted(key, error, null));
    }

    /**
     * Adds an agent to a world, loading it for the moment when it is not loaded.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world
     * @param agent the agent
     * @return the agent as stored
     */
    public CompletableFuture<AgentSnapshot> createAgent(Identity identity, String userId, String worldName,
            NewAgent agent) {
        return withWorld(key(identity, userId, worldName), rt -> rt.createAgent(null, agent));
    }

    /**
     * Deletes an agent of a world, loading it for the moment when it is not loaded.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world
     * @param agentName the agent's id or name
     * @return the deleted agent's id
     */
    public CompletableFuture<String> deleteAgent(Identity identity, String userId, String worldName,
            String agentName) {
        return withWorld(key(identity, userId, worldName), rt -> rt.deleteAgent(null, agentName));
    }

    // Runs an action on an existing world, loading it for the moment when no connection has it loaded. In a
    // cluster, a world that another node runs may exist only there (selected and not written yet): the load
    // reaches that node, or finds no world.
    private <T> CompletableFuture<T> withWorld(WorldKey key, Function<LiveWorld, CompletableFuture<T>> action) {
        if (!clustered && !worlds.exists(key)) {
            return CompletableFuture.failedFuture(notFound(key));
        }
        worlds.userJoined(key.userId(), false);
        WorldHandle handle;
        try {
            handle = worlds.acquire(key, null, key.worldId());
        } catch (RuntimeException e) {
            worlds.userLeft(key.userId());
            return CompletableFuture.failedFuture(e);
        }
        // A world loaded without a template that is not there is one the user does not have.
        return handle.runtime.exceptionallyCompose(e -> CompletableFuture.failedFuture(
                (e instanceof CompletionException c ? c.getCause() : e) instanceof WorldLinkException w
                        && w.code() == ErrorCode.TEMPLATE_NOT_FOUND ? notFound(key) : e))
                .thenCompose(action).whenComplete((x, e) -> {
                    worlds.release(handle);
                    worlds.userLeft(key.userId());
                });
    }

    private static WorldLinkException notFound(WorldKey key) {
        return new WorldLinkException(ErrorCode.WORLD_NOT_FOUND, "User " + key.userId() + " has no world \""
                + key.worldId() + "\".");
    }

    private WorldKey key(Identity identity, String userId, String worldName) {
        return new WorldKey(access.authorize(identity, userId), Names.toId("world name", worldName));
    }

    /**
     * Publishes a system notice to one world, loading it for the moment when it is not loaded.
     *
     * @param userId the owner
     * @param worldName the world
     * @param content the notice
     * @param level how serious it is
     * @return done when it is published
     */
    public CompletableFuture<Void> notifyWorld(String userId, String worldName, String content, MessageLevel level) {
        WorldKey key = new WorldKey(UserId.of(userId), Names.toId("world name", worldName));
        return withWorld(key, rt -> rt.notice(content, level)).thenApply(x -> null);
    }

    /**
     * Publishes a system notice to every loaded world that matches.
     *
     * @param user only this user's worlds, or {@code null} for all
     * @param content the notice
     * @param level how serious it is
     * @return how many worlds it reached
     */
    public CompletableFuture<Integer> notifyLoaded(UserId user, String content, MessageLevel level) {
        List<CompletableFuture<?>> sent = new ArrayList<>();
        for (WorldHandle h : user == null ? worlds.loaded() : worlds.loaded(user)) {
            if (h.runtime.isDone() && !h.runtime.isCompletedExceptionally()) {
                sent.add(h.runtime.join().notice(content, level).exceptionally(e -> null));
            }
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).thenApply(x -> sent.size());
    }

    /** @return the worlds loaded now */
    public List<WorldKey> loadedWorlds() {
        return worlds.loaded().stream().map(h -> h.key).toList();
    }

    /** @return open connections */
    public int connectionCount() {
        return router.connectionCount();
    }

    /** @return worlds in memory */
    public int loadedWorldCount() {
        return worlds.loadedCount();
    }

    /** @return characters held for clients over all connections: frames, exports and requests waiting */
    public long queuedCharacters() {
        return router.budget().total();
    }

    /** @return users with a connection or a pending deletion */
    public int trackedUsers() {
        return worlds.trackedUsers();
    }

    /**
     * Takes care of the anonymous users whose folders a previous run left behind: each is deleted after
     * the grace period unless the user comes back.
     *
     * @param leftovers anonymous users found on disk
     */
    public void adoptLeftovers(List<UserId> leftovers) {
        worlds.adoptLeftovers(leftovers);
    }

    /** @return done when every connection is closed (1001), every world saved and closed, and anonymous data deleted */
    public CompletableFuture<Void> shutdown() {
        worlds.stopping();
        router.closeAll(1001, "The server is shutting down.");
        return worlds.quiesce();
    }
}
