package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PROTOCOL.md "Replay": every life of a world has its own epoch, and a seq of another life replays all. */
class WorldEpochTest {
    @TempDir
    Path root;

    WatchedStorage storage;
    WorldLink link;

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        storage = new WatchedStorage(root);
        link = WorldLink.builder().dataRoot(root).storage(storage).environment(Map.of()).offlinePace(Duration.ZERO)
                .anonymousGracePeriod(Duration.ZERO).build();
    }

    @AfterEach
    void tearDown() {
        link.close();
    }

    private static JsonObject select(TestClient c, String user, Long lastSeq, String epoch) {
        JsonObject p = payload("templateName", "fast-world", "worldName", "w", "userId", user);
        if (lastSeq != null) {
            p.addProperty("lastSeq", lastSeq);
        }
        if (epoch != null) {
            p.addProperty("worldEpoch", epoch);
        }
        c.request("world-select", p);
        return payloadOf(c.expect("connection-confirmed"));
    }

    private static long lastSeqOf(List<JsonObject> frames) {
        return frames.stream().filter(f -> f.has("seq")).mapToLong(f -> f.get("seq").getAsLong()).max().orElse(0);
    }

    @Test
    void aWorldCreatedAgainHasANewEpochAndReplaysFromTheStart() {
        String user = UUID.randomUUID().toString();
        TestClient first = new TestClient(link);
        String epoch1 = select(first, user, null, null).get("worldEpoch").getAsString();
        first.request("chat-send", payload("message", "hello"));
        first.untilIdle();
        first.request("chat-send", payload("message", "and more"));
        long seenSeq = lastSeqOf(first.untilIdle());
        first.connection.closed();
        storage.awaitDeleted();

        // The same user and world name again: a new life, whose seqs start at 1 again.
        TestClient second = new TestClient(link);
        JsonObject confirmed = select(second, user, null, null);
        String epoch2 = confirmed.get("worldEpoch").getAsString();
        assertNotEquals(epoch1, epoch2);
        second.request("chat-send", payload("message", "hello again"));
        long newSeq = lastSeqOf(second.untilIdle());
        assertTrue(newSeq < seenSeq - 1, "the new life is shorter than the old one");

        // A client that still holds the old life's seq is replayed the new life from its start.
        TestClient resumed = new TestClient(link);
        JsonObject again = select(resumed, user, seenSeq - 1, epoch1);
        assertEquals(epoch2, again.get("worldEpoch").getAsString());
        JsonObject replayed = resumed.next();
        assertEquals("event-stream", type(replayed));
        assertEquals(1, replayed.get("seq").getAsLong(), replayed.toString());
    }

    @Test
    void aClientOfTheSameEpochIsReplayedOnlyWhatItMissed() {
        String user = UUID.randomUUID().toString();
        TestClient first = new TestClient(link);
        String epoch = select(first, user, null, null).get("worldEpoch").getAsString();
        first.request("chat-send", payload("message", "one"));
        long afterFirst = lastSeqOf(first.untilIdle());
        first.request("chat-send", payload("message", "two"));
        first.untilIdle();

        TestClient other = new TestClient(link);
        JsonObject confirmed = select(other, user, afterFirst, epoch);
        assertEquals(epoch, confirmed.get("worldEpoch").getAsString());
        JsonObject replayed = other.next();
        assertEquals(afterFirst + 1, replayed.get("seq").getAsLong(), replayed.toString());
    }

    @Test
    void anEpochIsKeptAcrossRestartsAndGivenToWorldsThatHadNone() throws Exception {
        String user = "ann";
        WorldKey key = new WorldKey(UserId.of(user), "old");
        WorldSnapshot template = link.template("fast-world");
        storage.createWorld(key, new WorldSnapshot(template.config().withIdentity("old", "old")
                .withTemplate(false, Map.of()), template.agents()));
        link.close();
        String epoch = null;
        for (int life = 0; life < 2; life++) {
            link = WorldLink.builder().dataRoot(root).storage(storage).environment(Map.of()).offlinePace(Duration.ZERO)
                    .trustClaimedUserIds(true).build();
            TestClient c = new TestClient(link);
            c.request("world-select", payload("worldName", "old", "userId", user));
            String now = payloadOf(c.expect("connection-confirmed")).get("worldEpoch").getAsString();
            assertNotNull(now);
            if (epoch != null) {
                assertEquals(epoch, now, "a restart is not a new life");
            }
            epoch = now;
            link.close();
        }
        assertEquals(epoch, storage.loadWorld(key).config().metadata().get("worldEpoch"));
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).build();
    }
}
