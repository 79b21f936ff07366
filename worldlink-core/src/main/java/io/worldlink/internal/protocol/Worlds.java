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
 * select it, and closed when the last one leaves; a new load of that world waits until the old one has
 * saved everything. An anonymous user's folder is deleted when their last connection has left and the
 * grace period has passed, unless they came back. Each map is updated per key, so worlds and users
 * never contend with each other.
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

    private final Map<WorldKey, WorldHandle> handles = new ConcurrentHashMap<>();
    private final Map<WorldKey, CompletableFuture<Void>> closing = new ConcurrentHashMap<>();
    private final Map<UserId, UserEntry> users = new ConcurrentHashMap<>();
    // Folders being deleted now: a new load of that user's world waits for its deletion to finish.
    private final Map<UserId, CompletableFuture<Void>> deletions = new ConcurrentHashMap<>();

    private static final class UserEntry {
        int sessions;
        ScheduledFuture<?> pendingDelete;
    }

    Worlds(WorldRuntime.Shared shared, WorldCloner cloner, Duration grace) {
        this.shared = shared;
        this.storage = shared.storage();
        this.cloner = cloner;
        this.bus = shared.bus();
        this.worldPool = shared.worldPool();
        this.timer = shared.timer();
        this.grace = grace;
    }

    /**
     * Takes a reference on a world, loading it (or cloning it from the template first) when it is not
     * loaded. Every call must be matched by one {@link #release}, also when the future fails.
     */
    WorldHandle acquire(WorldKey key, String templateId, String worldName) {
        return handles.compute(key, (k, h) -> {
            WorldHandle handle = h;
            if (handle == null) {
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
                cloner.cloneTemplate(templateId, key, worldName);
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

    private CompletableFuture<Void> deletionOf(UserId user) {
        return deletions.getOrDefault(user, CompletableFuture.completedFuture(null));
    }

    /** Gives back a reference; the last one closes the world, saving what is pending. */
    void release(WorldHandle handle) {
        CompletableFuture<Void> closed = new CompletableFuture<>();
        boolean[] last = new boolean[1];
        handles.computeIfPresent(handle.key, (k, h) -> {
            if (h != handle) {
                return h;
            }
            h.refs--;
            last[0] = h.refs == 0;
            if (last[0]) {
                // Registered under the same lock as acquire(): a new load of this world waits for the close.
                closing.put(k, closed);
            }
            return last[0] ? null : h;
        });
        if (!last[0]) {
            return;
        }
        handle.unsubscribe();
        handle.runtime.thenCompose(WorldRuntime::close).whenComplete((x, e) -> {
            closing.remove(handle.key, closed);
            closed.complete(null);
        });
    }

    /** A connection is now in one of the user's worlds. */
    void userJoined(UserId user) {
        users.compute(user, (u, e) -> {
            UserEntry entry = e == null ? new UserEntry() : e;
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
            if (grace.isZero()) {
                deleteNow.set(true);
            } else {
                entry.pendingDelete = timer.schedule(() -> delete(u), grace.toNanos(), TimeUnit.NANOSECONDS);
            }
            return entry;
        });
        if (deleteNow.get()) {
            delete(user);
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
