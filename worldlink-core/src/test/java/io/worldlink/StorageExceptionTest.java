package io.worldlink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.worldlink.internal.StorageException;
import java.io.IOException;
import java.nio.file.FileSystemException;
import org.junit.jupiter.api.Test;

class StorageExceptionTest {
    @Test
    void addsTheSystemsReasonButNeverThePath() {
        FileSystemException cause = new FileSystemException("/srv/secret/data/users/ann/worlds/w/agents", null,
                "Too many open files");
        StorageException e = new StorageException("Could not list users/ann/worlds/w/agents.", cause);
        assertEquals("Could not list users/ann/worlds/w/agents (Too many open files).", e.getMessage());
        assertEquals(ErrorCode.STORAGE_ERROR, e.code());
    }

    @Test
    void leavesOtherCausesOut() {
        assertEquals("Could not read x.", new StorageException("Could not read x.",
                new IOException("/abs/path broke")).getMessage());
        assertEquals("Could not read x.", new StorageException("Could not read x.", null).getMessage());
    }
}
