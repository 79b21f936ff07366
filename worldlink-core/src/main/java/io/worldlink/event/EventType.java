package io.worldlink.event;

import java.util.Locale;

/** The four families of world events. */
public enum EventType {
    /** Something said: by a human, the world or an agent. Durable. */
    MESSAGE,
    /** A piece of a streamed agent reply. Not durable. */
    SSE,
    /** Something that happened to the world (an agent update, a reload, the end of a turn). Durable. */
    WORLD,
    /** A notice from the system. Durable. */
    SYSTEM;

    /** {@return the form used on the wire: {@code message}, {@code sse}, {@code world} or {@code system}} */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@return the event type, or {@code null} when the value names none}
     *
     * @param value a wire name
     */
    public static EventType fromWire(String value) {
        for (EventType t : values()) {
            if (t.wireName().equals(value)) {
                return t;
            }
        }
        return null;
    }
}
