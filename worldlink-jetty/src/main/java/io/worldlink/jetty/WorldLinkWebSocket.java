package io.worldlink.jetty;

import io.worldlink.WorldLink;
import io.worldlink.jetty.internal.OriginFilter;
import io.worldlink.jetty.internal.OriginPolicy;
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
 * WorldLinkWebSocket ws = WorldLinkWebSocket.install(context, link, "/chat", 64 * 1024, Duration.ofMinutes(1),
 *         List.of("https://app.example.com"));
 * }</pre>
 *
 * <p>A browser's upgrade from a page of another origin is refused with HTTP 403 (a page of any site could
 * otherwise open a connection with its visitor's cookies and network position); the server's own origin
 * (the upgrade's {@code Origin} matches its scheme and {@code Host}) is always allowed. Clients that send
 * no {@code Origin} (not browsers) are not affected.
 */
public final class WorldLinkWebSocket {
    private static final Logger LOG = LoggerFactory.getLogger(WorldLinkWebSocket.class);

    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();

    private WorldLinkWebSocket() {}

    /**
     * Adds the endpoint to a context (before the context starts), allowing browsers only on pages of the
     * server's own origin.
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
        return install(context, link, path, maxFrameBytes, idleTimeout, List.of());
    }

    /**
     * Adds the endpoint to a context (before the context starts), allowing browsers on pages of the
     * server's own origin and of the origins listed.
     *
     * @param context the servlet context
     * @param link what to serve
     * @param path the WebSocket path, such as {@code /ws}
     * @param maxFrameBytes the largest text frame a client may send; larger closes it with 1009
     * @param idleTimeout how long a connection may stay silent
     * @param allowedOrigins origins such as {@code https://app.example.com} (scheme, host and port, as a
     *     browser sends them in {@code Origin}) whose pages may connect too; {@code *} allows every page
     * @return the installed endpoint, to ping and close its sessions
     * @throws IllegalArgumentException when an entry is not an origin (the message says which and why)
     */
    public static WorldLinkWebSocket install(ServletContextHandler context, WorldLink link, String path,
            int maxFrameBytes, Duration idleTimeout, List<String> allowedOrigins) {
        OriginPolicy origins = OriginPolicy.of(allowedOrigins);
        WorldLinkWebSocket ws = new WorldLinkWebSocket();
        JakartaWebSocketServletContainerInitializer.configure(context, (servletContext, container) -> {
            container.setDefaultMaxTextMessageBufferSize(maxFrameBytes);
            container.setDefaultMaxSessionIdleTimeout(idleTimeout.toMillis());
            container.addEndpoint(WorldLinkEndpoint.config(link, path, ws.sessions));
            OriginFilter.guardFirst(context, path, origins);
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
