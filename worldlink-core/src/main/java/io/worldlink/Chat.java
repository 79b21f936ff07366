package io.worldlink;

import io.worldlink.internal.Json;
import io.worldlink.internal.world.ChatViews;
import java.time.Instant;
import java.util.Objects;

/**
 * One conversation of a world (agent-world's chat, stored as {@code {world}/chats/{id}.json}). A world
 * holds several; each connection is in one of them. The messages of a chat are its own: an agent's
 * context for a reply is built from the messages of the chat it answers in only.
 *
 * @param id the chat's id, unique in its world (an id such as {@code chat-1})
 * @param worldId the world's id
 * @param name its display name; a new chat is named after its first message
 * @param description a description, empty when it has none
 * @param createdAt when it was created
 * @param updatedAt when it was last changed or spoken in
 * @param messageCount how many messages were said in it
 */
public record Chat(String id, String worldId, String name, String description, Instant createdAt, Instant updatedAt,
        int messageCount) {
    /** The id of a world's first chat: the one a world that had no chats gets, with its memories and log. */
    public static final String FIRST_ID = "chat-1";
    /** The name of a chat that has not been named yet. */
    public static final String NEW_NAME = "New Chat";

    /** Checks the required fields. */
    public Chat {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(worldId, "worldId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        description = description == null ? "" : description;
    }

    /**
     * Writes the chat as clients receive it ({@code Chat} in docs/protocol-chats.md), for a host that serves
     * it over a transport of its own.
     *
     * @return {@code {id, worldId, name, description, createdAt, updatedAt, messageCount}} as JSON
     */
    public String toClientJson() {
        return Json.GSON.toJson(ChatViews.of(this));
    }
}
