/**
 * How to embed WorldLink, the interactive demo client and the benchmark. Applications, not a library: they
 * use only what the core and the Jetty host export, and export nothing themselves.
 */
module io.worldlink.examples {
    requires io.worldlink;
    requires io.worldlink.jetty;
    requires com.google.gson;
    requires info.picocli;
    requires jakarta.servlet;
    requires jakarta.websocket;
    requires java.net.http;
    // The benchmark's stand-in for an OpenAI-compatible model server.
    requires jdk.httpserver;
    // The benchmark's reader of the server's JFR profiles (JfrReport).
    requires jdk.jfr;
    requires org.eclipse.jetty.ee11.servlet;
    requires org.eclipse.jetty.ee11.websocket.jakarta.server;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.util;
    requires org.eclipse.jetty.websocket.core.client;
    requires org.eclipse.jetty.websocket.core.common;

    // picocli sets the annotated option fields of the demo client and the benchmark.
    opens io.worldlink.examples.cli to info.picocli;
    opens io.worldlink.examples.bench to info.picocli;
}
