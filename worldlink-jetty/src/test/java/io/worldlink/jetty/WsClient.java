package io.worldlink.jetty;

import com.google.gson.JsonParser;
import io.worldlink.FrameQueue;
import jakarta.websocket.ClientEndpointConfig;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.WebSocketContainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A real jakarta WebSocket client (Jetty's), with every frame it receives in the queue. */
final class WsClient extends FrameQueue implements AutoCloseable {
    final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
    private final Session session;

    private WsClient(WebSocketContainer container, URI uri, String bearer) throws Exception {
        ClientEndpointConfig config = ClientEndpointConfig.Builder.create()
                .configurator(new ClientEndpointConfig.Configurator() {
                    @Override
                    public void beforeRequest(Map<String, List<String>> headers) {
                        if (bearer != null) {
                            headers.put("Authorization", List.of("Bearer " + bearer));
                        }
                    }
                }).build();
        this.session = container.connectToServer(new Endpoint() {
            @Override
            public void onOpen(Session s, EndpointConfig c) {
                s.addMessageHandler(String.class,
                        (MessageHandler.Whole<String>) text -> frames.add(JsonParser.parseString(text).getAsJsonObject()));
            }

            @Override
            public void onClose(Session s, CloseReason reason) {
                closed.complete(reason);
            }
        }, config, uri);
    }

    static WsClient connect(WebSocketContainer container, URI uri) throws Exception {
        return new WsClient(container, uri, null);
    }

    static WsClient connect(WebSocketContainer container, URI uri, String bearer) throws Exception {
        return new WsClient(container, uri, bearer);
    }

    @Override
    public void sendText(String frame) {
        try {
            session.getBasicRemote().sendText(frame);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        if (session.isOpen()) {
            session.close();
        }
    }
}
