package io.worldlink.client;

/** Where a {@link WorldLinkClient}'s connection stands. */
public enum ConnectionState {
    /** Opening the WebSocket. */
    CONNECTING,
    /** Open (and in a world, once one is selected). */
    CONNECTED,
    /** The connection dropped; trying again with backoff, to resume where it left off. */
    RECONNECTING,
    /** Closed by {@link WorldLinkClient#close()}, or the server and reconnecting is off. */
    CLOSED
}
