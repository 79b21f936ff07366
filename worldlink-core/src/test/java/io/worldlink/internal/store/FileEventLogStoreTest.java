package io.worldlink.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.ErrorCode;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.event.EventLog;
import io.worldlink.event.EventLogStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default event logs: in each world's folder, also a linked one, and never deleted through a link. */
class FileEventLogStoreTest {
    @TempDir
    Path root;

    final WorldKey bobs = new WorldKey(UserId.of("bob"), "demo");
    final WorldKey anns = new WorldKey(UserId.of("ann"), "linked");

    @Test
    void aWorldFolderLinkedInsideTheDataRootHasItsLogAndItsDeletionLeavesTheTargetsLog() throws Exception {
        UserStorage storage = UserStorage.files(root);
        EventLogStore logs = EventLogStore.files(root);
        storage.createWorld(bobs, FileUserStorageTest.sampleWorld());
        try (EventLog log = logs.open(bobs)) {
            log.append(FileEventLogTest.message("bob's"));
            log.sync();
        }
        Files.createDirectories(root.resolve("users/ann/worlds"));
        Files.createSymbolicLink(root.resolve("users/ann/worlds/linked"), root.resolve("users/bob/worlds/demo"));

        try (EventLog log = logs.open(anns)) {
            assertEquals(1, log.lastSeq(), "the linked folder's log is the one it links to");
        }
        logs.delete(anns);
        storage.deleteUser(UserId.of("ann"));

        assertTrue(Files.exists(root.resolve("users/bob/worlds/demo/events.jsonl")), "bob's log is untouched");
        try (EventLog log = logs.open(bobs)) {
            assertEquals(1, log.lastSeq());
        }
    }

    @Test
    void aMissingWorldHasNoLogAndDeletingOneThatIsGoneDoesNothing() {
        EventLogStore logs = EventLogStore.files(root);
        WorldLinkException e = assertThrows(WorldLinkException.class, () -> logs.open(bobs));
        assertEquals(ErrorCode.WORLD_NOT_FOUND, e.code());
        logs.delete(bobs);
        assertFalse(Files.exists(root.resolve("users/bob")));
    }
}
