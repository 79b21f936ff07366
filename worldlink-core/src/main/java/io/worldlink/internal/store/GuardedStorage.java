package io.worldlink.internal.store;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.Chat;
import io.worldlink.MemoryMessage;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldSnapshot;
import java.util.List;

/**
 * A storage that passes everything to another, after {@link #beforeWrite} for each write of a world: the
 * one shape of the wrappers that guard a world's writes (a lease still held, a clone written first).
 */
public abstract class GuardedStorage implements UserStorage {
    /** The storage everything goes to. */
    protected final UserStorage storage;

    /**
     * Wraps a storage.
     *
     * @param storage the storage everything goes to
     */
    protected GuardedStorage(UserStorage storage) {
        this.storage = storage;
    }

    /**
     * Runs right before each write of a world; throws to refuse it, having written nothing.
     *
     * @param world the world to be written
     */
    protected abstract void beforeWrite(WorldKey world);

    @Override
    public boolean worldExists(WorldKey world) {
        return storage.worldExists(world);
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
        return storage.loadWorld(world);
    }

    @Override
    public void createWorld(WorldKey world, WorldSnapshot snapshot) {
        beforeWrite(world);
        storage.createWorld(world, snapshot);
    }

    @Override
    public void saveWorldConfig(WorldKey world, WorldConfig config) {
        beforeWrite(world);
        storage.saveWorldConfig(world, config);
    }

    @Override
    public void saveAgentConfig(WorldKey world, AgentConfig config) {
        beforeWrite(world);
        storage.saveAgentConfig(world, config);
    }

    @Override
    public void saveSystemPrompt(WorldKey world, String agentId, String systemPrompt) {
        beforeWrite(world);
        storage.saveSystemPrompt(world, agentId, systemPrompt);
    }

    @Override
    public void saveMemory(WorldKey world, String agentId, List<MemoryMessage> memory) {
        beforeWrite(world);
        storage.saveMemory(world, agentId, memory);
    }

    @Override
    public void archiveMemory(WorldKey world, String agentId, List<MemoryMessage> archived) {
        beforeWrite(world);
        storage.archiveMemory(world, agentId, archived);
    }

    @Override
    public List<Chat> loadChats(WorldKey world) {
        return storage.loadChats(world);
    }

    @Override
    public void saveChat(WorldKey world, Chat chat) {
        beforeWrite(world);
        storage.saveChat(world, chat);
    }

    @Override
    public void deleteChat(WorldKey world, String chatId) {
        beforeWrite(world);
        storage.deleteChat(world, chatId);
    }

    @Override
    public void createAgent(WorldKey world, AgentSnapshot agent) {
        beforeWrite(world);
        storage.createAgent(world, agent);
    }

    @Override
    public void deleteAgent(WorldKey world, String agentId) {
        beforeWrite(world);
        storage.deleteAgent(world, agentId);
    }

    @Override
    public void deleteWorld(WorldKey world) {
        beforeWrite(world);
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
