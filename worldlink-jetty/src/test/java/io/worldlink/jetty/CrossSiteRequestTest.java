package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A page of another site must not use the visitor's browser against the server: its WebSocket upgrades
 * and its POSTs are refused with 403, while the server's own pages and clients that are not browsers go on.
 */
class CrossSiteRequestTest {
    static final String EVIL = "http://evil.example";

    @TempDir
    Path root;

    WorldLink link;
    WorldLinkServer server;
    Server embedding;
    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .anonymousGracePeriod(Duration.ZERO).build();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        if (embedding != null) {
            embedding.stop();
        }
        link.close();
    }

    WorldLinkServer serve(WorldLinkServer.Builder b) throws Exception {
        server = b.port(0).build().start();
        return server;
    }

    String own() {
        return "http://127.0.0.1:" + server.port();
    }

    static JsonObject json(String body) {
        return JsonParser.parseString(body).getAsJsonObject();
    }

    RawHttp.Response upgrade(int port, String path, String origin) throws IOException {
        try (RawHttp c = RawHttp.connect(port)) {
            return c.upgrade(path, origin);
        }
    }

    HttpResponse<String> chat(String user, String origin) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(own() + "/api/users/" + user + "/worlds/w/chat"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"message\":\"hi\",\"templateName\":\"fast-world\"}"));
        if (origin != null) {
            b.header("Origin", origin);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aWebSocketUpgradeFromAnotherSiteIsRefusedWith403() throws Exception {
        serve(WorldLinkServer.builder(link));

        RawHttp.Response r = upgrade(server.port(), "/ws", EVIL);

        assertEquals(403, r.status());
        assertEquals("FORBIDDEN", json(r.body()).get("code").getAsString());
        assertTrue(json(r.body()).get("error").getAsString().contains("http://evil.example"), r.body());
        assertEquals(0, server.sessionCount());
    }

    @Test
    void theServersOwnPagesAndClientsThatAreNotBrowsersMayUpgrade() throws Exception {
        serve(WorldLinkServer.builder(link));

        assertEquals(101, upgrade(server.port(), "/ws", own()).status());
        assertEquals(101, upgrade(server.port(), "/ws", null).status());
        assertEquals(403, upgrade(server.port(), "/ws", "https://127.0.0.1:" + server.port()).status(),
                "another scheme is another origin");
        assertEquals(403, upgrade(server.port(), "/ws", "http://localhost:" + server.port()).status(),
                "another host name is another origin");
        assertEquals(403, upgrade(server.port(), "/ws", "null").status(), "a sandboxed page");
    }

    @Test
    void aCrossSiteTextPlainPostRunsNoTurn() throws Exception {
        serve(WorldLinkServer.builder(link));
        String user = UUID.randomUUID().toString();

        HttpResponse<String> refused = chat(user, EVIL);

        assertEquals(403, refused.statusCode());
        assertEquals("FORBIDDEN", json(refused.body()).get("code").getAsString());
        assertFalse(Files.exists(root.resolve("users").resolve(user)), "no world was made, no turn ran");
        assertEquals(0, link.stats().connections());
        assertEquals(200, chat(user, own()).statusCode(), "the server's own page may chat");
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(own() + "/api/templates"))
                .header("Origin", EVIL).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
                "reads are not refused: a foreign page cannot see their answers anyway");
    }

    @Test
    void aCrossSiteRequestWithAMethodTheServerDoesNotServeIsRefusedAsCrossSite() throws Exception {
        serve(WorldLinkServer.builder(link));
        for (String method : List.of("PUT", "PATCH", "DELETE")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(own() + "/api/users/u/worlds/w"))
                    .header("Origin", EVIL).method(method, HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, r.statusCode(), method);
            assertEquals("FORBIDDEN", json(r.body()).get("code").getAsString(), method);
        }
    }

    @Test
    void configuredOriginsAreAllowedAsBrowsersWriteThem() throws Exception {
        serve(WorldLinkServer.builder(link).allowedOrigins(List.of("https://chat.example.com",
                "http://localhost:3000/")));

        assertEquals(101, upgrade(server.port(), "/ws", "https://chat.example.com").status());
        assertEquals(101, upgrade(server.port(), "/ws", "HTTPS://Chat.Example.com:443").status());
        assertEquals(101, upgrade(server.port(), "/ws", "http://localhost:3000").status());
        assertEquals(101, upgrade(server.port(), "/ws", own()).status(), "the server's own origin stays allowed");
        assertEquals(403, upgrade(server.port(), "/ws", "http://localhost:3001").status());
        assertEquals(403, upgrade(server.port(), "/ws", EVIL).status());
        assertEquals(403, chat(UUID.randomUUID().toString(), EVIL).statusCode());
        assertEquals(200, chat(UUID.randomUUID().toString(), "https://chat.example.com").statusCode());
    }

    @Test
    void theWildcardAllowsEveryOrigin() throws Exception {
        serve(WorldLinkServer.builder(link).allowedOrigins(List.of("*")));

        assertEquals(101, upgrade(server.port(), "/ws", EVIL).status());
        assertEquals(200, chat(UUID.randomUUID().toString(), EVIL).statusCode());
    }

    @Test
    void anOriginSettingThatIsNoOriginSaysWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorldLinkServer.builder(link).allowedOrigins(List.of("https://ok.example", "chat.example.com/app")));
        assertEquals("\"chat.example.com/app\" is not an origin: write the scheme, host and port the browser shows, "
                + "such as https://chat.example.com or http://localhost:3000 (no path), or * for every origin.",
                e.getMessage());
    }

    /** The application's own servlet, next to WorldLink's WebSocket. */
    static final class Hello extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.getWriter().write("hello");
        }
    }

    @Test
    void anEmbeddedEndpointRefusesOtherSitesAndLeavesTheApplicationsServletsAlone() throws Exception {
        embedding = new Server();
        ServerConnector connector = new ServerConnector(embedding);
        connector.setPort(0);
        embedding.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.addServlet(new ServletHolder(new Hello()), "/hello");
        WorldLinkWebSocket.install(context, link, "/chat", 64 * 1024, Duration.ofMinutes(1));
        embedding.setHandler(context);
        embedding.start();
        int port = connector.getLocalPort();

        assertEquals(403, upgrade(port, "/chat", EVIL).status());
        assertEquals(101, upgrade(port, "/chat", "http://127.0.0.1:" + port).status());
        assertEquals(101, upgrade(port, "/chat", null).status());
        HttpResponse<String> hello = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
                .header("Origin", EVIL).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals("hello", hello.body(), "the application decides for its own servlets");

        embedding.stop();
        embedding.start();
        port = connector.getLocalPort();
        assertEquals(403, upgrade(port, "/chat", EVIL).status(), "still guarded after a restart");
        assertEquals(101, upgrade(port, "/chat", null).status());
    }

    @Test
    void anEmbedderMayAllowOrigins() throws Exception {
        embedding = new Server();
        ServerConnector connector = new ServerConnector(embedding);
        connector.setPort(0);
        embedding.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        WorldLinkWebSocket.install(context, link, "/chat", 64 * 1024, Duration.ofMinutes(1),
                List.of("https://app.example.com"));
        embedding.setHandler(context);
        embedding.start();
        int port = connector.getLocalPort();

        assertEquals(101, upgrade(port, "/chat", "https://app.example.com").status());
        assertEquals(403, upgrade(port, "/chat", EVIL).status());
    }
}
