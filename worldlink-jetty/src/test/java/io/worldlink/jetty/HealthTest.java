package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probes: {@code /health/live} while the process serves, {@code /health/ready} while it can also write. */
class HealthTest {
    @TempDir
    Path tmp;

    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> get(WorldLinkServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static JsonObject json(HttpResponse<String> r) {
        assertEquals("application/json;charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    @Test
    void readyWhileTheDataRootTakesWritesAndNotWhenItBecomesAFile() throws Exception {
        Path data = TestData.withShippedTemplates(tmp.resolve("data"));
        try (WorldLink link = WorldLink.builder().dataRoot(data).environment(Map.of()).build();
                WorldLinkServer server = WorldLinkServer.builder(link).port(0).dataRoot(data).build().start()) {
            HttpResponse<String> live = get(server, "/health/live");
            assertEquals(200, live.statusCode());
            assertEquals("ok", json(live).get("status").getAsString());
            HttpResponse<String> ready = get(server, "/health/ready");
            assertEquals(200, ready.statusCode(), ready.body());
            assertEquals("ok", json(ready).get("status").getAsString());
            try (var files = Files.list(data)) {
                assertEquals(0, files.filter(f -> f.getFileName().toString().startsWith(".")).count(),
                        "the probe leaves nothing behind");
            }

            // The data root's folder is replaced by a file: nothing can be written under it any more.
            Path moved = Files.move(data, tmp.resolve("moved"));
            Files.writeString(data, "not a folder");
            HttpResponse<String> notReady = get(server, "/health/ready");
            assertEquals(503, notReady.statusCode());
            JsonObject error = json(notReady);
            assertEquals("NOT_READY", error.get("code").getAsString());
            assertTrue(error.get("error").getAsString().startsWith("The data root takes no writes"), notReady.body());
            assertFalse(notReady.body().contains(tmp.toString()), "no server path is shown");
            assertEquals(200, get(server, "/health/live").statusCode(), "the process still serves");
            assertEquals(200, get(server, "/health").statusCode(), "/health answers as before");

            Files.delete(data);
            Files.move(moved, data);
            assertEquals(200, get(server, "/health/ready").statusCode(), "ready again once it can write");
        }
    }

    @Test
    void notReadyWhenTheDataRootIsUnderAFile() throws Exception {
        Path file = Files.writeString(tmp.resolve("file"), "a regular file");
        Path data = file.resolve("data");
        try (WorldLink link = WorldLink.builder().dataRoot(data).environment(Map.of()).build();
                WorldLinkServer server = WorldLinkServer.builder(link).port(0).dataRoot(data).build().start()) {
            assertEquals(503, get(server, "/health/ready").statusCode());
            assertEquals(200, get(server, "/health/live").statusCode());
        }
    }

    @Test
    void withoutADataRootReadyMeansStartedAndHealthIsAsBefore() throws Exception {
        Path data = TestData.withShippedTemplates(tmp.resolve("data"));
        try (WorldLink link = WorldLink.builder().dataRoot(data).environment(Map.of()).build();
                WorldLinkServer server = WorldLinkServer.builder(link).port(0).build().start()) {
            assertEquals(200, get(server, "/health/ready").statusCode());
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/health/ready")).header("Authorization", "Bearer not-a-token").build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode(), "a probe's token is not its business");
            JsonObject health = json(get(server, "/health"));
            assertEquals("ok", health.get("status").getAsString());
            assertEquals(0, health.get("connections").getAsInt());
            HttpResponse<String> other = get(server, "/health/other");
            assertEquals(404, other.statusCode());
            assertEquals("NOT_FOUND", json(other).get("code").getAsString());
        }
    }
}
