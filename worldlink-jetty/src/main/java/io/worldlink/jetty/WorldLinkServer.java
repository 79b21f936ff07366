package io.worldlink.jetty;

import io.worldlink.WorldLink;
import io.worldlink.jetty.internal.ApiServlet;
import io.worldlink.jetty.internal.ErrorPages;
import io.worldlink.jetty.internal.HttpHygiene;
import io.worldlink.jetty.internal.MetricsServlet;
import io.worldlink.jetty.internal.OriginFilter;
import io.worldlink.jetty.internal.OriginPolicy;
import io.worldlink.jetty.internal.PageServlet;
import io.worldlink.jetty.internal.Readiness;
import jakarta.servlet.DispatcherType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee11.servlet.FilterHolder;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Jetty 12.1 server that serves a {@link WorldLink}: the WebSocket endpoint (jakarta, ee11), the
 * REST API, {@code /health} with its probes {@code /health/live} and {@code /health/ready}, the chat page
 * at {@code /}, and {@code /metrics} when it is given {@link Builder#metrics metrics}. Embeddable in a few
 * lines:
 *
 * <pre>{@code
 * try (WorldLink link = WorldLink.builder().build();
 *      WorldLinkServer server = WorldLinkServer.builder(link).port(0).build().start()) {
 *     System.out.println("ws://localhost:" + server.port() + "/ws");
 * }
 * }</pre>
 *
 * The server does not own the WorldLink, nor its metrics: close the server first, then the WorldLink.
 *
 * <p>What a browser may do: pages of the server's own origin (an {@code Origin} whose scheme, host and port
 * match the request's scheme and {@code Host}), and of the origins given to {@link Builder#allowedOrigins},
 * may open the WebSocket and send the REST API's POST, PATCH and DELETE requests; a page of any other site
 * gets 403. Clients that send no {@code Origin} (not browsers) are not affected. Every response carries
 * {@code X-Content-Type-Options: nosniff}, {@code X-Frame-Options: DENY}, a content security policy with
 * {@code frame-ancestors 'none'} and {@code Referrer-Policy: no-referrer}, and no {@code Server} header;
 * methods other than GET, HEAD and POST (and PATCH and DELETE under {@code /api/}) get 405; errors under
 * {@code /api} and {@code /health} are the API's JSON {@code {"error", "code"}}, elsewhere a line of text.
 */
public final class WorldLinkServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorldLinkServer.class);

    private final Server server;
    private final ServerConnector connector;
    private final WorldLinkWebSocket webSocket;
    private final ApiServlet api;
    private final Readiness readiness;
    private final ScheduledExecutorService pinger;
    private final Builder config;

    private WorldLinkServer(Builder b) {
        this.config = b;
        // A fixed set of threads: nothing blocks a Jetty thread (WorldLink queues each client's frames and
        // sends them without waiting), so the pool need not grow with the connections or the load.
        QueuedThreadPool threads = new QueuedThreadPool(b.threads, b.threads);
        threads.setName("worldlink-jetty");
        this.server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        this.connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost(b.host);
        connector.setPort(b.port);
        connector.setIdleTimeout(b.idleTimeout.toMillis());
        server.addConnector(connector);
        // WorldLink's own limits count connections once they are WebSockets; this one counts every socket,
        // so that connections that never send a request (or never finish one) cannot pile up either. Past
        // it the connector stops accepting, and new connections wait in the system's backlog until one
        // closes (an idle one does after the idle timeout).
        server.addBean(new NetworkConnectionLimit(b.maxNetworkConnections, connector));
        server.setStopTimeout(b.stopTimeout.toMillis());
        server.setErrorHandler(new ErrorPages());

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        context.setErrorHandler(new ErrorPages.InContext());
        OriginPolicy origins = OriginPolicy.of(b.allowedOrigins);
        FilterHolder originFilter = new FilterHolder(new OriginFilter(origins));
        originFilter.setAsyncSupported(true);
        context.addFilter(originFilter, "/api/*", EnumSet.of(DispatcherType.REQUEST));
        this.readiness = new Readiness(b.dataRoot);
        this.api = new ApiServlet(b.link, server.getScheduler(), b.streamTimeout, keepAlive(b.idleTimeout),
                readiness);
        context.addServlet(new ServletHolder("api", api), "/api/*");
        context.addServlet(new ServletHolder("health", api), "/health/*");
        if (b.metrics != null) {
            b.metrics.bind(b.link);
            context.addServlet(new ServletHolder("metrics", new MetricsServlet(b.metrics.registry())), "/metrics");
        }
        ServletHolder page = new ServletHolder("page", new PageServlet(b.path));
        context.addServlet(page, "");
        context.addServlet(page, "/index.html");
        this.webSocket = WorldLinkWebSocket.install(context, b.link, b.path, b.maxFrameBytes, b.idleTimeout,
                b.allowedOrigins);
        server.setHandler(new HttpHygiene(origins, context));
        this.pinger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "worldlink-ping");
            t.setDaemon(true);
            return t;
        });
    }

    // A chat stream that writes nothing for the connector's idle timeout would be cut, and a client that
    // left unnoticed for long: a keep-alive goes out at half the idle timeout, at least every 15 s.
    private static Duration keepAlive(Duration idleTimeout) {
        Duration most = Duration.ofSeconds(15);
        return idleTimeout.isZero() || idleTimeout.compareTo(most.multipliedBy(2)) >= 0 ? most
                : idleTimeout.dividedBy(2);
    }

    /**
     * {@return a builder with the defaults: 127.0.0.1:8080, path {@code /ws}}
     *
     * @param link what to serve
     */
    public static Builder builder(WorldLink link) {
        return new Builder(link);
    }

    /**
     * Starts listening.
     *
     * @return this
     * @throws Exception when Jetty cannot start (the port is taken, say)
     */
    public WorldLinkServer start() throws Exception {
        server.start();
        readiness.serving(true);
        long every = config.pingInterval.toMillis();
        Duration pongTimeout = config.pongTimeout();
        pinger.scheduleAtFixedRate(() -> webSocket.pingAll(pongTimeout), every, every, TimeUnit.MILLISECONDS);
        return this;
    }

    /** {@return the port the server listens on (the one chosen, when it was built with port 0)} */
    public int port() {
        return connector.getLocalPort();
    }

    /** {@return the WebSocket address, such as {@code ws://127.0.0.1:8080/ws}} */
    public URI webSocketUri() {
        String host = config.host == null || config.host.equals("0.0.0.0") ? "127.0.0.1" : config.host;
        return URI.create("ws://" + host + ":" + port() + config.path);
    }

    /** {@return how many WebSocket sessions are open} */
    public int sessionCount() {
        return webSocket.sessionCount();
    }

    /**
     * Stops gracefully: every WebSocket session is closed with 1001 (going away) and every REST chat stream
     * ends with an error event, then Jetty stops, waiting up to the stop timeout for requests under way.
     */
    @Override
    public void close() {
        readiness.serving(false);
        pinger.shutdownNow();
        webSocket.closeAll(1001, "The server is shutting down.");
        api.closeStreams("The server is shutting down.");
        try {
            server.stop();
        } catch (Exception e) {
            LOG.warn("Jetty did not stop cleanly", e);
        }
    }

    /** Configures a {@link WorldLinkServer}. */
    public static final class Builder {
        private final WorldLink link;
        private String host = "127.0.0.1";
        private int port = 8080;
        private String path = "/ws";
        private Duration idleTimeout = Duration.ofSeconds(60);
        private int maxFrameBytes = 64 * 1024;
        private Duration pingInterval = Duration.ofSeconds(20);
        private Duration pongTimeout;
        private Duration stopTimeout = Duration.ofSeconds(10);
        private Duration streamTimeout = Duration.ofMinutes(5);
        private List<String> allowedOrigins = List.of();
        private int threads = Math.max(16, 4 * Runtime.getRuntime().availableProcessors());
        private int maxNetworkConnections = 11_000;
        private WorldLinkMetrics metrics;
        private Path dataRoot;

        private Builder(WorldLink link) {
            this.link = Objects.requireNonNull(link, "link");
        }

        /**
         * Sets the address to listen on.
         *
         * @param host the address to listen on; default {@code 127.0.0.1}, {@code 0.0.0.0} for all
         * @return this
         */
        public Builder host(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /**
         * Sets the port, from 0 to 65535.
         *
         * @param port the port, from 0 to 65535; default 8080, 0 for any free one (see {@link #port()})
         * @return this
         */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("The port must be from 0 to 65535, was " + port + ".");
            }
            this.port = port;
            return this;
        }

        /**
         * Sets the WebSocket path.
         *
         * @param path the WebSocket path; default {@code /ws}
         * @return this
         */
        public Builder path(String path) {
            if (!Objects.requireNonNull(path, "path").startsWith("/") || path.startsWith("/api") || path.equals("/health")
                    || path.startsWith("/health/") || path.equals("/metrics")) {
                throw new IllegalArgumentException("The WebSocket path must start with / and not clash with /api, "
                        + "/health or /metrics: " + path);
            }
            this.path = path;
            return this;
        }

        /**
         * Sets how long a connection may stay silent.
         *
         * @param timeout how long a connection may stay silent; default 60 s
         * @return this
         */
        public Builder idleTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isNegative()) {
                throw new IllegalArgumentException("The idle timeout must not be negative (zero means none).");
            }
            this.idleTimeout = timeout;
            return this;
        }

        /**
         * Sets the largest text frame a client may send, at least 1.
         *
         * @param bytes the largest text frame a client may send, at least 1; default 64 KiB; larger closes with 1009
         * @return this
         */
        public Builder maxFrameBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("The frame limit must be at least 1 byte, was " + bytes + ".");
            }
            this.maxFrameBytes = bytes;
            return this;
        }

        /**
         * Sets how often the server pings each client.
         *
         * @param interval how often the server pings each client; default 20 s (less than the idle timeout)
         * @return this
         */
        public Builder pingInterval(Duration interval) {
            if (Objects.requireNonNull(interval, "interval").isZero() || interval.isNegative()) {
                throw new IllegalArgumentException("The ping interval must be positive.");
            }
            this.pingInterval = interval;
            return this;
        }

        /**
         * Sets how long a client may leave the server's pings unanswered before its connection is closed
         * with 1008: a client that is gone, or never answers, would otherwise stay open, as the pings keep
         * its connection from going idle.
         *
         * @param timeout longer than the ping interval; default two ping intervals
         * @return this
         */
        public Builder pongTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("The pong timeout must be positive.");
            }
            this.pongTimeout = timeout;
            return this;
        }

        /**
         * Sets how long a REST chat stream ({@code POST /api/users/{u}/worlds/{w}/chat}) may stay open; past
         * it the stream ends with a {@code system-message} error event, and the turn goes on in the world.
         *
         * @param timeout positive; default 5 minutes
         * @return this
         */
        public Builder streamTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isZero() || timeout.isNegative()) {
                throw new IllegalArgumentException("The stream timeout must be positive.");
            }
            this.streamTimeout = timeout;
            return this;
        }

        /**
         * Lets web pages of other origins than the server's own use it: open the WebSocket and send the
         * REST API's POSTs. Any other page's attempt gets 403, so that a site a user visits cannot act with
         * the user's browser (its cookies, its place in a private network). Needed, for example, behind a
         * proxy that ends TLS ({@code https://} pages, {@code http} to the server) or for a page served
         * elsewhere.
         *
         * @param origins origins such as {@code https://chat.example.com} or {@code http://localhost:3000}
         *     (scheme, host and port, as browsers send them in {@code Origin}); {@code *} allows every
         *     origin; default none besides the server's own
         * @return this
         * @throws IllegalArgumentException when an entry is not an origin (the message says which and why)
         */
        public Builder allowedOrigins(List<String> origins) {
            OriginPolicy.of(Objects.requireNonNull(origins, "origins"));
            this.allowedOrigins = List.copyOf(origins);
            return this;
        }

        /**
         * Serves {@code GET /metrics} in Prometheus' text format from these metrics, and adds to them the
         * gauges that read this server's WorldLink (see {@link WorldLinkMetrics#bind}).
         *
         * @param metrics the metrics the WorldLink was built with ({@link WorldLink.Builder#metrics}); by
         *     default there is no {@code /metrics}
         * @return this
         */
        public Builder metrics(WorldLinkMetrics metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /**
         * Makes {@code /health/ready} check that this folder takes writes (by writing and removing a small
         * file in it), so that a full disk or a read-only mount take the server out of rotation.
         *
         * @param dataRoot the WorldLink's data root ({@link WorldLink.Builder#dataRoot}); by default no folder is
         *     checked and the server is ready once started
         * @return this
         */
        public Builder dataRoot(Path dataRoot) {
            this.dataRoot = Objects.requireNonNull(dataRoot, "dataRoot");
            return this;
        }

        // Tests make the pool smaller still, so that showing it is never exhausted is cheap.
        Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        /**
         * Sets the most network connections the server holds open at once: WebSockets, REST and page
         * requests, and connections that have not sent a whole request yet. Past it the server accepts no
         * more until one closes; they wait in the system's backlog. Keep it above WorldLink's own
         * {@link WorldLink.Builder#maxConnections}, which counts WebSockets alone and answers a client past
         * it with {@code QUOTA_EXCEEDED}.
         *
         * @param max at least 1; default 11,000 (WorldLink's default 10,000 WebSockets and room for REST)
         * @return this
         */
        public Builder maxNetworkConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("The network connection limit must be at least 1, was " + max
                        + ".");
            }
            this.maxNetworkConnections = max;
            return this;
        }

        /**
         * Sets how long a graceful stop waits for requests under way, zero or more.
         *
         * @param timeout how long a graceful stop waits for requests under way, zero or more; default 10 s
         * @return this
         */
        public Builder stopTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isNegative()) {
                throw new IllegalArgumentException("The stop timeout must not be negative.");
            }
            this.stopTimeout = timeout;
            return this;
        }

        /**
         * {@return the server, not yet started}
         *
         * @throws IllegalArgumentException when the pong timeout is not longer than the ping interval
         * @throws IllegalStateException when the {@link #metrics metrics} already read another WorldLink
         */
        public WorldLinkServer build() {
            if (pongTimeout().compareTo(pingInterval) <= 0) {
                throw new IllegalArgumentException("The pong timeout (" + pongTimeout().toMillis() + " ms) must be "
                        + "longer than the ping interval (" + pingInterval.toMillis() + " ms): a client can answer a "
                        + "ping only after it was sent.");
            }
            return new WorldLinkServer(this);
        }

        private Duration pongTimeout() {
            return pongTimeout != null ? pongTimeout : pingInterval.multipliedBy(2);
        }
    }
}
