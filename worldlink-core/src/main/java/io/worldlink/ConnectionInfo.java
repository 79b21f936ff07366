package io.worldlink;

/**
 * One open connection, as a host sees it ({@link WorldLink#connections()}).
 *
 * @param id the connection's id (the client's {@code clientId})
 * @param identity who the client proved to be
 * @param world the world it is in, or {@code null} before it selected one
 */
public record ConnectionInfo(String id, Identity identity, WorldKey world) {}
