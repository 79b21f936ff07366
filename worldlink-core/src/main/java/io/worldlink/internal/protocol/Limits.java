package io.worldlink.internal.protocol;

import java.time.Duration;

/**
 * What one WorldLink lets its clients hold: per connection, per user, per address and in all.
 *
 * @param maxFrameChars the largest text frame a client may send; a larger one closes it with 1009
 * @param maxQueuedChars how much may wait to be sent to a client before it is closed with 1013
 * @param maxTotalQueuedChars how much may be held for clients over all connections (frames and exports
 *     waiting to be sent, requests waiting their turn) before the connections that are behind are closed
 *     with 1013 and an export is refused
 * @param requestsPerSecond the sustained request rate of one connection
 * @param requestBurst how many requests a connection may send at once
 * @param maxConnections connections open at once in all
 * @param maxConnectionsPerAddress connections open at once from one remote address
 * @param maxConnectionsPerUser connections in one user's worlds at once
 * @param maxLoadedWorlds worlds loaded at once
 * @param maxWorldsPerUser worlds a signed user may have
 * @param maxWorldsPerAnonymousUser worlds an anonymous user may have
 * @param selectTimeout how long a connection may stay without a world before it is closed
 */
public record Limits(int maxFrameChars, long maxQueuedChars, long maxTotalQueuedChars, double requestsPerSecond, int requestBurst,
        int maxConnections, int maxConnectionsPerAddress, int maxConnectionsPerUser, int maxLoadedWorlds,
        int maxWorldsPerUser, int maxWorldsPerAnonymousUser, Duration selectTimeout) {
    /** Checks the limits. */
    public Limits {
        if (maxFrameChars < 256 || maxQueuedChars < maxFrameChars || maxTotalQueuedChars < 256 || requestsPerSecond <= 0
                || requestBurst < 1) {
            throw new IllegalArgumentException("limits out of range: frame >= 256, queue >= frame, total queue >= 256, "
                    + "rate > 0, burst >= 1");
        }
        if (maxConnections < 1 || maxConnectionsPerAddress < 1 || maxConnectionsPerUser < 1 || maxLoadedWorlds < 1
                || maxWorldsPerUser < 1 || maxWorldsPerAnonymousUser < 1) {
            throw new IllegalArgumentException("connection and world limits must be at least 1");
        }
        if (selectTimeout.isNegative() || selectTimeout.isZero()) {
            throw new IllegalArgumentException("the select timeout must be positive");
        }
    }
}
