package io.worldlink.jetty;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.ErrorCode;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.WorldLinkException;
import io.worldlink.model.ChatListener;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.Usage;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /metrics} of a real server, scraped over HTTP as Prometheus would, after a scripted session. */
class MetricsTest {
    // Loopback sockets hold a few MiB (the server's send buffer grows to tcp_wmem's maximum, 4 MiB by
    // default) before a client that does not read holds anything up: the floods and the queue's cap are
    // sized well past that, so that the queue fills for certain.
    static final int FIRST_FLOOD = 4_000_000;
    static final int SECOND_FLOOD = 8_000_000;
    static final long QUEUE_CAP = 12_000_000;
    static final int CHUNK = 64 * 1024;

    @TempDir
    Path root;

    WorldLinkMetrics metrics;
    WorldLink link;
    WorldLinkServer server;
    WebSocketContainer container;
    final List<AutoCloseable> clients = new ArrayList<>();
    final HttpClient http = HttpClient.newHttpClient();
    final CountDownLatch waiting = new CountDownLatch(1);

    // "wait": never answers (a client stops it). "flood N": streams N characters, then completes. Anything
    // else: "ok", with the tokens a provider would report.
    final ChatModel scripted = (ChatRequest request, ChatListener listener) -> {
        String said = request.messages().get(request.messages().size() - 1).content();
        if (said.equals("wait")) {
            waiting.countDown();
            return () -> { };
        }
        if (said.startsWith("flood ")) {
            String chunk = "x".repeat(CHUNK);
            for (int left = Integer.parseInt(said.substring(6)); left > 0; left -= CHUNK) {
                listener.onChunk(left >= CHUNK ? chunk : chunk.substring(0, left));
            }
            listener.onComplete(Usage.NONE);
            return () -> { };
        }
        listener.onChunk("ok");
        listener.onComplete(new Usage(12, 3, 15));
        return () -> { };
    };

    final ChatModel failing = (request, listener) -> {
        listener.onError(new WorldLinkException(ErrorCode.MODEL_ERROR, "The flaky model is down."));
        return () -> { };
    };

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        // A template whose one agent calls the failing provider's model "flaky-1".
        Path failingWorld = root.resolve("worlds/failing-world");
        TestData.copyTree(root.resolve("worlds/fast-world"), failingWorld);
        Path agent = failingWorld.resolve("agents/quick/config.json");
        Files.writeString(agent, Files.readString(agent).replace("\"provider\": \"default\"", "\"provider\": \"failing\"")
                .replace("\"model\": \"\"", "\"model\": \"flaky-1\""));
        Path world = failingWorld.resolve("config.json");
        Files.writeString(world, Files.readString(world).replace("fast-world", "failing-world"));

        metrics = WorldLinkMetrics.create();
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).chatModel("scripted", scripted)
                .chatModel("failing", failing).defaultProvider("scripted").anonymousGracePeriod(Duration.ZERO)
                .maxConnectionsPerAddress(2).maxQueuedChars(QUEUE_CAP).metrics(metrics).build();
        server = WorldLinkServer.builder(link).port(0).metrics(metrics).dataRoot(root).build().start();
        container = ContainerProvider.getWebSocketContainer();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : clients) {
            c.close();
        }
        server.close();
        link.close();
        metrics.close();
        LifeCycle.stop(container);
    }

    @Test
    void eachFigureMovesAsTheSessionGoes() throws Exception {
        Scrape before = scrape();
        assertEquals(0, before.value("worldlink_connections_open"));
        assertEquals(0, before.value("worldlink_requests_refused_total", "code", "RATE_LIMITED"),
                "every code's series is there from the start");
        assertEquals(0, before.value("worldlink_connections_closed_total", "reason", "SLOW_CLIENT"));

        // A chat turn, a stopped turn, a refused frame and a turn whose model fails, on one connection.
        String ann = UUID.randomUUID().toString();
        WsClient chat = WsClient.connect(container, server.webSocketUri());
        clients.add(chat);
        chat.select("fast-world", "ann-world", ann);
        chat.expect("connection-confirmed");
        chat.request("chat-send", payload("message", "hello"));
        int received = chat.untilIdle().size() + 1;
        chat.request("chat-send", payload("message", "wait"));
        assertTrue(waiting.await(10, TimeUnit.SECONDS), "the model was called");
        chat.request("chat-stop", new JsonObject());
        received += chat.untilIdle().size();
        chat.sendText("not json");
        assertEquals("INVALID_JSON", code(chat.next()));
        chat.select("failing-world", "ann-flaky-world", ann);
        chat.expect("connection-confirmed");
        chat.request("chat-send", payload("message", "hello"));
        List<JsonObject> failed = chat.untilIdle();
        assertTrue(failed.toString().contains("The flaky model is down."), failed.toString());
        received += 2 + failed.size();

        Scrape s = scrape();
        assertEquals(1, s.value("worldlink_connections_open"));
        assertEquals(1, s.value("worldlink_connections_opened_total"));
        assertEquals(3, s.value("worldlink_turns_started_total"));
        assertEquals(3, s.value("worldlink_turns_ended_total"));
        assertEquals(1, s.value("worldlink_turns_stopped_total"));
        assertEquals(3, s.value("worldlink_turn_duration_seconds_count"));
        assertEquals(3, s.value("worldlink_turn_duration_seconds_bucket", "le", "+Inf"));
        assertEquals(1, s.value("worldlink_model_calls_total", "provider", "scripted", "model", "default",
                "outcome", "COMPLETE"), "an agent that names no model asks its provider's default");
        assertEquals(1, s.value("worldlink_model_calls_total", "provider", "scripted", "model", "default",
                "outcome", "STOPPED"));
        assertEquals(1, s.value("worldlink_model_calls_total", "provider", "failing", "model", "flaky-1",
                "outcome", "ERROR"));
        assertEquals(3, s.value("worldlink_model_calls_total"));
        assertEquals(3, s.value("worldlink_model_call_duration_seconds_count"));
        assertEquals(1, s.value("worldlink_model_first_chunk_seconds_count"), "only the chat turn had a chunk");
        assertEquals(12, s.value("worldlink_model_tokens_total", "type", "input"));
        assertEquals(3, s.value("worldlink_model_tokens_total", "type", "output"));
        assertEquals(1, s.value("worldlink_requests_refused_total", "code", "INVALID_JSON"));
        // One frame in flight at a time: each frame the client has was counted once the next went out.
        assertTrue(s.value("worldlink_frames_sent_total") >= received - 1, s.value("worldlink_frames_sent_total")
                + " frames counted, the client has " + received);
        assertTrue(s.value("worldlink_characters_sent_total") > 20 * s.value("worldlink_frames_sent_total"));
        assertTrue(s.value("worldlink_log_events_total") >= 3, "each turn's message at least");
        assertTrue(s.value("worldlink_log_syncs_total") >= 3);
        assertEquals(s.value("worldlink_log_syncs_total"), s.value("worldlink_log_sync_duration_seconds_count"));
        assertTrue(s.value("worldlink_worlds_loaded") >= 1);

        // A client that stops reading: its frames queue, then it is closed with 1013.
        RawHttp slow = RawHttp.connectWithTinyWindow(server.port());
        clients.add(slow);
        assertEquals(101, slow.upgrade("/ws", null).status());
        String bob = UUID.randomUUID().toString();
        slow.sendText("{\"type\":\"world-select\",\"payload\":{\"templateName\":\"fast-world\",\"worldName\":"
                + "\"bob-world\",\"userId\":\"" + bob + "\"}}");
        assertEquals("connection-confirmed", type(nextMessage(slow)));

        // A third connection from the same address passes the limit of two.
        try (RawHttp third = RawHttp.connect(server.port())) {
            assertEquals(101, third.upgrade("/ws", null).status());
            JsonObject refusal = nextMessage(third);
            assertEquals("connection-error", type(refusal));
            assertEquals("QUOTA_EXCEEDED", payloadOf(refusal).get("code").getAsString());
            assertEquals(1013, closeCode(third));
        }
        s = scrape();
        assertEquals(1, s.value("worldlink_requests_refused_total", "code", "QUOTA_EXCEEDED"));
        assertEquals(1, s.value("worldlink_connections_closed_total", "reason", "QUOTA"));
        assertEquals(3, s.value("worldlink_connections_opened_total"));

        slow.sendText("{\"type\":\"chat-send\",\"payload\":{\"message\":\"flood " + FIRST_FLOOD + "\"}}");
        s = awaitScrape(x -> x.value("worldlink_queued_characters") > 0, "frames queue for a client that does not "
                + "read");
        assertTrue(s.value("worldlink_queued_characters") < QUEUE_CAP);
        slow.sendText("{\"type\":\"chat-send\",\"payload\":{\"message\":\"flood " + SECOND_FLOOD + "\"}}");
        // Read nothing until the server has given up on the client: reading earlier would drain its queue.
        s = awaitScrape(x -> x.value("worldlink_connections_closed_total", "reason", "SLOW_CLIENT") == 1,
                "the client that does not read is closed as slow");
        assertEquals(1013, closeCode(slow));

        chat.close();
        s = awaitScrape(x -> x.value("worldlink_connections_open") == 0 && x.value("worldlink_queued_characters") == 0
                && x.value("worldlink_connections_closed_total", "reason", "NORMAL") == 1, "every connection is gone");
        assertEquals(3, s.value("worldlink_connections_closed_total"));

        assertNoUnboundedLabels(s, List.of(ann, bob, "ann-world", "ann-flaky-world", "bob-world", "127.0.0.1"));
        for (String jvm : List.of("jvm_memory_used_bytes", "jvm_gc_memory_allocated_bytes_total",
                "jvm_threads_live_threads", "system_cpu_count", "process_uptime_seconds", "jvm_classes_loaded_classes")) {
            assertTrue(s.has(jvm), jvm + " is served");
        }
    }

    // The labels of WorldLink's own figures are enums and names from the host's configuration, nothing else.
    static void assertNoUnboundedLabels(Scrape s, List<String> secrets) {
        Set<String> keys = new HashSet<>();
        for (Sample sample : s.samples) {
            for (Map.Entry<String, String> label : sample.labels.entrySet()) {
                for (String secret : secrets) {
                    assertFalse(label.getValue().contains(secret), sample.name + " has " + secret + " in a label");
                }
                if (sample.name.startsWith("worldlink_")) {
                    keys.add(label.getKey());
                }
            }
        }
        assertEquals(Set.of("reason", "code", "provider", "model", "outcome", "type", "le"), keys);
    }

    @Test
    void theTextFormatIsServedOnlyWithMetricsWhoseGaugesReadOneWorldLink() throws Exception {
        HttpResponse<String> r = get(server, "/metrics");
        assertEquals(200, r.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", r.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(r.body().contains("# TYPE worldlink_turn_duration_seconds histogram"), r.body());

        try (WorldLinkServer bare = WorldLinkServer.builder(link).port(0).build().start()) {
            assertEquals(404, get(bare, "/metrics").statusCode());
        }
        assertThrows(IllegalArgumentException.class, () -> WorldLinkServer.builder(link).path("/metrics"));
        try (WorldLink other = WorldLink.builder().dataRoot(root).environment(Map.of()).build()) {
            assertThrows(IllegalStateException.class, () -> metrics.bind(other), "the gauges read one WorldLink");
        }
    }

    @Test
    void theLauncherServesMetricsAndReadiness() throws Exception {
        LauncherProcess launcher = LauncherProcess.start(TestData.withShippedTemplates(root.resolve("launched")));
        try {
            String base = "http://127.0.0.1:" + launcher.webSocketUri.getPort();
            HttpResponse<String> m = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, m.statusCode());
            Scrape s = Scrape.parse(m.body());
            assertEquals(0, s.value("worldlink_connections_open"));
            assertTrue(s.has("jvm_memory_used_bytes"));
            assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode());
        } finally {
            launcher.close();
        }
    }

    // ---- the client side ----

    HttpResponse<String> get(WorldLinkServer s, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    Scrape scrape() throws Exception {
        HttpResponse<String> r = get(server, "/metrics");
        assertEquals(200, r.statusCode());
        return Scrape.parse(r.body());
    }

    // For figures that change on the server's threads after what the client can see.
    Scrape awaitScrape(Predicate<Scrape> until, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Scrape s = scrape();
        while (!until.test(s)) {
            assertTrue(System.nanoTime() < deadline, what + "; the last scrape:\n" + s.text);
            s = scrape();
        }
        return s;
    }

    // The next text message, past pings and whatever else is not text.
    static JsonObject nextMessage(RawHttp c) throws IOException {
        while (true) {
            RawHttp.Frame f = c.readFrame();
            if (f.opcode() == 1) {
                return JsonParser.parseString(f.text()).getAsJsonObject();
            }
        }
    }

    static int closeCode(RawHttp c) throws IOException {
        while (true) {
            RawHttp.Frame f = c.readFrame();
            if (f.opcode() == 8) {
                return f.closeCode();
            }
        }
    }

    /** One line of the text format: a name, its labels and a value. */
    record Sample(String name, Map<String, String> labels, double value) {}

    /** A scrape in Prometheus' text format, parsed. */
    record Scrape(String text, List<Sample> samples) {
        private static final Pattern LINE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)\\})? (\\S+)");
        private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

        static Scrape parse(String text) {
            List<Sample> samples = new ArrayList<>();
            for (String line : text.split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                Matcher m = LINE.matcher(line);
                assertTrue(m.matches(), "not a sample of the text format: " + line);
                Map<String, String> labels = new HashMap<>();
                if (m.group(2) != null) {
                    Matcher l = LABEL.matcher(m.group(2));
                    int end = 0;
                    while (l.find() && l.start() == end) {
                        labels.put(l.group(1), l.group(2));
                        end = l.end();
                    }
                    assertEquals(m.group(2).length(), end, "labels that do not parse: " + line);
                }
                samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
            }
            return new Scrape(text, samples);
        }

        boolean has(String name) {
            return samples.stream().anyMatch(s -> s.name.equals(name));
        }

        /** @return the sum of the samples of that name whose labels include these (name, value, ...) */
        double value(String name, String... labels) {
            assertTrue(has(name), name + " is not in the scrape:\n" + text);
            return samples.stream().filter(s -> s.name.equals(name)).filter(s -> {
                for (int i = 0; i < labels.length; i += 2) {
                    if (!labels[i + 1].equals(s.labels.get(labels[i]))) {
                        return false;
                    }
                }
                return true;
            }).mapToDouble(Sample::value).sum();
        }
    }
}
