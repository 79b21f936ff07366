package io.worldlink.internal.protocol;

/**
 * Per-connection limits.
 *
 * @param maxFrameChars the largest text frame a client may send; a larger one closes it with 1009
 * @param maxQueuedChars how much may wait to be sent to a client before it is closed with 1013
 * @param requestsPerSecond the sustained request rate of one connection
 * @param requestBurst how many requests a connection may send at once
 */
public record Limits(int maxFrameChars, long maxQueuedChars, double requestsPerSecond, int requestBurst) {
    /** Checks the limits. */
    public Limits {
        if (maxFrameChars < 256 || maxQueuedChars < maxFrameChars || requestsPerSecond <= 0 || requestBurst < 1) {
            throw new IllegalArgumentException("limits out of range: frame >= 256, queue >= frame, rate > 0, burst >= 1");
        }
    }
}
