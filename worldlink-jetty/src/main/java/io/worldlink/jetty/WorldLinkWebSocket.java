package io.worldlink.jetty;

import io.worldlink.WorldLink;
import io.worldlink.jetty.internal.WorldLinkEndpoint;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WorldLink's WebSocket endpoint in a Jetty servlet context: what {@link WorldLinkServer} uses, and what
 * an existing Jetty application installs to offer WorldLink next to its own servlets.
 *
 * <pre>{@code
 * ServletContextHandler context = ...;   // the application's own
 * WorldLinkWebSocket ws = WorldLinkWebSocket.install(context, link, "/chat", 64 * 1024, Duration.ofMinutes(1));
 * }</pre>
 */
public final class WorldLinkWebSocket {
    private static final Logger LOG = LoggerFactory.getLogger(WorldLinkWebSocket.class);

    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();

    private WorldLinkWebSocket() {}

    /**
     * Adds the endpoint to a context (before the context starts).
     *
     * @param context the servlet context
     * @param link what to serve
     * @param path the WebSocket path, such as {@code /ws}
     * @param maxFrameBytes the largest text frame a client may send; larger closes it with 1009
     * @param idleTimeout how long a connection may stay silent
     * @return the installed endpoint, to ping and close its sessions
     */
    public static WorldLinkWebSocket install(ServletContextHandler context, WorldLink link, String path,
            int maxFrameBytes, Duration idleTimeout) {
        WorldLinkWebSocket ws = new WorldLinkWebSocket();
        JakartaWebSocketServletContainerInitializer.configure(context, (servletContext, container) -> {
            container.setDefaultMaxTextMessageBufferSize(maxFrameBytes);
            container.setDefaultMaxSessionIdleTimeout(idleTimeout.toMillis());
            container.addEndpoint(WorldLinkEndpoint.config(link, path, ws.sessions));
        });
        return ws;
    }

    /** @return how many sessions are open */
    public int sessionCount() {
        return sessions.size();
    }

    /** Pings every open session; a client that answers none goes silent, so its idle timeout closes it. */
    public void pingAll() {
        for (Session s : sessions) {
            try {
                if (s.isOpen()) {
                    s.getAsyncRemote().sendPing(ByteBuffer.allocate(0));
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("Could not ping session {}", s.getId(), e);
            }
        }
    }

    /**
     * Closes every session.
     *
     * @param code the close code (1001 when the server stops)
     * @param reason the reason, for the clients
     */
    public void closeAll(int code, String reason) {
        for (Session s : List.copyOf(sessions)) {
            try {
                s.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), reason));
            } catch (IOException | IllegalStateException e) {
                LOG.debug("Could not close session {}", s.getId(), e);
            }
        }
    }
}
