package io.worldlink.examples.bench;

import jakarta.websocket.CloseReason;
import jakarta.websocket.Endpoint;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.MessageHandler;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.websocket.jakarta.server.config.JakartaWebSocketServletContainerInitializer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * The baseline: a bare Jetty jakarta WebSocket endpoint on the same stack as WorldLink's, which sends
 * every text frame back, or, for {@code {"type":"broadcast","chunks":K,"delayMs":D}}, sends K frames of the
 * size of WorldLink's chunk frames to every open session, one every D ms, and then a last one. It prints
 * {@code listening on PORT} when it is ready.
 */
public final class EchoServer {
    private static final Pattern CHUNKS = Pattern.compile("\"chunks\":(\\d+)");
    private static final Pattern DELAY = Pattern.compile("\"delayMs\":(\\d+)");
    private static final Set<Session> SESSIONS = ConcurrentHashMap.newKeySet();
    private static final ExecutorService BROADCASTER = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "broadcaster");
        t.setDaemon(true);
        return t;
    });

    private EchoServer() {}

    /** Echoes each frame through the async remote, as WorldLink sends; broadcasts when asked. */
    public static final class Echo extends Endpoint {
        @Override
        public void onOpen(Session session, EndpointConfig config) {
            SESSIONS.add(session);
            session.addMessageHandler(String.class, (MessageHandler.Whole<String>) text -> {
                if (text.startsWith("{\"type\":\"broadcast\"")) {
                    BROADCASTER.execute(() -> broadcast(number(CHUNKS, text), number(DELAY, text)));
                } else {
                    session.getAsyncRemote().sendText(text);
                }
            });
        }

        @Override
        public void onClose(Session session, CloseReason reason) {
            SESSIONS.remove(session);
        }
    }

    private static int number(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    // Chunk i reads "w<i> " and carries the time it was sent (System.nanoTime, which on Linux is one clock
    // for every process), so that a client on this machine can measure how long it took to reach it.
    private static void broadcast(int chunks, int delayMs) {
        try {
            for (int i = 0; i <= chunks; i++) {
                if (delayMs > 0 && i < chunks) {
                    TimeUnit.MILLISECONDS.sleep(delayMs);
                }
                String frame = "{\"type\":\"chat-response\",\"payload\":{\"agentName\":\"Quick\",\"content\":\""
                        + (i < chunks ? "w" + i + " " : "") + "\",\"messageId\":\"t" + System.nanoTime()
                        + "\",\"isComplete\":" + (i == chunks) + "}}";
                for (Session s : SESSIONS) {
                    s.getAsyncRemote().sendText(frame);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * @param args the port (default 0: any free one)
     * @throws Exception when Jetty cannot start
     */
    public static void main(String[] args) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(args.length > 0 ? Integer.parseInt(args[0]) : 0);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        JakartaWebSocketServletContainerInitializer.configure(context, (servletContext, container) ->
                container.addEndpoint(ServerEndpointConfig.Builder.create(Echo.class, "/ws").build()));
        server.setHandler(context);
        server.start();
        System.out.println("listening on " + connector.getLocalPort());
        server.join();
    }
}
