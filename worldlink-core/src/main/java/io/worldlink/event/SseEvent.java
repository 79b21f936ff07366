package io.worldlink.event;

import io.worldlink.model.Usage;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;

/**
 * A piece of an agent's streamed reply. Never durable.
 *
 * @param id the event id
 * @param timestamp when it happened
 * @param agentName the agent that is answering
 * @param phase start, chunk, end or error
 * @param content for a chunk the new text only; for the end the whole reply; for an error the text so far
 * @param messageId the id that the reply's message event will have
 * @param usage token usage, on the end; otherwise {@code null}
 * @param error what went wrong, on an error; otherwise {@code null}
 * @param stopped on the end: {@code true} when a client stopped the reply ({@code chat-stop}), whose
 *     content is then the text so far
 * @param chatId the chat the reply is said in, or {@code null}
 * @param afterSeq the seq of the world's newest durable event when this piece was published: the event
 *     that started the reply, or a later one; 0 when not known. A subscriber that has not seen that seq
 *     yet knows that the bus lost or delayed it ({@link io.worldlink.EventBus})
 */
public record SseEvent(String id, Instant timestamp, String agentName, Phase phase, String content, String messageId,
        Usage usage, String error, boolean stopped, String chatId, long afterSeq) implements WorldEvent {

    /** Where in the stream an {@link SseEvent} is. */
    public enum Phase {
        /** The agent started answering. */
        START,
        /** More text. */
        CHUNK,
        /** The reply is complete. */
        END,
        /** The model failed; the reply ends with what it had. */
        ERROR;

        /** {@return the form used on the wire, in lower case} */
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A piece of a reply that was not stopped.
     *
     * @param id the event id
     * @param timestamp when it happened
     * @param agentName the agent that is answering
     * @param phase start, chunk, end or error
     * @param content the text of this piece (see the record's description)
     * @param messageId the id that the reply's message event will have
     * @param usage token usage, on the end
     * @param error what went wrong, on an error
     */
    public SseEvent(String id, Instant timestamp, String agentName, Phase phase, String content, String messageId,
            Usage usage, String error) {
        this(id, timestamp, agentName, phase, content, messageId, usage, error, false, null, 0);
    }

    /** Checks the required fields. */
    public SseEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(agentName, "agentName");
        Objects.requireNonNull(phase, "phase");
        Objects.requireNonNull(messageId, "messageId");
    }

    @Override
    public String sender() {
        return agentName;
    }

    @Override
    public SenderType senderType() {
        return SenderType.AGENT;
    }

    @Override
    public long seq() {
        return 0;
    }

    @Override
    public EventType type() {
        return EventType.SSE;
    }

    /** Streamed chunks are not logged, so this returns the event itself. */
    @Override
    public SseEvent withSeq(long seq) {
        return this;
    }
}
