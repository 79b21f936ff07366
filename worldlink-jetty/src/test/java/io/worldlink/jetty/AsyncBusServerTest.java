package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.FrameQueue;
import io.worldlink.TestBuses;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.client.Reply;
import io.worldlink.client.Turn;
import io.worldlink.client.WorldLinkClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real server whose WorldLink has a bus that delivers on its own thread, late or lossy: the REST chat
 * stream still ends at its turn's idle with each durable event once, in order, and the Java client's turn
 * still completes.
 */
class AsyncBusServerTest {
    @TempDir
    Path root;

    TestBuses.ThreadedBus bus;
    WorldLink link;
    WorldLinkServer server;
    WorldLinkClient client;
    final HttpClient http = HttpClient.newHttpClient();

    void start(String kind) throws Exception {
        bus = kind.equals("late") ? TestBuses.late(Duration.ofMillis(2)) : TestBuses.chaos(7);
        link = WorldLink.builder().dataRoot(TestData.withShippedTemplates(root)).environment(Map.of())
                .offlinePace(Duration.ofMillis(1)).eventBus(bus).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        server.close();
        link.close();
        bus.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"late", "chaos"})
    void restChatStreamEndsAtItsIdleWithEachDurableEventOnceInOrder(String kind) throws Exception {
        start(kind);
        String user = UUID.randomUUID().toString();
        for (String message : List.of("first over http", "second over http")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/api/users/" + user + "/worlds/sse/chat")).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"message\":\"" + message + "\",\"templateName\":\"default-world\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode());
            List<JsonObject> frames = r.body().lines().filter(l -> l.startsWith("data: "))
                    .map(l -> JsonParser.parseString(l.substring(6)).getAsJsonObject()).toList();
            assertEquals("connection-confirmed", FrameQueue.type(frames.get(0)));
            JsonObject last = frames.get(frames.size() - 1);
            assertTrue(FrameQueue.isIdle(last), "the stream ends at the turn's idle: " + last);
            List<Long> seqs = new ArrayList<>();
            frames.stream().filter(f -> FrameQueue.type(f).equals("event-stream") && f.has("seq"))
                    .forEach(f -> seqs.add(f.get("seq").getAsLong()));
            for (int i = 1; i < seqs.size(); i++) {
                assertTrue(seqs.get(i) > seqs.get(i - 1), "once each, in order: " + seqs);
            }
            assertTrue(frames.stream().anyMatch(f -> FrameQueue.type(f).equals("chat-response")));
            assertTrue(frames.stream().anyMatch(f -> FrameQueue.type(f).equals("event-stream")
                    && message.equals(FrameQueue.payloadOf(f).getAsJsonObject("event").getAsJsonObject("payload")
                    .get("content").getAsString())), "its own message");
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"late", "chaos"})
    void theJavaClientsTurnEndsWithEveryReply(String kind) throws Exception {
        start(kind);
        client = WorldLinkClient.builder(server.webSocketUri()).build();
        client.selectWorld("default-world", "demo", UUID.randomUUID().toString()).get(10, TimeUnit.SECONDS);
        for (String question : List.of("How do I learn Java?", "And Go?")) {
            Turn turn = client.chat(question).get(10, TimeUnit.SECONDS);
            assertEquals(List.of("ada", "ben"), turn.replies().stream().map(Reply::agentName).sorted().toList());
            turn.replies().forEach(r -> assertFalse(r.content().isBlank()));
        }
    }
}
