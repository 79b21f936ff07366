package io.worldlink.examples;

import io.worldlink.WorldLink;
import io.worldlink.jetty.WorldLinkWebSocket;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Adding WorldLink to a Jetty application that already exists: the application keeps its own servlets,
 * and WorldLink's WebSocket joins them at {@code /chat}.
 *
 * <p>Run: {@code java -cp worldlink-examples/target/worldlink-examples.jar io.worldlink.examples.EmbedInJettyExample}
 */
public final class EmbedInJettyExample {
    private EmbedInJettyExample() {}

    /** The application's own servlet, which was there before WorldLink. */
    static final class HelloServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain;charset=utf-8");
            resp.getWriter().write("Hello from the application; WorldLink is at /chat\n");
        }
    }

    /**
     * @param port the port, 0 for any free one
     * @param link the WorldLink to add
     * @return the application's server, started
     * @throws Exception when Jetty cannot start
     */
    public static Server start(int port, WorldLink link) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setPort(port);
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.addServlet(new ServletHolder(new HelloServlet()), "/hello");
        // The one line that adds WorldLink:
        WorldLinkWebSocket.install(context, link, "/chat", 64 * 1024, Duration.ofMinutes(1));
        server.setHandler(context);
        server.start();
        return server;
    }

    /**
     * @param server a started server
     * @return the port it listens on
     */
    public static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /**
     * @param args none
     * @throws Exception when the server cannot start
     */
    public static void main(String[] args) throws Exception {
        WorldLink link = WorldLink.builder().dataRoot(Path.of("data")).build();
        Server server = start(8090, link);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.stop();
            } catch (Exception e) {
                System.err.println("Jetty did not stop cleanly: " + e.getMessage());
            }
            link.close();
        }));
        System.out.println("The application: http://127.0.0.1:" + port(server) + "/hello");
        System.out.println("WorldLink:       ws://127.0.0.1:" + port(server) + "/chat");
        server.join();
    }
}
