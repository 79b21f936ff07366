/**
 * A Java client of a WorldLink server: {@link io.worldlink.client.WorldLinkClient} connects over WebSocket,
 * selects a world, sends messages and waits for the agents' answers; a
 * {@link io.worldlink.client.ClientListener} receives what the server sends.
 */
package io.worldlink.client;
