package io.worldlink.internal.world;

import io.worldlink.Chat;
import io.worldlink.UserStorage;
import io.worldlink.WorldKey;
import io.worldlink.WorldSnapshot;
import io.worldlink.event.EventLog;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.store.GuardedStorage;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A world cloned from a template and not written yet: the storage and the event log that its runtime
 * sees. Reads of the world answer from the clone in memory (no chats, an empty log); the first write of any
 * kind (an event appended, a config, memory, chat or agent saved) writes the whole clone as it was made
 * ({@link UserStorage#createWorld}) first, then itself, and from then on everything goes to the storage
 * and the log as for any world. What changed in memory before that first write is written by the write
 * that follows (a memory changes only with a logged message, whose append comes first). A world deleted
 * while unwritten is never written. Used on the world's executor only.
 */
final class LazyClone extends GuardedStorage {
    private final WorldKey key;
    private final Runnable onWritten;
    private WorldSnapshot clone;

    /**
     * @param key the world
     * @param storage where it is written
     * @param clone the world as it is made, not written
     * @param onWritten told once, just after the clone is written
     */
    LazyClone(WorldKey key, UserStorage storage, WorldSnapshot clone, Runnable onWritten) {
        super(storage);
        this.key = key;
        this.clone = clone;
        this.onWritten = onWritten;
    }

    /**
     * @param open opens the world's log, once the world is written
     * @return the world's log: empty, and opened at the first append (after the world is written)
     */
    EventLog log(Supplier<EventLog> open) {
        return new EventLog() {
            private EventLog log;

            @Override
            public long lastSeq() {
                return log == null ? 0 : log.lastSeq();
            }

            @Override
            public long size() {
                return log == null ? 0 : log.size();
            }

            @Override
            public <E extends WorldEvent> E append(E event) {
                if (log == null) {
                    beforeWrite(key);
                    log = open.get();
                }
                return log.append(event);
            }

            @Override
            public void sync() {
                if (log != null) {
                    log.sync();
                }
            }

            @Override
            public void forEachAfter(long afterSeq, Consumer<? super WorldEvent> action) {
                if (log != null) {
                    log.forEachAfter(afterSeq, action);
                }
            }

            @Override
            public void close() {
                if (log != null) {
                    log.close();
                }
            }
        };
    }

    // Before the first write to the world, the world itself.
    @Override
    protected void beforeWrite(WorldKey world) {
        if (clone != null && world.equals(key)) {
            storage.createWorld(key, clone);
            clone = null;
            onWritten.run();
        }
    }

    private boolean unwritten(WorldKey world) {
        return clone != null && world.equals(key);
    }

    @Override
    public boolean worldExists(WorldKey world) {
        return unwritten(world) || storage.worldExists(world);
    }

    @Override
    public WorldSnapshot loadWorld(WorldKey world) {
        return unwritten(world) ? clone : storage.loadWorld(world);
    }

    @Override
    public void createWorld(WorldKey world, WorldSnapshot snapshot) {
        if (world.equals(key)) {
            clone = null;
        }
        storage.createWorld(world, snapshot);
    }

    @Override
    public List<Chat> loadChats(WorldKey world) {
        return unwritten(world) ? List.of() : storage.loadChats(world);
    }

    @Override
    public void deleteChat(WorldKey world, String chatId) {
        if (!unwritten(world)) {
            storage.deleteChat(world, chatId);
        }
    }

    @Override
    public void deleteWorld(WorldKey world) {
        if (world.equals(key)) {
            clone = null;
        }
        storage.deleteWorld(world);
    }
}
