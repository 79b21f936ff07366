package io.worldlink.internal.world;

import io.worldlink.Chat;
import io.worldlink.internal.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A chat as clients see it: agent-world's fields, in protocol frames, events and REST answers. */
public final class ChatViews {
    private ChatViews() {}

    /**
     * @param c a chat
     * @return {@code {id, worldId, name, description, createdAt, updatedAt, messageCount}}
     */
    public static Map<String, Object> of(Chat c) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", c.id());
        v.put("worldId", c.worldId());
        v.put("name", c.name());
        v.put("description", c.description());
        v.put("createdAt", Json.timestamp(c.createdAt()));
        v.put("updatedAt", Json.timestamp(c.updatedAt()));
        v.put("messageCount", c.messageCount());
        return v;
    }

    /**
     * @param chats chats
     * @return each as clients see it, in the same order
     */
    public static List<Map<String, Object>> of(List<Chat> chats) {
        return chats.stream().map(ChatViews::of).toList();
    }
}
