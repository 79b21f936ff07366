package io.worldlink.event;

import io.worldlink.ErrorCode;
import io.worldlink.WorldKey;
import io.worldlink.WorldLink;
import io.worldlink.WorldLinkException;
import io.worldlink.internal.store.FileEventLogStore;
import java.nio.file.Path;

/**
 * Where each world's {@link EventLog} lives. The default keeps it as {@code events.jsonl} in the world's
 * folder under the data root. Implementations are thread-safe; WorldLink opens a world's log when it loads
 * the world and holds it until the world is unloaded, never two at once for one world in one process.
 *
 * <p>A host replaces it to keep logs elsewhere:
 * <pre>{@code
 * EventLogStore logs = new EventLogStore() {
 *     public EventLog open(WorldKey world) { return new MyDatabaseLog(db, world); }
 *     public void delete(WorldKey world) { db.deleteLog(world); }
 * };
 * WorldLink.builder().eventLogs(logs)...
 * }</pre>
 */
public interface EventLogStore {
    /**
     * Opens a world's log, creating an empty one when the world has none yet.
     *
     * @param world an existing world
     * @return its log, opened; the caller closes it
     * @throws WorldLinkException {@link ErrorCode#WORLD_NOT_FOUND} when the world does not exist
     * @throws WorldLinkException {@link ErrorCode#STORAGE_ERROR} when the log cannot be opened
     */
    EventLog open(WorldKey world);

    /**
     * Deletes a world's log, as the world itself is deleted; a world created later under the same key
     * starts with an empty log. Nothing happens when there is none.
     *
     * @param world the world
     */
    void delete(WorldKey world);

    /**
     * The default: {@code events.jsonl} in each world's folder, each sync forced to the disk.
     *
     * @param dataRoot the data root; worlds are under {@code users/}
     * @return the store
     */
    static EventLogStore files(Path dataRoot) {
        return files(dataRoot, true);
    }

    /**
     * The default, with or without forcing each {@link EventLog#sync()} to the disk.
     *
     * @param dataRoot the data root; worlds are under {@code users/}
     * @param sync whether a sync is forced to the disk; off is faster, and a crash of the machine (not of
     *     the process) may then lose the newest events
     * @return the store
     */
    static EventLogStore files(Path dataRoot, boolean sync) {
        return new FileEventLogStore(dataRoot, sync);
    }
}
