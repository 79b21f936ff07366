package io.worldlink.jetty.internal;

import io.worldlink.Connection;
import io.worldlink.Identity;
import io.worldlink.WorldLink;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The programmatic jakarta endpoint: one instance per connection, handing its frames to a WorldLink
 * {@link Connection}. {@code onMessage} returns at once; the work runs on WorldLink's threads.
 */
public final class WorldLinkEndpoint extends Endpoint {
    private static final Logger LOG = LoggerFactory.getLogger(WorldLinkEndpoint.class);
    private static final String IDENTITY = "io.worldlink.identity";
    private static final String CONNECTION = "io.worldlink.connection";

    private final WorldLink link;
    private final Set<Session> sessions;

    WorldLinkEndpoint(WorldLink link, Set<Session> sessions) {
        this.link = link;
        this.sessions = sessions;
    }

    /**
     * Makes the endpoint's config: the configurator checks the token at the upgrade (a bearer token in
     * the {@code Authorization} header or a {@code token} query parameter) and hands each connection an
     * endpoint bound to the WorldLink.
     *
     * @param link what to serve
     * @param path the WebSocket path
     * @param sessions where open sessions are tracked (for pings and shutdown)
     * @return the config to register with the container
     */
    public static ServerEndpointConfig config(WorldLink link, String path, Set<Session> sessions) {
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
                        return type.cast(new WorldLinkEndpoint(link, sessions));
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
        Connection connection = link.connect(new JakartaTransport(session),
                identity instanceof Identity i ? i : Identity.ANONYMOUS);
        session.getUserProperties().put(CONNECTION, connection);
        sessions.add(session);
        session.addMessageHandler(String.class, (MessageHandler.Whole<String>) connection::receive);
    }

    @Override
    public void onClose(Session session, CloseReason reason) {
        sessions.remove(session);
        Object c = session.getUserProperties().get(CONNECTION);
        if (c instanceof Connection connection) {
            connection.closed();
        }
    }

    @Override
    public void onError(Session session, Throwable error) {
        LOG.debug("WebSocket error on session {}", session.getId(), error);
    }
}
