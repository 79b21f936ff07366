package io.worldlink.internal.protocol;

import io.worldlink.ErrorCode;
import io.worldlink.EventBus;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldCloner;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.cluster.Cluster;
import io.worldlink.internal.Json;
import io.worldlink.internal.Names;
import io.worldlink.internal.cluster.ClusterWorld;
import io.worldlink.internal.cluster.LeasedStorage;
import io.worldlink.internal.world.LiveWorld;
import io.worldlink.internal.world.WorldPolicy;
import io.worldlink.internal.world.WorldRuntime;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;

/**
 * The loaded worlds and the users who are connected. A world is loaded once however many connections
 * select it, and closed when the last one has left and its turn in progress has finished; a new load
 * of that world waits until the old one has saved everything. An anonymous user's folder is deleted
 * when their last connection has left and the grace period has passed, unless they came back. Each
 * map is updated per key, so worlds and users never contend with each other.
 *
 * <p>A world that {@code world-select} clones from a template is not written until something is written
 * to it (see {@link WorldRuntime#loadUnwritten}): while it is loaded and unwritten it exists for every
 * reader all the same (it is listed, REST reads and changes it, and it counts against its user's world
 * quota, so that selecting many worlds and then writing to each cannot pass the quota: the select that
 * would pass it is refused); once its last connection has left unwritten, it is gone without a trace. In a
 * cluster, the REST of other nodes reaches it on the node that holds it; they neither list nor count it.
 */
final class LoadedWorlds {
    private static final System.Logger LOG = System.getLogger(LoadedWorlds.class.getName());
    // How long a node tries to find a world's owner, or to take the world over, before it gives up: longer
    // than a lease lasts, so that a dead owner's lease runs out meanwhile.
    private static final Duration CLAIM_FOR = Duration.ofSeconds(20);
    private static final Duration OWNER_CHECK = Duration.ofSeconds(1);

    private final WorldRuntime.Shared shared;
    private final UserStorage storage;
    private final WorldCloner cloner;
    private final EventBus bus;
    private final Executor worldPool;
    private final ScheduledExecutorService timer;
    private final Duration grace;
    private final Limits limits;
    // Cluster mode, or null for a single node.
    private final Cluster cluster;
    private final Duration claimFor;
    private final ScheduledFuture<?> ownerChecks;

    private final Map<WorldKey, WorldHandle> handles = new ConcurrentHashMap<>();
    private final Map<WorldKey, CompletableFuture<Void>> closing = new ConcurrentHashMap<>();
    private final Map<UserId, UserEntry> users = new ConcurrentHashMap<>();
    // Folders being deleted now: a new load of that user's world waits for its deletion to finish.
    private final Map<UserId, CompletableFuture<Void>> deletions = new ConcurrentHashMap<>();
    // The ids of each user's loaded worlds that are cloned but not written yet (immutable sets).
    private final Map<UserId, Set<String>> unwritten = new ConcurrentHashMap<>();
    // Each user's keys in handles or closing (immutable sets), so that what concerns one user costs that user's
    // worlds, not every loaded world. Changed only under the handles lock of the key, where handles and closing
    // change, so that a key is here exactly while one of them holds it.
    private final Map<UserId, Set<WorldKey>> byUser = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    private static final class UserEntry {
        int sessions;
        ScheduledFuture<?> pendingDelete;
    }

    LoadedWorlds(WorldRuntime.Shared shared, WorldCloner cloner, Duration grace, Limits limits, Cluster cluster) {
        this.shared = shared;
        this.storage = shared.storage();
        this.cloner = cloner;
        this.bus = shared.bus();
        this.worldPool = shared.worldPool();
        this.timer = shared.timer();
        this.grace = grace;
        this.limits = limits;
        this.cluster = cluster;
        this.claimFor = CLAIM_FOR;
        // A node whose clients watch a world that another node runs notices the owner's death though its
        // clients send nothing: the world is claimed again, and ends (or finishes) the turn the owner left.
        this.ownerChecks = cluster == null ? null : timer.scheduleWithFixedDelay(this::checkOwners,
                OWNER_CHECK.toMillis(), OWNER_CHECK.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void checkOwners() {
        for (WorldHandle h : handles.values()) {
            CompletableFuture<LiveWorld> r = h.runtime;
            if (r.isDone() && !r.isCompletedExceptionally() && r.join() instanceof ClusterWorld w) {
                w.checkOwner();
            }
        }
    }

    /**
     * {@return the world when it runs in this process (once it is loaded), or {@code null} when it does
     * not: what a node answers the other nodes of its cluster}
     *
     * @param key the world
     */
    CompletableFuture<WorldRuntime> runningHere(WorldKey key) {
        WorldHandle h = handles.get(key);
        if (h == null) {
            return null;
        }
        return h.runtime.thenApply(world -> {
            WorldRuntime here = world instanceof ClusterWorld w ? w.here() : (WorldRuntime) world;
            if (here == null) {
                throw new IllegalStateException("world " + key + " runs on another node");
            }
            return here;
        });
    }

    /**
     * Takes a reference on a world, loading it (or cloning it from the template first) when it is not
     * loaded. Every call must be matched by one {@link #release}, also when the future fails.
     *
     * @throws WorldLinkException {@link ErrorCode#QUOTA_EXCEEDED} when the server holds as many worlds as
     *     it may; then nothing was taken
     */
    WorldHandle acquire(WorldKey key, String templateId, String worldName) {
        return handles.compute(key, (k, h) -> {
            WorldHandle handle = h;
            if (handle == null) {
                if (handles.size() >= limits.maxLoadedWorlds()) {
                    throw new WorldLinkException(ErrorCode.QUOTA_EXCEEDED, "The server has as many worlds open as "
                            + "it may (" + limits.maxLoadedWorlds() + "); try again later.");
                }
                handle = new WorldHandle(k);
                load(handle, templateId, worldName);
                indexed(k);
            }
            handle.refs++;
            return handle;
        });
    }

    private void load(WorldHandle handle, String templateId, String worldName) {
        WorldKey key = handle.key;
        CompletableFuture<? extends LiveWorld> loading = cluster == null ? loadHere(key, templateId, worldName, shared)
                : ClusterWorld.open(key, cluster, lease -> loadHere(key, templateId, worldName,
                        shared.withStorage(new LeasedStorage(storage, lease))), worldPool, timer, claimFor,
                        handle::catchUp);
        loading.whenComplete((runtime, error) -> {
            if (error != null) {
                handle.runtime.completeExceptionally(error);
            } else {
                handle.subscribe(bus, runtime, () -> deletedElsewhere(handle));
                handle.runtime.complete(runtime);
            }
        });
    }

    // own: what the world shares with the others, its storage fenced by this node's lease in a cluster.
    private CompletableFuture<WorldRuntime> loadHere(WorldKey key, String templateId, String worldName,
            WorldRuntime.Shared own) {
        CompletableFuture<Void> before = CompletableFuture.allOf(
                closing.getOrDefault(key, CompletableFuture.completedFuture(null)), deletionOf(key.userId()));
        return before.thenApplyAsync(x -> {
            if (storage.worldExists(key)) {
                return null;
            }
            if (templateId == null) {
                throw new WorldLinkException(ErrorCode.TEMPLATE_NOT_FOUND, "User " + key.userId()
                        + " has no world \"" + key.worldId() + "\" yet; give a templateName to create it from.");
            }
            return cloneWithinQuota(key, templateId, worldName);
        }, worldPool)
                .thenCompose(clone -> clone == null ? WorldRuntime.load(key, own)
                        : WorldRuntime.loadUnwritten(key, own, clone, () -> forgetUnwritten(key)));
    }

    // One user's clones are counted and made one at a time, so that parallel selects cannot pass the
    // quota together. Only world-select clones, and it has made the user present first. Returns the clone,
    // counted as the user's unwritten world, or null when the cloner wrote the world itself.
    private WorldSnapshot cloneWithinQuota(WorldKey key, String templateId, String worldName) {
        UserEntry entry = users.get(key.userId());
        if (entry == null) {
            return cloneIfUnderQuota(key, templateId, worldName);
        }
        synchronized (entry) {
            return cloneIfUnderQuota(key, templateId, worldName);
        }
    }

    private WorldSnapshot cloneIfUnderQuota(WorldKey key, String templateId, String worldName) {
        underQuota(key.userId(), "select one of them, or leave one that nothing was written to, which is then gone");
        WorldSnapshot clone = cloned(templateId, key, worldName);
        if (storage.worldExists(key)) {
            return null;
        }
        unwritten.merge(key.userId(), Set.of(key.worldId()), LoadedWorlds::union);
        return clone;
    }

    // The host's cloner decides what a clone is; it must be the world asked for.
    private WorldSnapshot cloned(String templateId, WorldKey key, String worldName) {
        WorldSnapshot clone = cloner.cloneTemplate(templateId, key, worldName);
        if (clone == null || clone.config().isTemplate() || !clone.config().id().equals(key.worldId())) {
            throw new IllegalStateException("The world cloner made " + (clone == null ? "nothing" : "world \""
                    + clone.config().id() + "\"" + (clone.config().isTemplate() ? ", a template," : ""))
                    + " for " + key + ": it must return the world of the target's id, not a template.");
        }
        return WorldRuntime.newLife(clone);
    }

    private static <T> Set<T> union(Set<T> a, Set<T> b) {
        Set<T> all = new HashSet<>(a);
        all.addAll(b);
        return Set.copyOf(all);
    }

    // Written, or closed or deleted unwritten: from now on only the storage says whether it exists.
    private void forgetUnwritten(WorldKey key) {
        unwritten.computeIfPresent(key.userId(), (u, ids) -> {
            if (!ids.contains(key.worldId())) {
                return ids;
            }
            Set<String> rest = new HashSet<>(ids);
            rest.remove(key.worldId());
            return rest.isEmpty() ? null : Set.copyOf(rest);
        });
    }

    /**
     * @param key a user's world
     * @return whether it exists: stored, or loaded and not written yet
     */
    boolean exists(WorldKey key) {
        return unwritten.getOrDefault(key.userId(), Set.of()).contains(key.worldId()) || storage.worldExists(key);
    }

    private void underQuota(UserId user, String advice) {
        int max = user.isAnonymous() ? limits.maxWorldsPerAnonymousUser() : limits.maxWorldsPerUser();
        List<String> existing = list(user);
        if (existing.size() >= max) {
            throw new WorldLinkException(ErrorCode.QUOTA_EXCEEDED, "User " + user + " already has "
                    + existing.size() + " worlds, the most " + (user.isAnonymous() ? "an anonymous" : "a")
                    + " user may have; " + advice + " (" + String.join(", ", existing) + ").");
        }
    }

    /**
     * Creates a user's world, cloned from a template or empty (a config and no agents), within the user's
     * world quota; it is not loaded. It waits for a deletion of a world of the same key to finish, and
     * is counted and made under the same lock as the clones of {@code world-select}.
     *
     * @param user the owner, authorized
     * @param worldName the world's display name
     * @param templateName the template to clone, or {@code null} (or blank) for an empty world
     * @param description the description, or {@code null} for the template's
     * @return the world as stored; fails with {@link ErrorCode#INVALID_NAME} when the user has a world of
     *     that id, {@link ErrorCode#QUOTA_EXCEEDED}, {@link ErrorCode#TEMPLATE_NOT_FOUND}
     * @throws WorldLinkException {@link ErrorCode#INVALID_NAME} or {@link ErrorCode#INVALID_MESSAGE} for
     *     a name or description refused; then nothing was started
     */
    CompletableFuture<WorldSnapshot> create(UserId user, String worldName, String templateName, String description) {
        WorldPolicy policy = shared.settings().worldPolicy();
        String name = policy.displayName("world name", worldName);
        WorldKey key = new WorldKey(user, Names.toId("world name", name));
        String templateId = templateName == null || templateName.isBlank() ? null
                : Names.toId("template name", templateName);
        String about = description == null ? null : policy.description(description);
        // Present while it works: an anonymous user's folder is not deleted under the new world.
        userJoined(user, false);
        return CompletableFuture.allOf(closing.getOrDefault(key, CompletableFuture.completedFuture(null)),
                deletionOf(user)).thenApplyAsync(x -> {
                    synchronized (users.get(user)) {
                        if (exists(key)) {
                            throw new WorldLinkException(ErrorCode.INVALID_NAME, "User " + user + " has a world \""
                                    + key.worldId() + "\" already; choose another name, or select that world.");
                        }
                        underQuota(user, "delete one first");
                        if (templateId == null) {
                            storage.createWorld(key, new WorldSnapshot(emptyWorld(key, name, about), List.of()));
                        } else {
                            WorldSnapshot clone = cloned(templateId, key, name);
                            WorldConfig c = clone.config();
                            storage.createWorld(key, about == null ? clone : new WorldSnapshot(new WorldConfig(c.id(),
                                    c.name(), about, c.turnLimit(), false, c.metadata(), c.extra()), clone.agents()));
                        }
                        return storage.loadWorld(key);
                    }
                }, worldPool).whenComplete((w, e) -> userLeft(user));
    }

    private WorldConfig emptyWorld(WorldKey key, String name, String description) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("createdFor", key.userId().value());
        metadata.put("createdAt", Json.timestamp(shared.settings().clock().instant()));
        // As a clone does: a new life, so that a client's seqs of an earlier world of this id mean nothing here.
        metadata.put(WorldRuntime.EPOCH, UUID.randomUUID().toString());
        return new WorldConfig(key.worldId(), name, description, WorldConfig.DEFAULT_TURN_LIMIT, false, metadata,
                Map.of());
    }

    /**
     * Deletes a user's world for good, loaded or not. A loaded world's model calls are cancelled and its
     * event delivery stops; once storage has deleted it, each connection in it is moved out (it is then
     * in no world) and sent {@code tell(connection, null)}. When storage fails, the connections are moved
     * out all the same, as the world is closed, and sent {@code tell(connection, error)}. A new load or
     * creation of the world waits until the deletion is over.
     *
     * @param key the world, authorized
     * @param tell the frame for each connection that was in the world, given the error or {@code null}
     * @return done when the world is deleted; fails with {@link ErrorCode#WORLD_NOT_FOUND} when there was none
     */
    CompletableFuture<Void> delete(WorldKey key, BiFunction<ClientSession, WorldLinkException, String> tell) {
        CompletableFuture<Void> deleted = new CompletableFuture<>();
        WorldHandle[] taken = new WorldHandle[1];
        List<CompletableFuture<Void>> before = new ArrayList<>(1);
        // Taken out under the lock that acquire() takes: whoever selects the world from now on gets a new
        // handle, whose load waits for this deletion.
        handles.compute(key, (k, h) -> {
            taken[0] = h;
            before.add(closing.getOrDefault(k, CompletableFuture.completedFuture(null)));
            closing.put(k, deleted);
            indexed(k);
            return null;
        });
        WorldHandle handle = taken[0];
        CompletableFuture<Void> work = before.get(0)
                .thenCompose(x -> handle == null ? CompletableFuture.<LiveWorld>completedFuture(null)
                        : handle.runtime.handle((runtime, loadError) -> runtime))
                .thenCompose(runtime -> {
                    if (handle != null) {
                        // Its subscription is made before its runtime completes: it exists by now.
                        handle.unsubscribe();
                    }
                    Runnable deleteStored = () -> {
                        if (!exists(key)) {
                            throw new WorldLinkException(ErrorCode.WORLD_NOT_FOUND, "User " + key.userId()
                                    + " has no world \"" + key.worldId() + "\".");
                        }
                        storage.deleteWorld(key);
                        shared.logs().delete(key);
                    };
                    if (runtime == null) {
                        return cluster == null ? CompletableFuture.runAsync(deleteStored, worldPool)
                                : ClusterWorld.deleteWhereItRuns(key, cluster, deleteStored, worldPool);
                    }
                    // In a cluster, a world whose owner was gone before it took the deletion is deleted where it
                    // runs now.
                    return cluster == null ? runtime.delete() : runtime.delete().exceptionallyCompose(e ->
                            ClusterWorld.notTaken(e) ? ClusterWorld.deleteWhereItRuns(key, cluster, deleteStored,
                                    worldPool) : CompletableFuture.failedFuture(e));
                });
        return work.whenComplete((x, error) -> {
            forgetUnwritten(key);
            closed(key, deleted);
            deleted.complete(null);
            if (handle != null) {
                handle.closed.complete(null);
                WorldLinkException why = error == null ? null : ProtocolRouter.unwrap(error);
                for (ClientSession s : handle.sessions()) {
                    s.evicted(handle, tell.apply(s, why));
                }
            }
        });
    }

    // Another node of the cluster deleted the world: its connections here are moved out and told, as the
    // deleting node's are, and what this node held of it is let go (a world run elsewhere has nothing to save).
    private void deletedElsewhere(WorldHandle handle) {
        boolean[] removed = new boolean[1];
        handles.computeIfPresent(handle.key, (k, h) -> {
            if (h != handle) {
                return h;
            }
            removed[0] = true;
            closing.put(k, handle.closed);
            return null;
        });
        if (!removed[0]) {
            return;
        }
        handle.unsubscribe();
        handle.runtime.thenCompose(LiveWorld::close).whenComplete((x, e) -> {
            closing.remove(handle.key, handle.closed);
            handle.closed.complete(null);
        });
        String frame = ServerFrames.worldDeleted(handle.key, null, shared.settings().clock().instant());
        for (ClientSession s : handle.sessions()) {
            s.evicted(handle, frame);
        }
    }

    /**
     * Lists a user's worlds: those stored, and those loaded and not written yet.
     *
     * @param user the user, authorized
     * @return the ids of the user's worlds, sorted
     */
    List<String> list(UserId user) {
        Set<String> loaded = unwritten.getOrDefault(user, Set.of());
        List<String> stored = storage.listWorlds(user);
        if (loaded.isEmpty()) {
            return stored;
        }
        Set<String> all = new TreeSet<>(stored);
        all.addAll(loaded);
        return List.copyOf(all);
    }

    private CompletableFuture<Void> deletionOf(UserId user) {
        return deletions.getOrDefault(user, CompletableFuture.completedFuture(null));
    }

    /**
     * Gives back a reference. When it was the last, the world is closed once the turn in progress (if
     * any) has finished and been saved, unless someone selects it again before.
     */
    void release(WorldHandle handle) {
        boolean[] unused = new boolean[1];
        handles.computeIfPresent(handle.key, (k, h) -> {
            if (h == handle) {
                h.refs--;
                unused[0] = h.refs == 0;
            }
            return h;
        });
        if (!unused[0]) {
            return;
        }
        if (stopping) {
            closeIfUnused(handle);
        } else {
            handle.runtime.thenCompose(LiveWorld::whenQuiet).whenComplete((x, e) -> closeIfUnused(handle));
        }
    }

    private void closeIfUnused(WorldHandle handle) {
        boolean[] remove = new boolean[1];
        handles.computeIfPresent(handle.key, (k, h) -> {
            if (h != handle || h.refs > 0) {
                return h;
            }
            remove[0] = true;
            // Registered under the same lock as acquire(): a new load of this world waits for the close.
            closing.put(k, handle.closed);
            return null;
        });
        if (!remove[0]) {
            return;
        }
        handle.unsubscribe();
        handle.runtime.thenCompose(LiveWorld::close).whenComplete((x, e) -> {
            forgetUnwritten(handle.key);
            closed(handle.key, handle.closed);
            handle.closed.complete(null);
        });
    }

    // Under the handles lock of the key: it enters handles or closing.
    private void indexed(WorldKey key) {
        byUser.compute(key.userId(), (u, keys) -> keys == null ? Set.of(key) : keys.contains(key) ? keys
                : union(keys, Set.of(key)));
    }

    // A close or deletion is over: its key leaves closing, and the index when handles does not hold it either.
    private void closed(WorldKey key, CompletableFuture<Void> done) {
        handles.compute(key, (k, h) -> {
            if (closing.remove(k, done) && h == null && !closing.containsKey(k)) {
                byUser.computeIfPresent(k.userId(), (u, keys) -> {
                    Set<WorldKey> rest = new HashSet<>(keys);
                    rest.remove(k);
                    return rest.isEmpty() ? null : Set.copyOf(rest);
                });
            }
            return h;
        });
    }

    /**
     * A connection is about to enter one of the user's worlds: from now on the user counts as present,
     * so their folder is not deleted under the load.
     *
     * @param user the user
     * @param newConnection whether the connection is new to this user (it counts against their limit)
     * @throws WorldLinkException {@link ErrorCode#QUOTA_EXCEEDED} when the user has as many connections
     *     as they may; then the user is unchanged
     */
    void userJoined(UserId user, boolean newConnection) {
        users.compute(user, (u, e) -> {
            UserEntry entry = e == null ? new UserEntry() : e;
            if (cluster != null && entry.sessions == 0) {
                cluster.present(u, true);
            }
            if (newConnection && entry.sessions >= limits.maxConnectionsPerUser()) {
                throw new WorldLinkException(ErrorCode.QUOTA_EXCEEDED, "User " + u + " already has "
                        + entry.sessions + " connections, the most one user may have; close one first.");
            }
            entry.sessions++;
            if (entry.pendingDelete != null) {
                entry.pendingDelete.cancel(false);
                entry.pendingDelete = null;
            }
            return entry;
        });
    }

    /** A connection left the user's worlds; the last one to leave an anonymous user starts the grace period. */
    void userLeft(UserId user) {
        AtomicBoolean deleteNow = new AtomicBoolean();
        users.computeIfPresent(user, (u, entry) -> {
            entry.sessions--;
            if (entry.sessions > 0) {
                return entry;
            }
            if (!u.isAnonymous()) {
                if (cluster != null) {
                    cluster.present(u, false);
                }
                return null;
            }
            // An anonymous user stays present to the other nodes until this node deletes or lets go of them:
            // no node deletes their folder while their grace period runs here or their worlds close here.
            scheduleDelete(u, entry, deleteNow);
            return entry;
        });
        if (deleteNow.get()) {
            delete(user);
        }
    }

    private void scheduleDelete(UserId user, UserEntry entry, AtomicBoolean deleteNow) {
        if (grace.isZero()) {
            deleteNow.set(true);
        } else {
            entry.pendingDelete = timer.schedule(() -> delete(user), grace.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Takes care of anonymous users whose folders a previous run left behind (it stopped without
     * deleting them): each is deleted after the grace period unless the user comes back.
     *
     * @param leftovers the anonymous users found on disk
     */
    void adoptLeftovers(List<UserId> leftovers) {
        for (UserId user : leftovers) {
            AtomicBoolean deleteNow = new AtomicBoolean();
            users.computeIfAbsent(user, u -> {
                UserEntry entry = new UserEntry();
                scheduleDelete(u, entry, deleteNow);
                return entry;
            });
            if (deleteNow.get()) {
                delete(user);
            }
        }
    }

    // Starts deleting a user's folder if nobody came back: the user stops being tracked at once, and the
    // deletion runs after the user's worlds have closed.
    private void delete(UserId user) {
        users.computeIfPresent(user, (u, entry) -> {
            if (entry.sessions > 0) {
                return entry;
            }
            List<CompletableFuture<Void>> closes = new ArrayList<>();
            for (WorldKey k : worldsOf(u)) {
                CompletableFuture<Void> f = closing.get(k);
                if (f != null) {
                    closes.add(f);
                }
                WorldHandle h = handles.get(k);
                if (h != null) {
                    closes.add(h.closed);
                }
            }
            CompletableFuture<Void> deletion = CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new))
                    // On the pool: not under this map's lock, which this chain may be started under.
                    .thenComposeAsync(x -> cluster == null ? CompletableFuture.completedFuture(false)
                            : absentHere(u).presentElsewhere(u), worldPool)
                    .thenAcceptAsync(elsewhere -> {
                        // Another node serves the user now: its own last connection leaving deletes the folder.
                        if (!elsewhere) {
                            deleteUser(u);
                        }
                    }, worldPool)
                    .exceptionally(e -> {
                        LOG.log(Level.ERROR, "Could not delete the folder of anonymous user " + u, e);
                        return null;
                    });
            deletions.put(u, deletion);
            deletion.whenComplete((x, e) -> deletions.remove(u, deletion));
            return null;
        });
    }

    // Tells the other nodes that this node no longer serves a user whose worlds here have closed, unless the
    // user came back meanwhile.
    private Cluster absentHere(UserId user) {
        users.compute(user, (u, entry) -> {
            if (entry == null) {
                cluster.present(u, false);
            }
            return entry;
        });
        return cluster;
    }

    /** @return the worlds loaded now */
    List<WorldHandle> loaded() {
        return List.copyOf(handles.values());
    }

    /**
     * @param user a user
     * @return the user's worlds that are loaded, loading, closing or being deleted now: what the deletion of
     *     an anonymous user's folder waits for
     */
    Set<WorldKey> worldsOf(UserId user) {
        return byUser.getOrDefault(user, Set.of());
    }

    /**
     * @param user a user
     * @return the user's worlds loaded now, found without looking at other users' worlds
     */
    List<WorldHandle> loaded(UserId user) {
        List<WorldHandle> loaded = new ArrayList<>();
        for (WorldKey k : worldsOf(user)) {
            WorldHandle h = handles.get(k);
            if (h != null) {
                loaded.add(h);
            }
        }
        return loaded;
    }

    /**
     * @param key a world
     * @return it when it is loaded now, else {@code null}
     */
    WorldHandle loaded(WorldKey key) {
        return handles.get(key);
    }

    /** @return how many worlds are loaded */
    int loadedCount() {
        return handles.size();
    }

    /** @return how many users have a connection, or a grace period running before their folder is deleted */
    int trackedUsers() {
        return users.size();
    }

    /**
     * Stops waiting for turns: from now on a world that nobody holds is closed at once, its replies in
     * flight cut short (the server is stopping).
     */
    void stopping() {
        stopping = true;
        if (ownerChecks != null) {
            ownerChecks.cancel(false);
        }
        for (WorldHandle h : loaded()) {
            closeIfUnused(h);
        }
    }

    /** @return done when every world that is closing has closed and every pending deletion has run */
    CompletableFuture<Void> quiesce() {
        for (UserId user : List.copyOf(users.keySet())) {
            AtomicBoolean now = new AtomicBoolean();
            users.computeIfPresent(user, (u, e) -> {
                if (e.pendingDelete != null && e.pendingDelete.cancel(false)) {
                    e.pendingDelete = null;
                    now.set(true);
                }
                return e;
            });
            if (now.get()) {
                delete(user);
            }
        }
        List<CompletableFuture<?>> all = new ArrayList<>(closing.values());
        all.addAll(deletions.values());
        return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new));
    }

    // The user's worlds' logs go too, wherever the host keeps them.
    private void deleteUser(UserId user) {
        List<String> worlds = storage.listWorlds(user);
        storage.deleteUser(user);
        for (String world : worlds) {
            shared.logs().delete(new WorldKey(user, world));
        }
    }
}
