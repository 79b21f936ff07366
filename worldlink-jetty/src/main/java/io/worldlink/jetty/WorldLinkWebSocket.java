package io.worldlink.jetty;

import io.worldlink.WorldLink;
import io.worldlink.jetty.internal.OriginFilter;
import io.worldlink.jetty.internal.OriginPolicy;
import io.worldlink.jetty.internal.WorldLinkEndpoint;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;

/**
 * WorldLink's WebSocket endpoint in a Jetty servlet context: what {@link WorldLinkServer} uses, and what
 * an existing Jetty application installs to offer WorldLink next to its own servlets.
 *
 * <pre>{@code
 * ServletContextHandler context = ...;   // the application's own
 * WorldLinkWebSocket ws = WorldLinkWebSocket.install(context, link, "/chat", 64 * 1024, Duration.ofMinutes(1),
 *         List.of("https://app.example.com"));
 * scheduler.scheduleAtFixedRate(() -> ws.pingAll(Duration.ofSeconds(40)), 20, 20, TimeUnit.SECONDS);
 * }</pre>
 *
 * <p>A browser's upgrade from a page of another origin is refused with HTTP 403 (a page of any site could
 * otherwise open a connection with its visitor's cookies and network position); the server's own origin
 * (the upgrade's {@code Origin} matches its scheme and {@code Host}) is always allowed. Clients that send
 * no {@code Origin} (not browsers) are not affected.
 */
public final class WorldLinkWebSocket {
    private final Set<WorldLinkEndpoint> open = ConcurrentHashMap.newKeySet();

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
            container.addEndpoint(WorldLinkEndpoint.config(link, path, ws.open));
            OriginFilter.guardFirst(context, path, origins);
        });
        return ws;
    }

    /** {@return how many sessions are open} */
    public int sessionCount() {
        return open.size();
    }

    /**
     * Pings every open session, and closes with 1008 each one whose client has not answered a ping for
     * longer than the pong timeout (a client that is gone, or never answers, would otherwise stay open:
     * the pings themselves keep its connection from going idle). Call it regularly, at an interval
     * shorter than the pong timeout (half of it, say). Never blocks.
     *
     * @param pongTimeout how long a client may leave pings unanswered
     */
    public void pingAll(Duration pongTimeout) {
        long now = System.nanoTime();
        long limit = pongTimeout.toNanos();
        for (WorldLinkEndpoint e : open) {
            e.pingOrClose(now, limit);
        }
    }

    /**
     * Closes every session.
     *
     * @param code the close code (1001 when the server stops)
     * @param reason the reason, for the clients
     */
    public void closeAll(int code, String reason) {
        for (WorldLinkEndpoint e : List.copyOf(open)) {
            e.close(code, reason);
        }
    }
}
