package io.worldlink.event;

import java.time.Instant;
import java.util.Objects;

/**
 * A notice from the system to everyone in a world, sent by {@code system}.
 *
 * @param id the event id
 * @param timestamp when it happened
 * @param seq its place in the event log, or 0
 * @param content the text
 * @param level how serious it is
 */
public record SystemEvent(String id, Instant timestamp, long seq, String content, MessageLevel level)
        implements WorldEvent {
    /** Checks the required fields. */
    public SystemEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(content, "content");
        Objects.requireNonNull(level, "level");
    }

    @Override
    public String sender() {
        return "system";
    }

    @Override
    public SenderType senderType() {
        return SenderType.SYSTEM;
    }

    @Override
    public EventType type() {
        return EventType.SYSTEM;
    }

    @Override
    public SystemEvent withSeq(long seq) {
        return new SystemEvent(id, timestamp, seq, content, level);
    }

    @Override
    public String agentName() {
        return null;
    }
}
