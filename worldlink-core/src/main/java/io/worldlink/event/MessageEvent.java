package io.worldlink.event;

import java.time.Instant;
import java.util.Objects;

/**
 * Something said in a world. Its {@link #id()} is also its message id.
 *
 * @param id the event id and message id
 * @param timestamp when it was said
 * @param sender a human name, {@code world}, or an agent id
 * @param senderType what kind of sender that is
 * @param seq its place in the event log, or 0
 * @param content the text
 * @param replyToMessageId the message it answers, or {@code null}
 * @param turnLimitNotice {@code true} only for the notice a world publishes when an agent reaches its
 *     turn limit; such a message never triggers an agent (it is marked, never detected from its text)
 * @param stopped {@code true} for an agent's reply that a client stopped: the text it had by then;
 *     such a message never triggers an agent
 * @param handsBack {@code true} for an agent's reply that gave control back to the human with a
 *     {@code STOP}, {@code DONE} or {@code PASS} tag; such a message never triggers an agent
 * @param chatId the chat it was said in, or {@code null}
 */
public record MessageEvent(String id, Instant timestamp, String sender, SenderType senderType, long seq,
        String content, String replyToMessageId, boolean turnLimitNotice, boolean stopped, boolean handsBack,
        String chatId) implements WorldEvent {
    /**
     * A message that no one stopped.
     *
     * @param id the event id and message id
     * @param timestamp when it was said
     * @param sender a human name, {@code world}, or an agent id
     * @param senderType what kind of sender that is
     * @param seq its place in the event log, or 0
     * @param content the text
     * @param replyToMessageId the message it answers, or {@code null}
     * @param turnLimitNotice whether it is the notice of a reached turn limit
     */
    public MessageEvent(String id, Instant timestamp, String sender, SenderType senderType, long seq, String content,
            String replyToMessageId, boolean turnLimitNotice) {
        this(id, timestamp, sender, senderType, seq, content, replyToMessageId, turnLimitNotice, false, false, null);
    }

    /** {@return whether the routing rules let this message trigger agents at all} */
    public boolean triggers() {
        return !turnLimitNotice && !stopped && !handsBack;
    }

    /** Checks the required fields. */
    public MessageEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(senderType, "senderType");
        Objects.requireNonNull(content, "content");
    }

    /** {@return the message id (the same as {@link #id()})} */
    public String messageId() {
        return id;
    }

    @Override
    public EventType type() {
        return EventType.MESSAGE;
    }

    @Override
    public MessageEvent withSeq(long seq) {
        return new MessageEvent(id, timestamp, sender, senderType, seq, content, replyToMessageId, turnLimitNotice,
                stopped, handsBack, chatId);
    }

    @Override
    public String agentName() {
        return senderType == SenderType.AGENT ? sender : null;
    }
}
