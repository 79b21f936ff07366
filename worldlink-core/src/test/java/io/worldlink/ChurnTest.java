package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The soak's leak checks at a small size: many anonymous users come, select, chat and go, and nothing
 * of them stays: no folder, no loaded world, no subscription, no tracked user, no thread.
 */
class ChurnTest {
    static final int CYCLES = 300;

    @TempDir
    Path root;

    @Test
    void anonymousUsersLeaveNothingBehind() throws Exception {
        TestData.withShippedTemplates(root);
        WatchedStorage storage = new WatchedStorage(root);
        try (WorldLink link = WorldLink.builder().dataRoot(root).storage(storage).environment(Map.of())
                .offlinePace(Duration.ZERO).anonymousGracePeriod(Duration.ZERO).build()) {
            // Warm up: the fixed pools start their threads as work first comes.
            for (int i = 0; i < 50; i++) {
                cycle(link);
                storage.awaitDeleted();
            }
            long threadsBefore = worldLinkThreads();

            for (int i = 0; i < CYCLES; i++) {
                cycle(link);
            }
            for (int i = 0; i < CYCLES; i++) {
                storage.awaitDeleted();
            }

            WorldLink.Stats stats = link.stats();
            assertEquals(0, stats.connections());
            assertEquals(0, stats.loadedWorlds());
            assertEquals(0, stats.subscriptions());
            assertEquals(0, stats.trackedUsers(), "no user is tracked once their folder is gone");
            assertEquals(0, stats.activeModelCalls());
            try (Stream<Path> users = Files.list(root.resolve("users"))) {
                assertEquals(0, users.count(), "no user folder is left");
            }
            assertEquals(threadsBefore, worldLinkThreads(), "no thread was added");
        }
    }

    private static long worldLinkThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("worldlink-")).count();
    }

    private static void cycle(WorldLink link) {
        TestClient c = new TestClient(link);
        c.select("fast-world", "w", UUID.randomUUID().toString());
        c.expect("connection-confirmed");
        c.request("chat-send", payload("message", "hello and goodbye"));
        c.untilIdle();
        c.connection.closed();
    }
}
