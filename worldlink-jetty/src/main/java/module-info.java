/**
 * Serves WorldLink over jakarta.websocket on Jetty 12.1 (ee11): the WebSocket endpoint, the REST API, the
 * probes, {@code /metrics} and the chat page, and the launcher. Only {@code io.worldlink.jetty} is exported;
 * {@code io.worldlink.jetty.internal} stays inside.
 */
// Micrometer has no module descriptor; the names it gives in its manifest (Automatic-Module-Name) are stable.
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module io.worldlink.jetty {
    // In this module's API: WorldLinkServer takes a WorldLink, WorldLinkWebSocket a ServletContextHandler,
    // and WorldLinkMetrics gives its Prometheus registry.
    requires transitive io.worldlink;
    requires transitive org.eclipse.jetty.ee11.servlet;
    requires transitive micrometer.registry.prometheus;

    requires com.google.gson;
    requires info.picocli;
    requires jakarta.servlet;
    requires jakarta.websocket;
    requires micrometer.core;
    requires org.eclipse.jetty.client;
    requires org.eclipse.jetty.ee11.websocket.jakarta.common;
    requires org.eclipse.jetty.ee11.websocket.jakarta.server;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.util;
    requires org.eclipse.jetty.websocket.core.common;
    requires org.slf4j;
    // The launcher's cluster mode (--redis); an embedding host that does not use it need not have it.
    requires static io.worldlink.redis;

    exports io.worldlink.jetty;
}
