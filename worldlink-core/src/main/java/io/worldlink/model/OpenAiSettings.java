package io.worldlink.model;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach an OpenAI-compatible server.
 *
 * @param baseUrl the API base, such as {@code https://api.openai.com/v1} or {@code http://localhost:11434/v1};
 *     an agent's {@code baseUrl} option overrides it
 * @param apiKey the bearer token, or {@code null} for none; an agent's {@code apiKey} option overrides it
 * @param includeUsage whether to ask for a usage chunk ({@code stream_options.include_usage}); some
 *     servers reject it
 * @param firstByteTimeout how long to wait for the response to start
 * @param gapTimeout how long to wait between two pieces of the stream
 */
public record OpenAiSettings(URI baseUrl, String apiKey, boolean includeUsage, Duration firstByteTimeout,
        Duration gapTimeout) {
    /** Checks the fields. */
    public OpenAiSettings {
        Objects.requireNonNull(baseUrl, "baseUrl");
        Objects.requireNonNull(firstByteTimeout, "firstByteTimeout");
        Objects.requireNonNull(gapTimeout, "gapTimeout");
        if (firstByteTimeout.isNegative() || firstByteTimeout.isZero() || gapTimeout.isNegative()
                || gapTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts must be positive");
        }
    }

    /**
     * {@return settings with usage on, 60 s to the first byte and 30 s between pieces}
     *
     * @param baseUrl the API base
     * @param apiKey the bearer token, or {@code null}
     */
    public static OpenAiSettings of(URI baseUrl, String apiKey) {
        return new OpenAiSettings(baseUrl, apiKey, true, Duration.ofSeconds(60), Duration.ofSeconds(30));
    }

    @Override
    public String toString() {
        return "OpenAiSettings[baseUrl=" + baseUrl + ", apiKey=" + (apiKey == null ? "none" : "***")
                + ", includeUsage=" + includeUsage + "]";
    }
}
