package io.worldlink.internal.protocol;

import io.worldlink.ErrorCode;
import io.worldlink.EventBus;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldCloner;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.internal.world.WorldRuntime;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The loaded worlds and the users who are connected. A world is loaded once however many connections
 * select it, and closed when the last one has left and its turn in progress has finished; a new load
 * of that world waits until the old one has saved everything. An anonymous user's folder is deleted
 * when their last connection has left and the grace period has passed, unless they came back. Each
 * map is updated per key, so worlds and users never contend with each other.
 */
final class Worlds {
    private static final System.Logger LOG = System.getLogger(Worlds.class.getName());

    private final WorldRuntime.Shared shared;
    private final UserStorage storage;
    private final WorldCloner cloner;
    private final EventBus bus;
    private final Executor worldPool;
    private final ScheduledExecutorService timer;
    private final Duration grace;
    private final Limits limits;

    private final Map<WorldKey, WorldHandle> handles = new ConcurrentHashMap<>();
    private final Map<WorldKey, CompletableFuture<Void>> closing = new ConcurrentHashMap<>();
    private final Map<UserId, UserEntry> users = new ConcurrentHashMap<>();
    // Folders being deleted now: a new load of that user's world waits for its deletion to finish.
    private final Map<UserId, CompletableFuture<Void>> deletions = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    private static final class UserEntry {
        int sessions;
        ScheduledFuture<?> pendingDelete;
    }

    Worlds(WorldRuntime.Shared shared, WorldCloner cloner, Duration grace, Limits limits) {
        this.shared = shared;
        this.storage = shared.storage();
        this.cloner = cloner;
        this.bus = shared.bus();
        this.worldPool = shared.worldPool();
        this.timer = shared.timer();
        this.grace = grace;
        this.limits = limits;
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
            }
            handle.refs++;
            return handle;
        });
    }

    private void load(WorldHandle handle, String templateId, String worldName) {
        WorldKey key = handle.key;
        CompletableFuture<Void> before = CompletableFuture.allOf(
                closing.getOrDefault(key, CompletableFuture.completedFuture(null)), deletionOf(key.userId()));
        before.thenRunAsync(() -> {
            if (!storage.worldExists(key)) {
                if (templateId == null) {
                    throw new WorldLinkException(ErrorCode.TEMPLATE_NOT_FOUND, "User " + key.userId()
                            + " has no world \"" + key.worldId() + "\" yet; give a templateName to create it from.");
                }
                cloneWithinQuota(key, templateId, worldName);
            }
        }, worldPool)
                .thenCompose(x -> WorldRuntime.load(key, shared))
                .whenComplete((runtime, error) -> {
                    if (error != null) {
                        handle.runtime.completeExceptionally(error);
                    } else {
                        handle.subscribed(bus.subscribe(key, handle::deliver));
                        handle.runtime.complete(runtime);
                    }
                });
    }

    // One user's clones are counted and made one at a time, so that parallel selects cannot pass the
    // quota together. Only world-select clones, and it has made the user present first.
    private void cloneWithinQuota(WorldKey key, String templateId, String worldName) {
        UserEntry entry = users.get(key.userId());
        if (entry == null) {
            cloneIfUnderQuota(key, templateId, worldName);
            return;
        }
        synchronized (entry) {
            cloneIfUnderQuota(key, templateId, worldName);
        }
    }

    private void cloneIfUnderQuota(WorldKey key, String templateId, String worldName) {
        int max = key.userId().isAnonymous() ? limits.maxWorldsPerAnonymousUser() : limits.maxWorldsPerUser();
        List<String> existing = storage.listWorlds(key.userId());
        if (existing.size() >= max) {
            throw new WorldLinkException(ErrorCode.QUOTA_EXCEEDED, "User " + key.userId() + " already has "
                    + existing.size() + " worlds, the most " + (key.userId().isAnonymous() ? "an anonymous" : "a")
                    + " user may have; select one of them (" + String.join(", ", existing) + ").");
        }
        cloner.cloneTemplate(templateId, key, worldName);
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
            handle.runtime.thenCompose(WorldRuntime::whenQuiet).whenComplete((x, e) -> closeIfUnused(handle));
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
        handle.runtime.thenCompose(WorldRuntime::close).whenComplete((x, e) -> {
            closing.remove(handle.key, handle.closed);
            handle.closed.complete(null);
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
                return null;
            }
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
            closing.forEach((k, f) -> {
                if (k.userId().equals(u)) {
                    closes.add(f);
                }
            });
            handles.forEach((k, h) -> {
                if (k.userId().equals(u)) {
                    closes.add(h.closed);
                }
            });
            CompletableFuture<Void> deletion = CompletableFuture.allOf(closes.toArray(CompletableFuture[]::new))
                    .thenRunAsync(() -> storage.deleteUser(u), worldPool)
                    .exceptionally(e -> {
                        LOG.log(Level.ERROR, "Could not delete the folder of anonymous user " + u, e);
                        return null;
                    });
            deletions.put(u, deletion);
            deletion.whenComplete((x, e) -> deletions.remove(u, deletion));
            return null;
        });
    }

    /** @return the worlds loaded now */
    List<WorldHandle> loaded() {
        return List.copyOf(handles.values());
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
}
