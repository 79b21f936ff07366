package io.worldlink.internal.store;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.Chat;
import io.worldlink.ErrorCode;
import io.worldlink.MemoryMessage;
import io.worldlink.WorldConfig;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.internal.Json;
import io.worldlink.internal.Names;
import io.worldlink.internal.SnapshotJson;
import io.worldlink.internal.StorageException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.StringWriter;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Reads and writes one world folder in agent-world's layout:
 * <pre>
 * config.json
 * agents/{agentId}/config.json, system-prompt.md, memory.json, archive/
 * events.jsonl
 * </pre>
 * No file or folder inside the world is read or written through a symbolic link (see
 * {@link DataRoot#inWorld}). Every error names the file relative to the data root.
 */
public final class WorldFiles {
    static final String CONFIG = "config.json";
    static final String AGENTS = "agents";
    static final String PROMPT = "system-prompt.md";
    static final String MEMORY = "memory.json";
    static final String ARCHIVE = "archive";
    static final String EVENTS = "events.jsonl";
    static final String CHATS = "chats";
    private static final String JSON = ".json";
    // A folder being written before it is renamed into place, and one being deleted after it was
    // renamed out of the way. Neither name is an id, so neither is ever read as a world or an agent.
    static final String STAGING = ".new-";
    static final String GONE = ".gone-";

    private static final System.Logger LOG = System.getLogger(WorldFiles.class.getName());

    private final DataRoot root;
    private final boolean sync;

    /**
     * Reads and writes world folders under a data root.
     *
     * @param root the data root, for naming files in messages
     * @param sync whether writes are forced to the disk before they count as done
     */
    public WorldFiles(DataRoot root, boolean sync) {
        this.root = root;
        this.sync = sync;
    }

    /**
     * @param dir a world folder that has a config.json
     * @param id the world's id
     * @return the world
     * @throws StorageException when a file is missing, unreadable or corrupt
     */
    public WorldSnapshot read(Path dir, String id) {
        WorldConfig config = parse(dir, dir.resolve(CONFIG), null, o -> SnapshotJson.worldConfig(object(o), id));
        List<AgentSnapshot> agents = new ArrayList<>();
        Path agentsDir = dir.resolve(AGENTS);
        BasicFileAttributes agentsAttributes = root.inWorld(dir, agentsDir);
        if (agentsAttributes != null && agentsAttributes.isDirectory()) {
            List<Path> folders = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(agentsDir)) {
                ds.forEach(folders::add);
            } catch (IOException e) {
                throw new StorageException("Could not list " + root.relative(agentsDir) + ".", e);
            }
            folders.sort(null);
            for (Path folder : folders) {
                BasicFileAttributes attributes = root.inWorld(dir, folder);
                if (attributes == null || !attributes.isDirectory()) {
                    continue;
                }
                String agentId = folder.getFileName().toString();
                if (agentId.startsWith(".")) {
                    // An agent being added or deleted, or left by one that a crash interrupted.
                    continue;
                }
                if (!Names.isValidId(agentId)) {
                    LOG.log(Level.WARNING, "Skipping " + root.relative(folder)
                            + ": an agent folder's name must be an id such as \"my-agent\"");
                    continue;
                }
                agents.add(readAgent(dir, folder, agentId));
            }
        }
        return new WorldSnapshot(config, agents);
    }

    private AgentSnapshot readAgent(Path dir, Path folder, String agentId) {
        JsonObject[] raw = new JsonObject[1];
        AgentConfig config = parse(dir, folder.resolve(CONFIG), null, e -> {
            raw[0] = object(e);
            return SnapshotJson.agentConfig(raw[0], agentId);
        });
        String prompt = readString(dir, folder.resolve(PROMPT));
        if (prompt == null) {
            // agent-world's older layout kept the prompt inside config.json.
            JsonElement legacy = raw[0].get("systemPrompt");
            prompt = legacy != null && legacy.isJsonPrimitive() ? legacy.getAsString() : "";
        }
        List<MemoryMessage> memory = parse(dir, folder.resolve(MEMORY), List.of(), e -> {
            if (!e.isJsonArray()) {
                throw new Json.FieldException("must be a JSON array of messages");
            }
            return SnapshotJson.memory(e.getAsJsonArray());
        });
        return new AgentSnapshot(config, prompt, memory);
    }

    /**
     * @param dir a folder of worlds ({@code worlds/}, or a user's {@code worlds/})
     * @return the ids of the worlds in it (folders named by an id, with a config.json), sorted
     */
    public List<String> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> Names.isValidId(p.getFileName().toString()))
                    .filter(this::hasConfig)
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new StorageException("Could not list " + root.relative(dir) + ".", e);
        }
    }

    /**
     * Says whether a folder is a world: whether it has a {@code config.json}. A config.json that is a
     * symbolic link counts, so that loading the world says what is wrong instead of finding nothing.
     *
     * @param dir a world folder
     * @return whether it has a config.json
     */
    public boolean hasConfig(Path dir) {
        Path config = dir.resolve(CONFIG);
        return Files.isRegularFile(config, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(config);
    }

    /**
     * Writes every file of a world into a new folder, which is then moved in place. With sync, every
     * file and folder is forced to the disk before this returns, so that the rename cannot outlive them.
     *
     * @param dir the folder; it must not exist yet
     * @param world the world
     */
    public void writeAll(Path dir, WorldSnapshot world) {
        // No one reads the folder until it is renamed into place: plain writes suffice, no temporary files.
        newFolder(dir);
        newFile(dir.resolve(CONFIG), Json.PRETTY.toJson(SnapshotJson.toJson(world.config())) + "\n");
        if (!world.agents().isEmpty()) {
            newFolder(dir.resolve(AGENTS));
            for (AgentSnapshot a : world.agents()) {
                writeAgentFiles(agentDir(dir, a.id()), a);
            }
            forceFolder(dir.resolve(AGENTS));
        }
        forceFolder(dir);
    }

    private void writeAgentFiles(Path agent, AgentSnapshot a) {
        newFolder(agent);
        newFile(agent.resolve(CONFIG), Json.PRETTY.toJson(SnapshotJson.toJson(a.config())) + "\n");
        newFile(agent.resolve(PROMPT), a.systemPrompt());
        newFile(agent.resolve(MEMORY), SnapshotJson.memoryText(a.memory()));
        forceFolder(agent);
    }

    /**
     * Adds an agent to a world: its files are written into a folder of their own, which is then renamed
     * into {@code agents/}, so that a reader (or a restart after a crash) sees the whole agent or none.
     *
     * @param dir a world folder
     * @param agent the new agent
     * @throws WorldLinkException {@link ErrorCode#INVALID_NAME} when the world has an agent of that id
     * @throws StorageException when {@code agents/} or the agent's folder is a symbolic link, or a write fails
     */
    public void addAgent(Path dir, AgentSnapshot agent) {
        Path agents = dir.resolve(AGENTS);
        BasicFileAttributes folder = root.inWorld(dir, agents);
        Path target = agentDir(dir, agent.id());
        if (folder != null && !folder.isDirectory()) {
            throw new StorageException(root.relative(agents) + " is not a folder; it must hold the agents' folders.",
                    null);
        }
        if (folder != null && root.inWorld(dir, target) != null) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "The world has an agent \"" + agent.id()
                    + "\" already.");
        }
        Path staging = agents.resolve(STAGING + agent.id() + "-" + UUID.randomUUID());
        try {
            if (folder == null) {
                AtomicFiles.createFolders(agents, sync);
            }
            writeAgentFiles(staging, agent);
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            forceFolder(agents);
        } catch (IOException e) {
            throw new StorageException("Could not create " + root.relative(target) + ".", e);
        } finally {
            deleteTree(staging);
        }
    }

    /**
     * Deletes an agent's folder: it is renamed out of the way first, so that the agent disappears at
     * once and whole, then deleted without following symbolic links. Nothing happens when it does not exist.
     *
     * @param dir a world folder
     * @param agentId the agent
     * @throws StorageException when {@code agents/} or the agent's folder is a symbolic link, or it cannot
     *     be deleted
     */
    public void removeAgent(Path dir, String agentId) {
        Path agent = agentDir(dir, agentId);
        if (root.inWorld(dir, agent) == null) {
            return;
        }
        Path gone = agent.resolveSibling(GONE + agentId + "-" + UUID.randomUUID());
        try {
            Files.move(agent, gone, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new StorageException("Could not delete " + root.relative(agent) + ".", e);
        }
        forceFolder(agent.getParent());
        deleteTree(gone);
    }

    /**
     * @param dir a world folder
     * @param worldId the world's id
     * @return its chats ({@code chats/{id}.json}); files not named by an id are passed over
     * @throws StorageException when {@code chats/} is a symbolic link, or a chat's file is corrupt
     */
    public List<Chat> readChats(Path dir, String worldId) {
        Path chats = dir.resolve(CHATS);
        BasicFileAttributes attributes = root.inWorld(dir, chats);
        if (attributes == null || !attributes.isDirectory()) {
            return List.of();
        }
        List<Chat> list = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(chats, "*" + JSON)) {
            for (Path file : ds) {
                String name = file.getFileName().toString();
                String id = name.substring(0, name.length() - JSON.length());
                if (Names.isValidId(id)) {
                    list.add(parse(dir, file, null, e -> SnapshotJson.chat(object(e), id, worldId)));
                }
            }
        } catch (IOException e) {
            throw new StorageException("Could not list " + root.relative(chats) + ".", e);
        }
        return list;
    }

    /**
     * @param dir a world folder
     * @param chat a chat, written whole to {@code chats/{id}.json}
     */
    public void writeChat(Path dir, Chat chat) {
        writeJson(dir, chatFile(dir, chat.id()), SnapshotJson.toJson(chat));
    }

    /**
     * @param dir a world folder
     * @param chatId a chat whose file goes; nothing happens when there is none
     * @throws StorageException when it cannot be deleted
     */
    public void removeChat(Path dir, String chatId) {
        Path file = chatFile(dir, chatId);
        if (root.inWorld(dir, file) == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new StorageException("Could not delete " + root.relative(file) + ".", e);
        }
        forceFolder(file.getParent());
    }

    private static Path chatFile(Path dir, String chatId) {
        if (!Names.isValidId(chatId)) {
            throw new IllegalArgumentException("not a chat id: " + chatId);
        }
        return dir.resolve(CHATS).resolve(chatId + JSON);
    }

    /**
     * Deletes a folder without following symbolic links: a link is removed, never what it points to.
     *
     * @param dir the folder; nothing happens when it does not exist
     * @throws StorageException when something in it cannot be deleted
     */
    void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<IOException> failures = new ArrayList<>();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    if (!(e instanceof NoSuchFileException)) {
                        failures.add(e);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            failures.add(e);
        }
        if (!failures.isEmpty()) {
            throw new StorageException("Could not delete " + root.relative(dir) + " completely.", failures.get(0));
        }
    }

    private void newFolder(Path dir) {
        try {
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw new StorageException("Could not create " + root.relative(dir) + ".", e);
        }
    }

    private void newFile(Path file, String content) {
        try {
            AtomicFiles.writeNew(file, content, sync);
        } catch (IOException e) {
            throw new StorageException("Could not write " + root.relative(file) + ".", e);
        }
    }

    private void forceFolder(Path dir) {
        if (sync) {
            AtomicFiles.forceFolder(dir);
        }
    }

    /**
     * @param dir a world folder
     * @param config its new config
     */
    public void writeWorldConfig(Path dir, WorldConfig config) {
        writeJson(dir, dir.resolve(CONFIG), SnapshotJson.toJson(config));
    }

    /**
     * @param dir a world folder
     * @param config an agent's new config
     */
    public void writeAgentConfig(Path dir, AgentConfig config) {
        writeJson(dir, agentDir(dir, config.id()).resolve(CONFIG), SnapshotJson.toJson(config));
    }

    /**
     * @param dir a world folder
     * @param agentId the agent
     * @param prompt its new system prompt
     */
    public void writeSystemPrompt(Path dir, String agentId, String prompt) {
        Path file = agentDir(dir, agentId).resolve(PROMPT);
        root.inWorld(dir, file);
        AtomicFiles.writeString(file, root.relative(file), sync, prompt);
    }

    /**
     * @param dir a world folder
     * @param agentId the agent
     * @param memory its new memory
     */
    public void writeMemory(Path dir, String agentId, List<MemoryMessage> memory) {
        writeMessages(dir, agentDir(dir, agentId).resolve(MEMORY), memory);
    }

    private void writeMessages(Path dir, Path file, List<MemoryMessage> memory) {
        root.inWorld(dir, file);
        AtomicFiles.writeString(file, root.relative(file), sync, SnapshotJson.memoryText(memory));
    }

    /**
     * @param dir a world folder
     * @param agentId the agent
     * @param name the archive file's name
     * @param archived the messages to keep there
     */
    public void writeArchive(Path dir, String agentId, String name, List<MemoryMessage> archived) {
        writeMessages(dir, agentDir(dir, agentId).resolve(ARCHIVE).resolve(name), archived);
    }

    private static Path agentDir(Path dir, String agentId) {
        if (!Names.isValidId(agentId)) {
            throw new IllegalArgumentException("not an agent id: " + agentId);
        }
        return dir.resolve(AGENTS).resolve(agentId);
    }

    private void writeJson(Path dir, Path file, JsonElement json) {
        root.inWorld(dir, file);
        AtomicFiles.writeString(file, root.relative(file), sync, Json.PRETTY.toJson(json) + "\n");
    }

    // Opens a file of a world: no folder on the way may be a symbolic link, and O_NOFOLLOW refuses the
    // file itself being one, even one made after the folders were checked.
    private Reader open(Path dir, Path file) throws IOException {
        if (!file.getParent().equals(dir)) {
            root.inWorld(dir, file.getParent());
        }
        try {
            return new InputStreamReader(Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS),
                    StandardCharsets.UTF_8.newDecoder());
        } catch (IOException e) {
            // The JDK reports O_NOFOLLOW's refusal as a bare IOException ("Too many levels of symbolic links").
            if (Files.isSymbolicLink(file)) {
                throw DataRoot.linkInWorld(root.relative(file));
            }
            throw e;
        }
    }

    private String readString(Path dir, Path file) {
        try (Reader in = open(dir, file)) {
            StringWriter text = new StringWriter();
            in.transferTo(text);
            return text.toString();
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new StorageException("Could not read " + root.relative(file) + ".", e);
        }
    }

    private interface Parser<T> {
        T parse(JsonElement e);
    }

    // ifMissing: what a missing file means, or null when it must exist.
    private <T> T parse(Path dir, Path file, T ifMissing, Parser<T> parser) {
        String name = root.relative(file);
        JsonElement e;
        try (Reader in = open(dir, file)) {
            e = JsonParser.parseReader(in);
        } catch (NoSuchFileException ex) {
            if (ifMissing != null) {
                return ifMissing;
            }
            throw new StorageException(name + " is missing.", ex);
        } catch (IOException ex) {
            throw new StorageException("Could not read " + name + ".", ex);
        } catch (JsonParseException ex) {
            throw new StorageException(name + " is not valid JSON; fix it or restore it from a backup.", ex);
        }
        try {
            return parser.parse(e);
        } catch (Json.FieldException | IllegalArgumentException ex) {
            throw new StorageException(name + ": " + ex.getMessage() + ".", ex);
        }
    }

    private static JsonObject object(JsonElement e) {
        if (!e.isJsonObject()) {
            throw new Json.FieldException("must be a JSON object");
        }
        return e.getAsJsonObject();
    }
}
