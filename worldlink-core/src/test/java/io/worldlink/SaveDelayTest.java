package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Memory snapshots gather a turn's changes; closing writes what is pending. */
class SaveDelayTest {
    @TempDir
    Path root;

    int memoryWritesForOneTurn(Duration delay) {
        TestData.withShippedTemplates(root);
        WatchedStorage storage = new WatchedStorage(root);
        WorldLink link = WorldLink.builder().dataRoot(root).storage(storage).environment(Map.of())
                .offlinePace(Duration.ZERO).trustClaimedUserIds(true).saveDelay(delay).build();
        TestClient c = new TestClient(link);
        c.select("default-world", "w-" + delay.toMillis(), "ann");
        c.expect("connection-confirmed");
        c.request("chat-send", payload("message", "remember me"));
        c.untilIdle();
        link.close();
        WorldSnapshot stored = storage.loadWorld(new WorldKey(UserId.of("ann"), "w-" + delay.toMillis()));
        for (AgentSnapshot a : stored.agents()) {
            assertEquals(List.of(MemoryMessage.USER, MemoryMessage.ASSISTANT),
                    a.memory().stream().map(MemoryMessage::role).toList(), "everything was saved by close()");
        }
        return storage.memoryWrites.get();
    }

    @Test
    void aTurnsMemoryChangesAreWrittenOncePerAgentWithinTheDelay() {
        assertEquals(2, memoryWritesForOneTurn(Duration.ofMinutes(1)),
                "for each of the two agents, close()'s: a new world's memory files reflect its empty log, so its "
                        + "first snapshot waits too");
    }

    @Test
    void withoutADelayEachBurstIsWrittenAtOnce() {
        int writes = memoryWritesForOneTurn(Duration.ZERO);
        assertTrue(writes > 2, "the message and each reply are written as they come: " + writes);
    }
}
