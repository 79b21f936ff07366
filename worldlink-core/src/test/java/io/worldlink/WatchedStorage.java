package io.worldlink;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The file storage, telling a test when a user's folder has been deleted (so it can wait for that), counting
 * memory and chat writes and keeping each world config it writes.
 */
public final class WatchedStorage implements UserStorage {
    private final UserStorage files;
    public final BlockingQueue<UserId> deleted = new LinkedBlockingQueue<>();
    public final AtomicInteger memoryWrites = new AtomicInteger();
    public final AtomicInteger chatWrites = new AtomicInteger();
    public final BlockingQueue<WorldConfig> worldConfigs = new LinkedBlockingQueue<>();

    public WatchedStorage(Path root) {
        this.files = UserStorage.files(root);
    }

    /** @return the next user whose folder was deleted, waiting for it */
    public UserId awaitDeleted() {
        try {
            UserId u = deleted.poll(FrameQueue.WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(u, "no user folder was deleted within " + FrameQueue.WAIT_SECONDS + " s");
            return u;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void deleteUser(UserId user) {
        files.deleteUser(user);
        deleted.add(user);
    }

    @Override
    public boolean worldExists(WorldKey world) {
        return files.worldExists(world);
    }

    @Override
    public List<UserId> listUsers() {
        return files.listUsers();
    }

    @Override
    public List<String> listWorlds(UserId user) {
        return files.listWorlds(user);
    }

    @Override
    public WorldSnapshot loadWorld(WorldKey world) {
        return files.loadWorld(world);
    }

    @Override
    public void createWorld(WorldKey world, WorldSnapshot snapshot) {
        files.createWorld(world, snapshot);
    }

    @Override
    public void saveWorldConfig(WorldKey world, WorldConfig config) {
        files.saveWorldConfig(world, config);
        worldConfigs.add(config);
    }

    @Override
    public void saveAgentConfig(WorldKey world, AgentConfig config) {
        files.saveAgentConfig(world, config);
    }

    @Override
    public void saveSystemPrompt(WorldKey world, String agentId, String systemPrompt) {
        files.saveSystemPrompt(world, agentId, systemPrompt);
    }

    @Override
    public void saveMemory(WorldKey world, String agentId, List<MemoryMessage> memory) {
        memoryWrites.incrementAndGet();
        files.saveMemory(world, agentId, memory);
    }

    @Override
    public void archiveMemory(WorldKey world, String agentId, List<MemoryMessage> archived) {
        files.archiveMemory(world, agentId, archived);
    }

    @Override
    public void createAgent(WorldKey world, AgentSnapshot agent) {
        files.createAgent(world, agent);
    }

    @Override
    public void deleteAgent(WorldKey world, String agentId) {
        files.deleteAgent(world, agentId);
    }

    @Override
    public List<Chat> loadChats(WorldKey world) {
        return files.loadChats(world);
    }

    @Override
    public void saveChat(WorldKey world, Chat chat) {
        files.saveChat(world, chat);
        chatWrites.incrementAndGet();
    }

    @Override
    public void deleteChat(WorldKey world, String chatId) {
        files.deleteChat(world, chatId);
    }

    @Override
    public void deleteWorld(WorldKey world) {
        files.deleteWorld(world);
    }

    @Override
    public boolean userExists(UserId user) {
        return files.userExists(user);
    }
}
