package io.worldlink.event;

import java.util.Locale;

/** How serious a system message is. */
public enum MessageLevel {
    /** For information. */
    INFO,
    /** Something went wrong that the user may want to look at. */
    WARNING,
    /** A request failed. */
    ERROR;

    /** {@return the form used on the wire, in lower case} */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
