package io.worldlink;

import java.util.Locale;

/** Whether an agent takes part in the conversation. */
public enum AgentStatus {
    /** The agent answers the messages that ROUTING.md gives it. */
    ACTIVE,
    /** The agent answers nothing (it still remembers what is said). */
    INACTIVE;

    /** {@return the form used in files and frames: {@code "active"} or {@code "inactive"}} */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * {@return the status}
     *
     * @param value {@code "active"} or {@code "inactive"}, in any case
     * @throws IllegalArgumentException for any other value
     */
    public static AgentStatus fromWire(String value) {
        for (AgentStatus s : values()) {
            if (s.wireName().equalsIgnoreCase(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("status must be \"active\" or \"inactive\", was \"" + value + "\"");
    }
}
