package io.worldlink.internal;

import java.time.Duration;

/** Durations in messages for people. */
public final class Durations {
    private Durations() {}

    /**
     * @param d a duration
     * @return {@code "300 ms"} below a second, else whole seconds such as {@code "30 s"}
     */
    public static String readable(Duration d) {
        return d.toMillis() < 1000 ? d.toMillis() + " ms" : d.toSeconds() + " s";
    }
}
