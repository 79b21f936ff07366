package io.worldlink.jetty.internal;

import io.worldlink.Connection;
import io.worldlink.Identity;
import io.worldlink.WorldLink;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.PongMessage;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The programmatic jakarta endpoint: one instance per connection, handing its frames to a WorldLink
 * {@link Connection}. {@code onMessage} returns at once; the work runs on WorldLink's threads. It also
 * keeps the time of the connection's last pong, so that a client that stopped answering pings is closed.
 */
public final class WorldLinkEndpoint extends Endpoint {
    private static final Logger LOG = LoggerFactory.getLogger(WorldLinkEndpoint.class);
    private static final String IDENTITY = "io.worldlink.identity";
    // Jetty puts the upgrade request's remote address here for every connection (JakartaWebSocketCreator).
    private static final String REMOTE_ADDRESS = "jakarta.websocket.endpoint.remoteAddress";

    private final WorldLink link;
    private final Set<WorldLinkEndpoint> open;
    private volatile JakartaTransport transport;
    private volatile Connection connection;
    private volatile long lastPongNanos;

    WorldLinkEndpoint(WorldLink link, Set<WorldLinkEndpoint> open) {
        this.link = link;
        this.open = open;
    }

    /**
     * Makes the endpoint's config: the configurator checks the token at the upgrade (a bearer token in
     * the {@code Authorization} header or a {@code token} query parameter) and hands each connection an
     * endpoint bound to the WorldLink.
     *
     * @param link what to serve
     * @param path the WebSocket path
     * @param open where open connections are tracked (for pings and shutdown)
     * @return the config to register with the container
     */
    public static ServerEndpointConfig config(WorldLink link, String path, Set<WorldLinkEndpoint> open) {
        return ServerEndpointConfig.Builder.create(WorldLinkEndpoint.class, path)
                .configurator(new ServerEndpointConfig.Configurator() {
                    @Override
                    public void modifyHandshake(ServerEndpointConfig sec, HandshakeRequest request,
                            HandshakeResponse response) {
                        // The user properties here are this connection's own copy (WebSocket 2.1+).
                        sec.getUserProperties().put(IDENTITY, link.authenticate(token(request)));
                    }

                    @Override
                    public <T> T getEndpointInstance(Class<T> type) {
                        return type.cast(new WorldLinkEndpoint(link, open));
                    }
                })
                .build();
    }

    static String token(HandshakeRequest request) {
        for (Map.Entry<String, List<String>> h : request.getHeaders().entrySet()) {
            if (h.getKey().equalsIgnoreCase("Authorization") && !h.getValue().isEmpty()) {
                String value = h.getValue().get(0).strip();
                if (value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                    return value.substring(7).strip();
                }
            }
        }
        List<String> query = request.getParameterMap().get("token");
        return query == null || query.isEmpty() ? null : query.get(0);
    }

    @Override
    public void onOpen(Session session, EndpointConfig config) {
        Object identity = config.getUserProperties().get(IDENTITY);
        this.lastPongNanos = System.nanoTime();
        this.transport = new JakartaTransport(session, config.getUserProperties().get(REMOTE_ADDRESS));
        this.connection = link.connect(transport, identity instanceof Identity i ? i : Identity.ANONYMOUS);
        open.add(this);
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) connection::receive);
        session.addMessageHandler(PongMessage.class,
                (MessageHandler.Whole<PongMessage>) pong -> lastPongNanos = System.nanoTime());
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        open.remove(this);
        Connection c = connection;
        if (c != null) {
            c.closed();
        }
    }

    /**
     * Pings the client, or closes the connection with 1008 when the client has not answered a ping for
     * longer than the timeout. Never blocks.
     *
     * @param nowNanos the time of this round of pings ({@link System#nanoTime()})
     * @param pongTimeoutNanos how long a client may leave pings unanswered
     */
    public void pingOrClose(long nowNanos, long pongTimeoutNanos) {
        long silentNanos = nowNanos - lastPongNanos;
        if (silentNanos <= pongTimeoutNanos) {
            transport.ping();
            return;
        }
        open.remove(this);
        transport.close(1008, String.format(Locale.ROOT, "No answer to pings for %.1f s: the connection is taken "
                + "for dead.", silentNanos / 1e9));
        // A dead peer never answers the close either: release its world and limits now, not at the idle timeout.
        connection.closed();
    }

    /**
     * Closes the connection.
     *
     * @param code the close code
     * @param reason the reason, for the client
     */
    public void close(int code, String reason) {
        transport.close(code, reason);
    }

    @Override
    public void onError(Session session, Throwable error) {
        LOG.debug("WebSocket error on session {}", session.getId(), error);
    }
}
