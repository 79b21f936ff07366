package io.worldlink;

/**
 * One client connection, as WorldLink sees it. A host gets one from {@link WorldLink#connect}, hands it
 * every text frame the client sends, and tells it when the transport closed. Thread-safe; both methods
 * return at once (the work happens on WorldLink's own threads).
 */
public interface Connection {
    /** {@return the connection's id, sent to the client as {@code clientId}} */
    String id();

    /** {@return who the client proved to be when it connected} */
    Identity identity();

    /** {@return the world the connection has selected, or {@code null} before its first world-select} */
    WorldKey world();

    /**
     * Hands WorldLink a text frame the client sent.
     *
     * @param frame a text frame the client sent
     */
    void receive(String frame);

    /** The transport closed (whoever closed it): leave the world and release everything. Idempotent. */
    void closed();
}
