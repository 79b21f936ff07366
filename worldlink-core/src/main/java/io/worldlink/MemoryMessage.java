package io.worldlink;

import io.worldlink.internal.JsonMaps;
import io.worldlink.internal.SnapshotJson;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One message in an agent's memory ({@code memory.json} is an array of these).
 *
 * @param role {@link #USER}, {@link #ASSISTANT} or {@link #SYSTEM}: how the model sees it
 * @param content the text
 * @param sender who said it (a human name, {@code world}, or an agent id)
 * @param messageId the id of the message event it came from
 * @param replyToMessageId the message it answers, or {@code null}
 * @param createdAt when it was said
 * @param chatId the chat it was said in (agent-world's {@code chatId})
 * @param extra fields this version does not know, each value as its JSON text ({@code "\"eu\""} for the
 *     string eu), kept through a rewrite
 */
public record MemoryMessage(String role, String content, String sender, String messageId, String replyToMessageId,
        Instant createdAt, String chatId, Map<String, String> extra) {
    /** Something a human, the world or another agent said. */
    public static final String USER = "user";
    /** Something the agent itself said. */
    public static final String ASSISTANT = "assistant";
    /** An instruction to the model. */
    public static final String SYSTEM = "system";

    /** Checks the required fields and copies the extras. */
    public MemoryMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        extra = JsonMaps.copyOf(extra, SnapshotJson.MEMORY_FIELDS);
    }

    /**
     * {@return a memory message with no extra fields}
     *
     * @param role the role
     * @param content the text
     * @param sender who said it
     * @param messageId the message id
     * @param replyToMessageId the message it answers, or {@code null}
     * @param createdAt when
     * @param chatId the chat it was said in
     * @return a memory message with no extra fields
     */
    public static MemoryMessage of(String role, String content, String sender, String messageId,
            String replyToMessageId, Instant createdAt, String chatId) {
        return new MemoryMessage(role, content, sender, messageId, replyToMessageId, createdAt, chatId, Map.of());
    }
}
