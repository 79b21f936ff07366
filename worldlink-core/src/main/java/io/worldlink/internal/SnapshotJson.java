package io.worldlink.internal;

import static io.worldlink.internal.Json.bool;
import static io.worldlink.internal.Json.instant;
import static io.worldlink.internal.Json.integer;
import static io.worldlink.internal.Json.number;
import static io.worldlink.internal.Json.put;
import static io.worldlink.internal.Json.string;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.worldlink.AgentConfig;
import io.worldlink.AgentStatus;
import io.worldlink.Chat;
import io.worldlink.MemoryMessage;
import io.worldlink.WorldConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * agent-world's JSON forms of the model records. Fields this version does not know are carried in
 * {@code extra} and written back after the known ones, so a rewrite drops nothing.
 */
public final class SnapshotJson {
    /** The fields of a world's {@code config.json} that {@code WorldConfig} knows. */
    public static final Set<String> WORLD_FIELDS =
            Set.of("id", "name", "description", "turnLimit", "isTemplate", "metadata");
    // systemPrompt and memory live in files of their own; an old config that still holds them must not
    // carry stale copies through rewrites.
    /** The fields of an agent's {@code config.json} that {@code AgentConfig} knows (or drops). */
    public static final Set<String> AGENT_FIELDS = Set.of("id", "name", "type", "status", "provider", "model",
            "temperature", "maxTokens", "autoReply", "llmCallCount", "lastLLMCall", "createdAt", "lastActive",
            "systemPrompt", "memory");
    /** The fields of a memory message that {@code MemoryMessage} knows. */
    public static final Set<String> MEMORY_FIELDS =
            Set.of("role", "content", "sender", "messageId", "replyToMessageId", "createdAt", "chatId");

    private SnapshotJson() {}

    /**
     * @param o a world's config.json
     * @param id the world's id (its folder's name wins over the file's {@code id})
     * @return the config
     * @throws Json.FieldException when a field has the wrong type
     */
    public static WorldConfig worldConfig(JsonObject o, String id) {
        Integer turnLimit = integer(o, "turnLimit", 1);
        Boolean isTemplate = bool(o, "isTemplate");
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonObject meta = Json.object(o, "metadata");
        if (meta != null) {
            meta.entrySet().forEach(e -> metadata.put(e.getKey(),
                    e.getValue().isJsonPrimitive() ? e.getValue().getAsString() : e.getValue().toString()));
        }
        return new WorldConfig(id, string(o, "name"), string(o, "description"),
                turnLimit == null ? WorldConfig.DEFAULT_TURN_LIMIT : turnLimit,
                isTemplate != null && isTemplate, metadata, extra(o, WORLD_FIELDS));
    }

    /**
     * @param c a world config
     * @return its config.json
     */
    public static JsonObject toJson(WorldConfig c) {
        JsonObject o = new JsonObject();
        put(o, "id", c.id());
        put(o, "name", c.name());
        put(o, "description", c.description());
        put(o, "turnLimit", c.turnLimit());
        put(o, "isTemplate", c.isTemplate());
        if (!c.metadata().isEmpty()) {
            JsonObject meta = new JsonObject();
            c.metadata().forEach(meta::addProperty);
            o.add("metadata", meta);
        }
        c.extra().forEach((k, v) -> o.add(k, JsonMaps.parse(v)));
        return o;
    }

    /**
     * @param o an agent's config.json
     * @param id the agent's id (its folder's name wins over the file's {@code id})
     * @return the config
     * @throws Json.FieldException when a field has the wrong type
     */
    public static AgentConfig agentConfig(JsonObject o, String id) {
        String status = string(o, "status");
        AgentStatus parsed;
        try {
            parsed = status == null ? AgentStatus.ACTIVE : AgentStatus.fromWire(status);
        } catch (IllegalArgumentException e) {
            throw new Json.FieldException("field \"status\" must be \"active\" or \"inactive\"");
        }
        Number temperature = number(o, "temperature");
        Integer llmCallCount = integer(o, "llmCallCount", 0);
        Boolean autoReply = bool(o, "autoReply");
        return new AgentConfig(id, string(o, "name"), string(o, "type"), parsed, string(o, "provider"),
                string(o, "model"), temperature == null ? null : temperature.doubleValue(),
                integer(o, "maxTokens", 1), autoReply == null || autoReply,
                llmCallCount == null ? 0 : llmCallCount, instant(o, "lastLLMCall"), instant(o, "createdAt"),
                instant(o, "lastActive"), extra(o, AGENT_FIELDS));
    }

    /**
     * @param c an agent config
     * @return its config.json
     */
    public static JsonObject toJson(AgentConfig c) {
        JsonObject o = new JsonObject();
        put(o, "id", c.id());
        put(o, "name", c.name());
        put(o, "type", c.type());
        put(o, "status", c.status().wireName());
        put(o, "provider", c.provider());
        put(o, "model", c.model());
        put(o, "temperature", c.temperature());
        put(o, "maxTokens", c.maxTokens());
        put(o, "autoReply", c.autoReply());
        put(o, "llmCallCount", c.llmCallCount());
        put(o, "lastLLMCall", c.lastLLMCall());
        put(o, "createdAt", c.createdAt());
        put(o, "lastActive", c.lastActive());
        c.extra().forEach((k, v) -> o.add(k, JsonMaps.parse(v)));
        return o;
    }

    /**
     * @param a a memory.json array
     * @return the messages
     * @throws Json.FieldException when an element is not a message
     */
    public static List<MemoryMessage> memory(JsonArray a) {
        List<MemoryMessage> list = new ArrayList<>(a.size());
        for (int i = 0; i < a.size(); i++) {
            JsonElement e = a.get(i);
            if (!e.isJsonObject()) {
                throw new Json.FieldException("element " + i + " must be an object");
            }
            JsonObject o = e.getAsJsonObject();
            String role = string(o, "role");
            String content = string(o, "content");
            if (role == null || content == null) {
                throw new Json.FieldException("element " + i + " must have a \"role\" and a \"content\"");
            }
            list.add(new MemoryMessage(role, content, string(o, "sender"), string(o, "messageId"),
                    string(o, "replyToMessageId"), instant(o, "createdAt"), chatOf(string(o, "chatId")),
                    extra(o, MEMORY_FIELDS)));
        }
        return list;
    }

    /**
     * Writes a memory.json array as text, by hand: memories are rewritten on every turn, and building
     * the text directly is several times faster than going through a JSON writer. The layout is the
     * same as the pretty printer's.
     *
     * @param memory messages
     * @return the file's text
     */
    public static String memoryText(List<MemoryMessage> memory) {
        if (memory.isEmpty()) {
            return "[]\n";
        }
        StringBuilder sb = new StringBuilder(memory.size() * 256);
        sb.append('[');
        for (int i = 0; i < memory.size(); i++) {
            MemoryMessage m = memory.get(i);
            sb.append(i == 0 ? "\n  {" : ",\n  {");
            field(sb, "role", m.role(), true);
            field(sb, "content", m.content(), false);
            field(sb, "sender", m.sender(), false);
            field(sb, "messageId", m.messageId(), false);
            field(sb, "replyToMessageId", m.replyToMessageId(), false);
            if (m.createdAt() != null) {
                field(sb, "createdAt", Json.timestamp(m.createdAt()), false);
            }
            field(sb, "chatId", m.chatId(), false);
            for (Map.Entry<String, String> e : m.extra().entrySet()) {
                sb.append(",\n    ");
                Json.quote(sb, e.getKey());
                sb.append(": ");
                sb.append(Json.PRETTY.toJson(JsonMaps.parse(e.getValue())).replace("\n", "\n    "));
            }
            sb.append("\n  }");
        }
        return sb.append("\n]\n").toString();
    }

    /**
     * @param chatId the chat a stored message or event names, or {@code null}
     * @return it, or the world's first chat for what was stored before worlds had chats
     */
    public static String chatOf(String chatId) {
        return chatId == null ? Chat.FIRST_ID : chatId;
    }

    /**
     * @param o a chat's file ({@code chats/{id}.json})
     * @param id the chat's id (its file's name wins over the file's {@code id})
     * @param worldId the world's id
     * @return the chat
     * @throws Json.FieldException when a field is missing or has the wrong type
     */
    public static Chat chat(JsonObject o, String id, String worldId) {
        Instant createdAt = instant(o, "createdAt");
        Instant updatedAt = instant(o, "updatedAt");
        Integer count = integer(o, "messageCount", 0);
        String name = string(o, "name");
        Instant created = createdAt == null ? Instant.EPOCH : createdAt;
        return new Chat(id, worldId, name == null ? Chat.NEW_NAME : name, string(o, "description"), created,
                updatedAt == null ? created : updatedAt, count == null ? 0 : Math.max(0, count));
    }

    /**
     * @param c a chat
     * @return its file, in agent-world's fields
     */
    public static JsonObject toJson(Chat c) {
        JsonObject o = new JsonObject();
        put(o, "id", c.id());
        put(o, "worldId", c.worldId());
        put(o, "name", c.name());
        put(o, "description", c.description());
        put(o, "createdAt", c.createdAt());
        put(o, "updatedAt", c.updatedAt());
        put(o, "messageCount", c.messageCount());
        return o;
    }

    private static void field(StringBuilder sb, String name, String value, boolean first) {
        if (value == null) {
            return;
        }
        sb.append(first ? "\n    \"" : ",\n    \"").append(name).append("\": ");
        Json.quote(sb, value);
    }

    private static Map<String, String> extra(JsonObject o, Set<String> known) {
        Map<String, String> extra = new LinkedHashMap<>();
        o.entrySet().forEach(e -> {
            if (!known.contains(e.getKey())) {
                extra.put(e.getKey(), e.getValue().toString());
            }
        });
        return extra;
    }
}
