package io.worldlink;

/**
 * One client connection, as WorldLink sees it. A host gets one from {@link WorldLink#connect}, hands it
 * every text frame the client sends, and tells it when the transport closed. Thread-safe; every method
 * returns at once.
 */
public interface Connection {
    /** {@return the connection's id, sent to the client as {@code clientId}} */
    String id();

    /** {@return who the client proved to be when it connected} */
    Identity identity();

    /**
     * {@return the world the connection is in or joining, or {@code null} when it is in none} A world-select
     * under way already counts; a connection that was moved out of a deleted world, or is closed, is in none.
     */
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
