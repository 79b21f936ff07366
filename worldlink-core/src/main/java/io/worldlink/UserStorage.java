package io.worldlink;

import io.worldlink.event.EventLogStore;
import io.worldlink.internal.store.FileUserStorage;
import java.nio.file.Path;
import java.util.List;

/**
 * Where user worlds live: the only code that touches user folders. The default keeps them as files
 * under {@code {dataRoot}/users/{userId}/worlds/{worldId}/} in agent-world's layout; another
 * implementation may keep them elsewhere. Every write is atomic: a reader sees the old file or the new
 * one, never half of one. Implementations are thread-safe.
 *
 * <p>A host that keeps worlds in a database implements it, and keeps the event logs beside them with an
 * {@link EventLogStore} (the default logs live in the worlds' folders):
 * <pre>{@code
 * UserStorage worlds = new MyDatabaseStorage(db);          // implements the methods below
 * WorldLink link = WorldLink.builder()
 *         .storage(worlds)
 *         .eventLogs(new MyDatabaseLogs(db))
 *         .cloner(WorldCloner.fromTemplates(TemplateStore.files(Path.of("data"))))
 *         .build();
 * }</pre>
 * {@code InMemoryUserStorage} in the examples is a complete one, worlds and logs in memory.
 */
public interface UserStorage {
    /**
     * {@return whether it exists}
     *
     * @param world a user's world
     */
    boolean worldExists(WorldKey world);

    /**
     * Lists every user with something stored, so that the folders of anonymous users that a crash left
     * behind can be removed when WorldLink starts.
     *
     * @return the users, in no particular order
     */
    List<UserId> listUsers();

    /**
     * {@return the ids of the user's worlds, sorted; empty when the user has none}
     *
     * @param user a user
     */
    List<String> listWorlds(UserId user);

    /**
     * {@return the world as stored now}
     *
     * @param world a user's world
     * @throws WorldLinkException {@link ErrorCode#WORLD_NOT_FOUND} when it does not exist
     * @throws WorldLinkException {@link ErrorCode#STORAGE_ERROR} when a file is corrupt (the message names it)
     */
    WorldSnapshot loadWorld(WorldKey world);

    /**
     * Writes a whole world, replacing any world of that key as a whole (last writer wins, and a
     * reader never sees a mix of two).
     *
     * @param world where
     * @param snapshot what; it must not be a template
     * @throws WorldLinkException {@link ErrorCode#TEMPLATE_READ_ONLY} when the snapshot is a template
     */
    void createWorld(WorldKey world, WorldSnapshot snapshot);

    /**
     * Replaces an existing world's config.
     *
     * @param world an existing world
     * @param config its new {@code config.json}
     * @throws WorldLinkException {@link ErrorCode#TEMPLATE_READ_ONLY} when the config is a template's
     */
    void saveWorldConfig(WorldKey world, WorldConfig config);

    /**
     * Replaces one agent's config.
     *
     * @param world an existing world
     * @param config an agent's new {@code config.json}
     */
    void saveAgentConfig(WorldKey world, AgentConfig config);

    /**
     * Replaces one agent's system prompt.
     *
     * @param world an existing world
     * @param agentId the agent
     * @param systemPrompt its new {@code system-prompt.md}
     */
    void saveSystemPrompt(WorldKey world, String agentId, String systemPrompt);

    /**
     * Replaces one agent's memory as a whole.
     *
     * @param world an existing world
     * @param agentId the agent
     * @param memory its new {@code memory.json}, oldest first
     */
    void saveMemory(WorldKey world, String agentId, List<MemoryMessage> memory);

    /**
     * Keeps messages that left an agent's memory, in {@code archive/} beside it.
     *
     * @param world an existing world
     * @param agentId the agent
     * @param archived the messages, oldest first
     */
    void archiveMemory(WorldKey world, String agentId, List<MemoryMessage> archived);

    /**
     * {@return its chats ({@code chats/{id}.json}), in no particular order; empty when it has none}
     *
     * @param world an existing world
     * @throws StorageException when a chat's file is corrupt (the message names it)
     */
    List<Chat> loadChats(WorldKey world);

    /**
     * Writes a chat's file, replacing the chat of that id.
     *
     * @param world an existing world
     * @param chat the chat
     */
    void saveChat(WorldKey world, Chat chat);

    /**
     * Deletes a chat's file (the messages it held leave the agents' memories through {@link #saveMemory}).
     *
     * @param world an existing world
     * @param chatId the chat; nothing happens when the world has no such chat
     */
    void deleteChat(WorldKey world, String chatId);

    /**
     * Adds an agent to an existing world: its config, system prompt and memory appear together, or
     * not at all.
     *
     * @param world an existing world
     * @param agent the new agent
     * @throws WorldLinkException {@link ErrorCode#WORLD_NOT_FOUND} when the world does not exist,
     *     {@link ErrorCode#INVALID_NAME} when it has an agent of that id already
     */
    void createAgent(WorldKey world, AgentSnapshot agent);

    /**
     * Deletes an agent and everything of it (config, system prompt, memory and its archive). Nothing
     * outside the agent's folder is touched, even through symbolic links.
     *
     * @param world an existing world
     * @param agentId the agent; nothing happens when the world has no such agent
     * @throws WorldLinkException {@link ErrorCode#WORLD_NOT_FOUND} when the world does not exist
     */
    void deleteAgent(WorldKey world, String agentId);

    /**
     * Deletes a user's world and everything stored with it: its config and its agents (WorldLink deletes
     * its event log through the {@link io.worldlink.event.EventLogStore}). Nothing outside the world's
     * folder is touched, even through symbolic links. A world created later under the same key starts a
     * new life (a new epoch, seqs from 1).
     *
     * @param world the world; nothing happens when it does not exist
     */
    void deleteWorld(WorldKey world);

    /**
     * Deletes a user's folder and everything in it (used for anonymous users). Nothing outside it is
     * touched, even through symbolic links.
     *
     * @param user the user
     */
    void deleteUser(UserId user);

    /**
     * {@return whether anything of theirs is stored}
     *
     * @param user a user
     */
    boolean userExists(UserId user);

    /**
     * The default storage, forcing every write to the disk before it counts as done.
     *
     * @param dataRoot the data root; user worlds go under {@code users/}
     * @return the default storage: files in agent-world's layout
     */
    static UserStorage files(Path dataRoot) {
        return files(dataRoot, true);
    }

    /**
     * The default storage, with or without forcing writes to the disk.
     *
     * @param dataRoot the data root; user worlds go under {@code users/}
     * @param sync whether every write is forced to the disk before it counts as done; off is faster, and a
     *     crash of the machine (not of the process) may then lose the newest writes
     * @return the default storage: files in agent-world's layout
     */
    static UserStorage files(Path dataRoot, boolean sync) {
        return new FileUserStorage(dataRoot, sync);
    }
}
