package io.worldlink.internal.world;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.Chat;
import io.worldlink.MemoryMessage;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldSnapshot;
import io.worldlink.event.EventLog;
import io.worldlink.event.WorldEvent;
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
final class LazyClone implements UserStorage {
    private final WorldKey key;
    private final UserStorage storage;
    private final Runnable onWritten;
    private WorldSnapshot clone;

    /**
     * @param key the world
     * @param storage where it is written
     * @param clone the world as it is made, not written
     * @param onWritten told once, just after the clone is written
     */
    LazyClone(WorldKey key, UserStorage storage, WorldSnapshot clone, Runnable onWritten) {
        this.key = key;
        this.storage = storage;
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
                    written(key);
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
    private void written(WorldKey world) {
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
    public List<UserId> listUsers() {
        return storage.listUsers();
    }

    @Override
    public List<String> listWorlds(UserId user) {
        return storage.listWorlds(user);
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
    public void saveWorldConfig(WorldKey world, WorldConfig config) {
        written(world);
        storage.saveWorldConfig(world, config);
    }

    @Override
    public void saveAgentConfig(WorldKey world, AgentConfig config) {
        written(world);
        storage.saveAgentConfig(world, config);
    }

    @Override
    public void saveSystemPrompt(WorldKey world, String agentId, String systemPrompt) {
        written(world);
        storage.saveSystemPrompt(world, agentId, systemPrompt);
    }

    @Override
    public void saveMemory(WorldKey world, String agentId, List<MemoryMessage> memory) {
        written(world);
        storage.saveMemory(world, agentId, memory);
    }

    @Override
    public void archiveMemory(WorldKey world, String agentId, List<MemoryMessage> archived) {
        written(world);
        storage.archiveMemory(world, agentId, archived);
    }

    @Override
    public List<Chat> loadChats(WorldKey world) {
        return unwritten(world) ? List.of() : storage.loadChats(world);
    }

    @Override
    public void saveChat(WorldKey world, Chat chat) {
        written(world);
        storage.saveChat(world, chat);
    }

    @Override
    public void deleteChat(WorldKey world, String chatId) {
        if (!unwritten(world)) {
            storage.deleteChat(world, chatId);
        }
    }

    @Override
    public void createAgent(WorldKey world, AgentSnapshot agent) {
        written(world);
        storage.createAgent(world, agent);
    }

    @Override
    public void deleteAgent(WorldKey world, String agentId) {
        written(world);
        storage.deleteAgent(world, agentId);
    }

    @Override
    public void deleteWorld(WorldKey world) {
        if (world.equals(key)) {
            clone = null;
        }
        storage.deleteWorld(world);
    }

    @Override
    public void deleteUser(UserId user) {
        storage.deleteUser(user);
    }

    @Override
    public boolean userExists(UserId user) {
        return storage.userExists(user);
    }
}
