package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every response looks like, Jetty's own errors included, for requests sent byte for byte as a
 * client library never would: no echo of a request, no framing, no sniffing, no version, and errors
 * under {@code /api} and {@code /health} in the API's JSON.
 */
class HttpHygieneTest {
    static final String USER = "00000000-0000-4000-8000-000000000000";

    @TempDir
    Path root;

    WorldLink link;
    WorldLinkServer server;

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
        link.close();
    }

    /** Sends a request line and headers, and the empty line that ends them. */
    RawHttp.Response send(String head) throws Exception {
        return RawHttp.exchange(server.port(), head + "\r\n");
    }

    RawHttp.Response get(String target) throws Exception {
        return send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    }

    RawHttp.Response chat(String contentType, String body) throws Exception {
        return RawHttp.exchange(server.port(), "POST /api/users/" + USER + "/worlds/w/chat HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\nContent-Type: " + contentType + "\r\nContent-Length: " + body.length()
                + "\r\nConnection: close\r\n\r\n" + body);
    }

    static JsonObject json(RawHttp.Response r) {
        assertTrue(r.header("Content-Type").startsWith("application/json"), r.headers().toString());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    static void assertApiError(RawHttp.Response r, int status, String code) {
        assertEquals(status, r.status(), r.body());
        JsonObject o = json(r);
        assertEquals(code, o.get("code").getAsString(), r.body());
        assertFalse(o.get("error").getAsString().isBlank());
        assertEquals(2, o.size(), "only error and code: " + r.body());
        assertNothingLeaks(r);
    }

    static void assertNothingLeaks(RawHttp.Response r) {
        String all = (r.headers() + r.body()).toLowerCase(Locale.ROOT);
        assertFalse(all.contains("jetty"), "the server's software shows: " + r);
        assertFalse(all.contains("<html"), "an HTML error page: " + r);
        assertFalse(all.contains("exception") || all.contains("\tat "), "a stack trace: " + r);
    }

    static void assertSecured(RawHttp.Response r) {
        assertEquals("nosniff", r.header("X-Content-Type-Options"), r.toString());
        assertEquals("DENY", r.header("X-Frame-Options"), r.toString());
        assertEquals("no-referrer", r.header("Referrer-Policy"), r.toString());
        assertTrue(r.header("Content-Security-Policy").contains("frame-ancestors 'none'"), r.toString());
        assertNull(r.header("Server"), r.toString());
        assertFalse(r.headers().toString().toLowerCase(Locale.ROOT).contains("jetty"), r.headers().toString());
    }

    @Test
    void traceIsRefusedAndNeverEchoesTheRequest() throws Exception {
        for (String target : List.of("/", "/api/templates", "/health", "/ws")) {
            RawHttp.Response r = send("TRACE " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Cookie: session=secret-cookie\r\nAuthorization: Bearer secret-token\r\nConnection: close\r\n");

            assertEquals(405, r.status(), target);
            assertEquals(target.startsWith("/api/") ? "GET, HEAD, POST, PATCH, DELETE" : "GET, HEAD, POST",
                    r.header("Allow"), target);
            assertFalse(r.body().contains("secret"), "the request came back: " + r.body());
            assertFalse(r.header("Content-Type").startsWith("message/http"), target);
            assertSecured(r);
            assertNothingLeaks(r);
        }
        assertApiError(send("TRACE /api/templates HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"), 405,
                "METHOD_NOT_ALLOWED");
    }

    @Test
    void otherMethodsTheServerDoesNotServeAre405() throws Exception {
        for (String method : List.of("OPTIONS", "PUT", "PROPFIND", "FOO")) {
            RawHttp.Response r = send(method + " /api/templates HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n");
            assertApiError(r, 405, "METHOD_NOT_ALLOWED");
            assertEquals("GET, HEAD, POST, PATCH, DELETE", r.header("Allow"), method);
            assertSecured(r);
        }
        // The API changes and deletes worlds and agents; a path that takes neither says what it takes.
        for (String method : List.of("DELETE", "PATCH")) {
            RawHttp.Response r = send(method + " /api/templates HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n");
            assertApiError(r, 405, "METHOD_NOT_ALLOWED");
            assertEquals("GET, HEAD", r.header("Allow"), method);
            assertSecured(r);
            RawHttp.Response page = send(method + " / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n");
            assertEquals(405, page.status(), method);
            assertEquals("GET, HEAD, POST", page.header("Allow"), "only the API takes " + method);
            assertSecured(page);
        }
    }

    @Test
    void everyResponseForbidsFramingAndSniffingAndNamesNoServer() throws Exception {
        RawHttp.Response page = get("/");
        assertEquals(200, page.status());
        assertSecured(page);
        String csp = page.header("Content-Security-Policy");
        assertTrue(csp.startsWith("default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
                + "connect-src 'self' ws: wss:"), "the page keeps its own policy: " + csp);

        for (String target : List.of("/api/templates", "/health", "/api/templates/default-world/agents")) {
            RawHttp.Response r = get(target);
            assertEquals(200, r.status(), target);
            assertSecured(r);
        }
        for (String target : List.of("/api/nothing", "/nothing", "/api/%2e%2e/x", "/ws")) {
            assertSecured(get(target));
        }
        RawHttp.Response chat = chat("application/json", "{\"message\":\"hi\",\"templateName\":\"fast-world\"}");
        assertEquals(200, chat.status());
        assertSecured(chat);
    }

    @Test
    void ambiguousPathsUnderTheApiAreRefusedInTheApisJson() throws Exception {
        for (String target : List.of("/api/users/x/worlds/%2e%2e/export", "/api/%2e%2e/x", "/api/users/%2E%2E/worlds",
                "/api/templates/..%2F..%2Fetc/agents", "/health/%2e%2e/api")) {
            RawHttp.Response r = get(target);
            assertApiError(r, 400, "BAD_REQUEST");
            assertSecured(r);
        }
    }

    @Test
    void aRequestJettyCannotParseGetsTheApisJson() throws Exception {
        RawHttp.Response line = send("GET /api/templates\u0001 HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        assertApiError(line, 400, "BAD_REQUEST");
        assertSecured(line);
        assertApiError(send("GARBAGE\r\n"), 400, "BAD_REQUEST");
        assertApiError(send("GET /api/templates HTTP/7.1\r\nHost: 127.0.0.1\r\n"), 505, "BAD_REQUEST");

        RawHttp.Response header = send("GET /api/templates HTTP/1.1\r\nHost: 127.0.0.1\r\nNot A Header\r\n");
        assertApiError(header, 400, "BAD_REQUEST");
        assertTrue(json(header).get("error").getAsString().startsWith("The request is malformed ("), header.body());
        assertApiError(send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: many\r\n"), 400, "BAD_REQUEST");
        assertApiError(send("GET /api/templates HTTP/1.1\r\n"), 400, "BAD_REQUEST");
    }

    @Test
    void notFoundIsTheApisJsonUnderTheApiAndOneLineOfTextElsewhere() throws Exception {
        assertApiError(get("/api/nothing"), 404, "NOT_FOUND");
        assertApiError(get("/health/more"), 404, "NOT_FOUND");
        assertApiError(get("/api"), 404, "NOT_FOUND");

        RawHttp.Response elsewhere = get("/nothing/here");
        assertEquals(404, elsewhere.status());
        assertTrue(elsewhere.header("Content-Type").startsWith("text/plain"), elsewhere.headers().toString());
        assertEquals("There is no GET /nothing/here.\n", elsewhere.body());
        assertSecured(elsewhere);
        assertNothingLeaks(elsewhere);
    }

    @Test
    void aBodyInACharacterSetTheServerDoesNotKnowIsABadRequest() throws Exception {
        RawHttp.Response r = chat("application/json; charset=klingon", "{}");
        assertApiError(r, 400, "INVALID_MESSAGE");
        assertEquals("The body's character set \"klingon\" is not one this server knows; send the JSON as UTF-8.",
                json(r).get("error").getAsString());
    }
}
