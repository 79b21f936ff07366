/**
 * WorldLink on Jetty 12: {@link io.worldlink.jetty.WorldLinkServer} serves a {@link io.worldlink.WorldLink}
 * over WebSocket (jakarta.websocket), REST and server-sent events, with the chat page at {@code /};
 * {@link io.worldlink.jetty.WorldLinkWebSocket} adds the endpoint to a Jetty application of the host's own,
 * and {@link io.worldlink.jetty.Launcher} is the command-line server.
 */
package io.worldlink.jetty;
