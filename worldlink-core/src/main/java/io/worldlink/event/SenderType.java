package io.worldlink.event;

import java.util.Locale;

/** Who an event comes from. */
public enum SenderType {
    /** A person. */
    HUMAN,
    /** An agent of the world. */
    AGENT,
    /** The world itself. */
    WORLD,
    /** The system. */
    SYSTEM;

    /** {@return the form used on the wire, in lower case} */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
