package io.worldlink.internal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.ErrorCode;
import io.worldlink.EventBus;
import io.worldlink.MetricsListener;
import io.worldlink.TemplateStore;
import io.worldlink.TestData;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldCloner;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.event.EventLogStore;
import io.worldlink.internal.model.ModelRegistry;
import io.worldlink.internal.world.ModelDispatcher;
import io.worldlink.internal.world.ModelPolicy;
import io.worldlink.internal.world.WorldPolicy;
import io.worldlink.internal.world.WorldRuntime;
import io.worldlink.model.ChatModel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loaded worlds' index by user: what concerns one user (their worlds to wait for before their folder
 * goes, a notice to their loaded worlds) is found among that user's worlds only, and the index holds a
 * world exactly while it is loaded, loading, closing or being deleted, on every path.
 */
class LoadedWorldsTest {
    static final long WAIT_SECONDS = 10;
    static final int POOL = 4;

    @TempDir
    Path root;

    final ExecutorService pool = Executors.newFixedThreadPool(POOL);
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    LoadedWorlds worlds;

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        TemplateStore templates = TemplateStore.files(root);
        ChatModel silent = (request, listener) -> () -> { };
        WorldRuntime.Shared shared = new WorldRuntime.Shared(UserStorage.files(root), EventLogStore.files(root),
                EventBus.inProcess(), new ModelRegistry(Map.of("offline", silent), "offline"),
                new ModelDispatcher(pool, 8, 64), pool, timer, templates,
                new WorldRuntime.Settings(10, 200, 64 * 1024, Duration.ZERO, Duration.ofMinutes(1), Clock.systemUTC(),
                        new ModelPolicy(8192, Map.of()), new WorldPolicy(16, 16_384, 100, 2_000, 50, 100, 1L << 30),
                        true, Duration.ofMinutes(10)),
                MetricsListener.NONE);
        worlds = new LoadedWorlds(shared, WorldCloner.fromTemplates(templates), Duration.ZERO,
                new Limits(64 * 1024, 1 << 22, 1 << 26, 20, 40, 1000, 1000, 1000, 1000, 100, 100,
                        Duration.ofSeconds(30)), null);
    }

    @AfterEach
    void stop() throws Exception {
        worlds.stopping();
        worlds.quiesce().get(WAIT_SECONDS, TimeUnit.SECONDS);
        pool.shutdownNow();
        timer.shutdownNow();
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private WorldHandle load(WorldKey key) throws Exception {
        WorldHandle h = worlds.acquire(key, "fast-world", key.worldId());
        get(h.runtime);
        return h;
    }

    // Releases the world and waits until it has closed.
    private void unload(WorldHandle h) throws Exception {
        worlds.release(h);
        get(h.closed);
    }

    private static Set<WorldKey> keysOf(List<WorldHandle> handles) {
        Set<WorldKey> keys = new HashSet<>();
        handles.forEach(h -> keys.add(h.key));
        return keys;
    }

    @Test
    void eachUserHasTheirOwnWorldsOnEveryLoadAndUnloadPath() throws Exception {
        UserId ann = UserId.of("ann");
        UserId bob = UserId.of("bob");
        WorldKey ann1 = new WorldKey(ann, "one");
        WorldKey ann2 = new WorldKey(ann, "two");
        WorldKey bob1 = new WorldKey(bob, "one");
        WorldHandle a1 = load(ann1);
        WorldHandle a2 = load(ann2);
        WorldHandle b1 = load(bob1);
        assertEquals(Set.of(ann1, ann2), worlds.worldsOf(ann));
        assertEquals(Set.of(ann1, ann2), keysOf(worlds.loaded(ann)));
        assertEquals(Set.of(bob1), keysOf(worlds.loaded(bob)));

        // Closed when its last reference goes: a second reference keeps it.
        WorldHandle again = worlds.acquire(ann1, "fast-world", "one");
        worlds.release(a1);
        assertEquals(Set.of(ann1, ann2), worlds.worldsOf(ann));
        unload(again);
        assertEquals(Set.of(ann2), worlds.worldsOf(ann));

        // A load that fails: no such world and no template to make it from.
        WorldKey missing = new WorldKey(ann, "missing");
        WorldHandle failed = worlds.acquire(missing, null, "missing");
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> failed.runtime.get(WAIT_SECONDS, TimeUnit.SECONDS));
        assertEquals(ErrorCode.TEMPLATE_NOT_FOUND, ((WorldLinkException) e.getCause()).code());
        assertTrue(worlds.worldsOf(ann).contains(missing));
        unload(failed);
        assertEquals(Set.of(ann2), worlds.worldsOf(ann));

        // Selected again while its deletion runs (held up until then: the worlds' pool is busy): the new load
        // waits for it, and stays indexed after it.
        CountDownLatch busy = new CountDownLatch(POOL);
        CountDownLatch free = new CountDownLatch(1);
        for (int i = 0; i < POOL; i++) {
            pool.execute(() -> {
                busy.countDown();
                try {
                    free.await();
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        assertTrue(busy.await(WAIT_SECONDS, TimeUnit.SECONDS));
        CompletableFuture<Void> deleted = worlds.delete(ann2, (s, error) -> null);
        WorldHandle reloaded = worlds.acquire(ann2, "fast-world", "two");
        free.countDown();
        get(deleted);
        get(reloaded.runtime);
        assertEquals(Set.of(ann2), worlds.worldsOf(ann));
        assertEquals(Set.of(ann2), keysOf(worlds.loaded(ann)));

        // Deleting a loaded world, and one that is stored but not loaded.
        get(worlds.delete(ann2, (s, error) -> null));
        assertEquals(Set.of(), worlds.worldsOf(ann));
        assertTrue(worlds.loaded(ann).isEmpty());
        unload(b1);
        assertFalse(worlds.exists(bob1), "a clone that nothing was written to is gone");
        WorldKey stored = new WorldKey(bob, "stored");
        get(worlds.create(bob, "stored", "fast-world", null));
        get(worlds.delete(stored, (s, error) -> null));
        assertFalse(worlds.exists(stored));
        assertEquals(Set.of(), worlds.worldsOf(bob));
        assertEquals(0, worlds.loadedCount());
    }

    @Test
    void anAnonymousUserLeavingWaitsForTheirWorldsOnlyAndLeavesNothingIndexed() throws Exception {
        UserId anon = UserId.of(UUID.randomUUID().toString());
        UserId other = UserId.of(UUID.randomUUID().toString());
        worlds.userJoined(anon, true);
        worlds.userJoined(other, true);
        WorldHandle mine = load(new WorldKey(anon, "w"));
        WorldHandle theirs = load(new WorldKey(other, "w"));
        worlds.release(mine);
        worlds.userLeft(anon);
        get(worlds.quiesce());
        assertTrue(mine.closed.isDone());
        assertEquals(Set.of(), worlds.worldsOf(anon));
        assertFalse(theirs.closed.isDone(), "another user's world stays loaded");
        assertEquals(Set.of(theirs.key), worlds.worldsOf(other));
        unload(theirs);
        worlds.userLeft(other);
    }

    @Test
    void manyLoadsReleasesAndDeletesAtOnceLeaveTheIndexAsTheWorldsAre() throws Exception {
        List<WorldKey> keys = new ArrayList<>();
        for (int u = 0; u < 3; u++) {
            for (int w = 0; w < 3; w++) {
                keys.add(new WorldKey(UserId.of("user" + u), "w" + w));
            }
        }
        ExecutorService clients = Executors.newFixedThreadPool(4);
        List<CompletableFuture<Void>> runs = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            long seed = t;
            runs.add(CompletableFuture.runAsync(() -> {
                Random random = new Random(seed);
                for (int i = 0; i < 200; i++) {
                    WorldKey key = keys.get(random.nextInt(keys.size()));
                    if (random.nextInt(10) == 0) {
                        worlds.delete(key, (s, error) -> null).exceptionally(x -> null).join();
                        continue;
                    }
                    WorldHandle h = worlds.acquire(key, "fast-world", key.worldId());
                    h.runtime.handle((r, x) -> null).join();
                    worlds.release(h);
                }
            }, clients));
        }
        try {
            get(CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)));
        } finally {
            clients.shutdownNow();
        }
        get(worlds.quiesce());
        for (WorldHandle h : worlds.loaded()) {
            get(h.closed);
        }
        get(worlds.quiesce());
        assertEquals(0, worlds.loadedCount());
        for (int u = 0; u < 3; u++) {
            assertEquals(Set.of(), worlds.worldsOf(UserId.of("user" + u)), "user" + u);
        }
    }
}
