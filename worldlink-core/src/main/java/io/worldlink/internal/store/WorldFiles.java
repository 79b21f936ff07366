package io.worldlink.internal.store;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.MemoryMessage;
import io.worldlink.Names;
import io.worldlink.StorageException;
import io.worldlink.WorldConfig;
import io.worldlink.WorldSnapshot;
import io.worldlink.internal.Json;
import io.worldlink.internal.ModelJson;
import java.io.IOException;
import java.io.Reader;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Reads and writes one world folder in agent-world's layout:
 * <pre>
 * config.json
 * agents/{agentId}/config.json, system-prompt.md, memory.json, archive/
 * events.jsonl
 * </pre>
 * Every error names the file relative to the data root.
 */
public final class WorldFiles {
    static final String CONFIG = "config.json";
    static final String AGENTS = "agents";
    static final String PROMPT = "system-prompt.md";
    static final String MEMORY = "memory.json";
    static final String ARCHIVE = "archive";
    static final String EVENTS = "events.jsonl";

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
        Path configFile = dir.resolve(CONFIG);
        WorldConfig config = parse(configFile, o -> ModelJson.worldConfig(object(o), id));
        List<AgentSnapshot> agents = new ArrayList<>();
        Path agentsDir = dir.resolve(AGENTS);
        if (Files.isDirectory(agentsDir)) {
            List<Path> folders = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(agentsDir, Files::isDirectory)) {
                ds.forEach(folders::add);
            } catch (IOException e) {
                throw new StorageException("Could not list " + root.relative(agentsDir) + ".", e);
            }
            folders.sort(null);
            for (Path folder : folders) {
                String agentId = folder.getFileName().toString();
                if (!Names.isValidId(agentId)) {
                    LOG.log(Level.WARNING, "Skipping " + root.relative(folder)
                            + ": an agent folder's name must be an id such as \"my-agent\"");
                    continue;
                }
                agents.add(readAgent(folder, agentId));
            }
        }
        return new WorldSnapshot(config, agents);
    }

    private AgentSnapshot readAgent(Path folder, String agentId) {
        Path configFile = folder.resolve(CONFIG);
        JsonObject[] raw = new JsonObject[1];
        AgentConfig config = parse(configFile, e -> {
            raw[0] = object(e);
            return ModelJson.agentConfig(raw[0], agentId);
        });
        String prompt = readString(folder.resolve(PROMPT));
        if (prompt == null) {
            // agent-world's older layout kept the prompt inside config.json.
            JsonElement legacy = raw[0].get("systemPrompt");
            prompt = legacy != null && legacy.isJsonPrimitive() ? legacy.getAsString() : "";
        }
        Path memoryFile = folder.resolve(MEMORY);
        List<MemoryMessage> memory = Files.exists(memoryFile)
                ? parse(memoryFile, e -> {
                    if (!e.isJsonArray()) {
                        throw new Json.FieldException("must be a JSON array of messages");
                    }
                    return ModelJson.memory(e.getAsJsonArray());
                })
                : List.of();
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
                    .filter(p -> Files.isRegularFile(p.resolve(CONFIG)))
                    .map(p -> p.getFileName().toString())
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new StorageException("Could not list " + root.relative(dir) + ".", e);
        }
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
        newFile(dir.resolve(CONFIG), Json.PRETTY.toJson(ModelJson.toJson(world.config())) + "\n");
        if (!world.agents().isEmpty()) {
            newFolder(dir.resolve(AGENTS));
            for (AgentSnapshot a : world.agents()) {
                Path agent = agentDir(dir, a.id());
                newFolder(agent);
                newFile(agent.resolve(CONFIG), Json.PRETTY.toJson(ModelJson.toJson(a.config())) + "\n");
                newFile(agent.resolve(PROMPT), a.systemPrompt());
                newFile(agent.resolve(MEMORY), ModelJson.memoryText(a.memory()));
                forceFolder(agent);
            }
            forceFolder(dir.resolve(AGENTS));
        }
        forceFolder(dir);
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
        writeJson(dir.resolve(CONFIG), ModelJson.toJson(config));
    }

    /**
     * @param dir a world folder
     * @param config an agent's new config
     */
    public void writeAgentConfig(Path dir, AgentConfig config) {
        writeJson(agentDir(dir, config.id()).resolve(CONFIG), ModelJson.toJson(config));
    }

    /**
     * @param dir a world folder
     * @param agentId the agent
     * @param prompt its new system prompt
     */
    public void writeSystemPrompt(Path dir, String agentId, String prompt) {
        Path file = agentDir(dir, agentId).resolve(PROMPT);
        AtomicFiles.writeString(file, root.relative(file), sync, prompt);
    }

    /**
     * @param dir a world folder
     * @param agentId the agent
     * @param memory its new memory
     */
    public void writeMemory(Path dir, String agentId, List<MemoryMessage> memory) {
        writeMessages(agentDir(dir, agentId).resolve(MEMORY), memory);
    }

    private void writeMessages(Path file, List<MemoryMessage> memory) {
        AtomicFiles.writeString(file, root.relative(file), sync, ModelJson.memoryText(memory));
    }

    /**
     * @param dir a world folder
     * @param agentId the agent
     * @param name the archive file's name
     * @param archived the messages to keep there
     */
    public void writeArchive(Path dir, String agentId, String name, List<MemoryMessage> archived) {
        writeMessages(agentDir(dir, agentId).resolve(ARCHIVE).resolve(name), archived);
    }

    private static Path agentDir(Path dir, String agentId) {
        if (!Names.isValidId(agentId)) {
            throw new IllegalArgumentException("not an agent id: " + agentId);
        }
        return dir.resolve(AGENTS).resolve(agentId);
    }

    private void writeJson(Path file, JsonElement json) {
        AtomicFiles.writeString(file, root.relative(file), sync, Json.PRETTY.toJson(json) + "\n");
    }

    private String readString(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new StorageException("Could not read " + root.relative(file) + ".", e);
        }
    }

    private interface Parser<T> {
        T parse(JsonElement e);
    }

    private <T> T parse(Path file, Parser<T> parser) {
        String name = root.relative(file);
        JsonElement e;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            e = JsonParser.parseReader(in);
        } catch (NoSuchFileException ex) {
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
