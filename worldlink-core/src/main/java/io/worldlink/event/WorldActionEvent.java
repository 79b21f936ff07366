package io.worldlink.event;

import io.worldlink.internal.EventJson;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something that happened to a world, sent by {@code world}.
 *
 * @param id the event id
 * @param timestamp when it happened
 * @param seq its place in the event log, or 0
 * @param action what happened: {@link #AGENT_UPDATE}, {@link #AGENT_CREATE}, {@link #AGENT_DELETE},
 *     {@link #WORLD_UPDATE}, {@link #WORLD_RELOAD}, {@link #IDLE}, {@link #TURN_LIMIT}, {@link #WORLD_DELETE},
 *     or a host's own action
 * @param agentName the agent it is about, or {@code null}
 * @param details more fields, per action; they are kept as plain values (maps, lists, strings, booleans, and
 *     numbers as {@code Long} or {@code Double}), so that the event read back from its JSON equals it
 * @param chatId the chat it happened in ({@link #IDLE}, {@link #TURN_LIMIT}), or {@code null} for the whole world
 */
public record WorldActionEvent(String id, Instant timestamp, long seq, String action, String agentName,
        Map<String, Object> details, String chatId) implements WorldEvent {
    /** An agent was changed; details hold {@code agent}, the agent as clients see it. */
    public static final String AGENT_UPDATE = "agent-update";
    /** An agent was added; details hold {@code agent}, the agent as clients see it. */
    public static final String AGENT_CREATE = "agent-create";
    /** An agent was deleted (its reply in progress, if any, was stopped); the event names it. */
    public static final String AGENT_DELETE = "agent-delete";
    /**
     * The world's name, description or turn limit changed; details hold {@code world}: its {@code id},
     * {@code name}, {@code description} and {@code turnLimit}.
     */
    public static final String WORLD_UPDATE = "world-update";
    /** The world was read again from disk; details hold {@code worldName} and {@code agentCount}. */
    public static final String WORLD_RELOAD = "world-reload";
    /** A chat was created; details hold {@code chat}, the chat as clients see it. */
    public static final String CHAT_CREATE = "chat-create";
    /** A chat was renamed or spoken in; details hold {@code chat}, the chat as clients see it. */
    public static final String CHAT_UPDATE = "chat-update";
    /**
     * A chat was deleted with its messages in every agent's memory; details hold {@code chatId} and
     * {@code fallbackChatId}, the chat its clients are moved to.
     */
    public static final String CHAT_DELETE = "chat-delete";
    /** A turn ended; details hold {@code messageId}, the message that started it. */
    public static final String IDLE = "idle";
    /** An agent reached the turn limit; details hold {@code llmCallCount} and {@code turnLimit}. */
    public static final String TURN_LIMIT = "turn-limit";
    /**
     * The world was deleted, in cluster mode: the node that deleted it publishes this on the bus (seq 0, never
     * logged), and every other node moves its clients out of the world at once, telling each with
     * {@code world-deleted} as the deleting node tells its own.
     */
    public static final String WORLD_DELETE = "world-delete";

    /** Checks the required fields and copies the details as plain values. */
    public WorldActionEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(action, "action");
        details = EventJson.plainDetails(details);
    }

    /**
     * An event of the whole world, in no chat.
     *
     * @param id the event id
     * @param timestamp when it happened
     * @param seq its place in the event log, or 0
     * @param action what happened
     * @param agentName the agent it is about, or {@code null}
     * @param details more fields, per action
     */
    public WorldActionEvent(String id, Instant timestamp, long seq, String action, String agentName,
            Map<String, Object> details) {
        this(id, timestamp, seq, action, agentName, details, null);
    }

    @Override
    public String sender() {
        return "world";
    }

    @Override
    public SenderType senderType() {
        return SenderType.WORLD;
    }

    @Override
    public EventType type() {
        return EventType.WORLD;
    }

    @Override
    public WorldActionEvent withSeq(long seq) {
        return new WorldActionEvent(id, timestamp, seq, action, agentName, details, chatId);
    }
}
