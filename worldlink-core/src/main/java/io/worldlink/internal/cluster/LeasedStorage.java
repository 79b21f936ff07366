package io.worldlink.internal.cluster;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.Chat;
import io.worldlink.ErrorCode;
import io.worldlink.MemoryMessage;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.cluster.WorldLease;
import java.util.List;

/**
 * The storage that a world run under this node's lease writes through: each write of that world checks
 * that the lease is still valid right before it is made, and when it is not, fails with
 * {@link ErrorCode#STORAGE_ERROR} having written nothing. So a node that lost a world (its lease ran out
 * while it could not reach the cluster's store, and another node may run the world now) overwrites none of
 * the new owner's memories, chats or configs, as its log appends none of its events. The lease's own
 * validity ends before the store lets another node take the world. Reads are never refused.
 */
public final class LeasedStorage implements UserStorage {
    private final UserStorage storage;
    private final WorldLease lease;

    /**
     * @param storage where the world is stored
     * @param lease this node's lease of the world
     */
    public LeasedStorage(UserStorage storage, WorldLease lease) {
        this.storage = storage;
        this.lease = lease;
    }

    private void held(WorldKey world) {
        if (world.equals(lease.world())) {
            held(lease);
        }
    }

    /**
     * Checks, right before a write of a world, that this node still holds it.
     *
     * @param lease this node's lease of the world
     * @throws WorldLinkException {@link ErrorCode#STORAGE_ERROR} when the lease is no longer valid
     */
    static void held(WorldLease lease) {
        if (!lease.isValid()) {
            throw new WorldLinkException(ErrorCode.STORAGE_ERROR, "World \"" + lease.world().worldId() + "\" is not "
                    + "this server node's to write any more: its lease has ended, and another node may run the world "
                    + "now. Nothing was written; select the world again.");
        }
    }

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
        held(world);
        storage.createWorld(world, snapshot);
    }

    @Override
    public void saveWorldConfig(WorldKey world, WorldConfig config) {
        held(world);
        storage.saveWorldConfig(world, config);
    }

    @Override
    public void saveAgentConfig(WorldKey world, AgentConfig config) {
        held(world);
        storage.saveAgentConfig(world, config);
    }

    @Override
    public void saveSystemPrompt(WorldKey world, String agentId, String systemPrompt) {
        held(world);
        storage.saveSystemPrompt(world, agentId, systemPrompt);
    }

    @Override
    public void saveMemory(WorldKey world, String agentId, List<MemoryMessage> memory) {
        held(world);
        storage.saveMemory(world, agentId, memory);
    }

    @Override
    public void archiveMemory(WorldKey world, String agentId, List<MemoryMessage> archived) {
        held(world);
        storage.archiveMemory(world, agentId, archived);
    }

    @Override
    public List<Chat> loadChats(WorldKey world) {
        return storage.loadChats(world);
    }

    @Override
    public void saveChat(WorldKey world, Chat chat) {
        held(world);
        storage.saveChat(world, chat);
    }

    @Override
    public void deleteChat(WorldKey world, String chatId) {
        held(world);
        storage.deleteChat(world, chatId);
    }

    @Override
    public void createAgent(WorldKey world, AgentSnapshot agent) {
        held(world);
        storage.createAgent(world, agent);
    }

    @Override
    public void deleteAgent(WorldKey world, String agentId) {
        held(world);
        storage.deleteAgent(world, agentId);
    }

    @Override
    public void deleteWorld(WorldKey world) {
        held(world);
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
