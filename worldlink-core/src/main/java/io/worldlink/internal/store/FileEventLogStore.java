package io.worldlink.internal.store;

import io.worldlink.ErrorCode;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.event.EventLog;
import io.worldlink.event.EventLogStore;
import io.worldlink.internal.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The default {@link EventLogStore}: {@code events.jsonl} in each world's folder under the data root. */
public final class FileEventLogStore implements EventLogStore {
    private final DataRoot root;
    private final boolean sync;

    /**
     * @param dataRoot the data root
     * @param sync whether a log's sync is forced to the disk
     */
    public FileEventLogStore(Path dataRoot, boolean sync) {
        this.root = new DataRoot(dataRoot);
        this.sync = sync;
    }

    @Override
    public EventLog open(WorldKey world) {
        // As the storage sees it: a world folder may be a link that stays inside the data root.
        Path dir = root.world(world);
        if (!Files.isDirectory(dir)) {
            throw new WorldLinkException(ErrorCode.WORLD_NOT_FOUND, "User " + world.userId() + " has no world \""
                    + world.worldId() + "\".");
        }
        Path file = dir.resolve(WorldFiles.EVENTS);
        return FileEventLog.open(file, root.relative(file), sync);
    }

    @Override
    public void delete(WorldKey world) {
        Path dir = root.world(world);
        if (Files.isSymbolicLink(dir)) {
            // The log behind a linked world folder belongs to the folder it links to, not to this world.
            return;
        }
        Path file = dir.resolve(WorldFiles.EVENTS);
        try {
            // A link in the log's place is removed, never followed.
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StorageException("Could not delete the event log " + root.relative(file) + ".", e);
        }
    }
}
