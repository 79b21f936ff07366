package io.worldlink.jetty;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.FrameQueue;
import io.worldlink.TestData;
import io.worldlink.client.Reply;
import io.worldlink.client.ReplyListener;
import io.worldlink.client.Turn;
import io.worldlink.client.WorldLinkClient;
import java.util.concurrent.TimeUnit;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real launcher process killed with SIGKILL in the middle of a turn: no event a client was shown is
 * lost, and after the restart the turn is finished as if nothing had happened (each triggered agent
 * answers once, one idle, the memories an uninterrupted turn leaves).
 */
class CrashTest {
    static final String PACE = "15";

    @TempDir
    Path data;

    WebSocketContainer container;
    LauncherProcess server;

    @BeforeEach
    void setUp() throws Exception {
        TestData.withShippedTemplates(data);
        // A debate whose moderator reaches its turn limit halfway.
        TestData.copyTree(data.resolve("worlds/extended-world"), data.resolve("worlds/short-debate"));
        Path config = data.resolve("worlds/short-debate/config.json");
        Files.writeString(config, Files.readString(config).replace("\"turnLimit\": 8", "\"turnLimit\": 3")
                .replace("\"extended-world\"", "\"short-debate\""));
        container = ContainerProvider.getWebSocketContainer();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        LifeCycle.stop(container);
    }

    private LauncherProcess start() throws Exception {
        return LauncherProcess.start(data, "--insecure-trust-user-ids", "--offline-pace-ms", PACE);
    }

    @Test
    void aKilledServerLosesNoEventAClientWasShown() throws Exception {
        server = start();
        Map<Long, String> shown = new TreeMap<>();
        try (WsClient c = enter("default-world", "w", -1, null)) {
            c.request("chat-send", payload("message", "first turn"));
            c.untilIdle().forEach(f -> record(shown, f));
            c.request("chat-send", payload("message", "second turn, cut short"));
            c.until(f -> record(shown, f) && type(f).equals("event-stream") && shown.size() >= 6);
            server.kill();
        }

        server = start();
        try (WsClient c = enter("default-world", "w", 0, null)) {
            // The replay, then the cut turn taken up again: two turns, two idles.
            Map<Long, String> replayed = new TreeMap<>();
            c.untilIdle().forEach(f -> record(replayed, f));
            c.untilIdle().forEach(f -> record(replayed, f));
            shown.forEach((seq, event) -> assertEquals(event, replayed.get(seq), "seq " + seq));
        }
    }

    @Test
    void aTurnWithOneReplyDoneAndOneStreamingIsFinishedAfterTheRestart() throws Exception {
        crashAndCompare("default-world", "How do I learn Java?", true, agentMessages -> agentMessages >= 1);
    }

    @Test
    void aChainOfAgentsCutInTheMiddleGoesOnWhereItStopped() throws Exception {
        List<String> senders = crashAndCompare("extended-world", "@moderator Remote work beats the office", false,
                agentMessages -> agentMessages >= 3);
        assertEquals(List.of("HUMAN", "moderator", "pro", "moderator", "con", "moderator", "pro", "moderator", "con",
                "moderator"), senders);
    }

    @Test
    void aTurnCutAtItsTurnLimitEndsWithOneNotice() throws Exception {
        List<String> senders = crashAndCompare("short-debate", "@moderator Cities should ban cars", false,
                agentMessages -> agentMessages >= 4);
        assertEquals(1, senders.stream().filter(s -> s.equals("moderator (turn limit)")).count(), senders.toString());
    }

    @Test
    void theJavaClientShowsATakenUpReplyInPlaceOfTheHalfWrittenOne() throws Exception {
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String[] options = {"--insecure-trust-user-ids", "--offline-pace-ms", "30", "--port", String.valueOf(port)};
        server = LauncherProcess.start(data, options);
        Map<String, StringBuilder> shown = new java.util.concurrent.ConcurrentHashMap<>();
        java.util.concurrent.CompletableFuture<Void> streaming = new java.util.concurrent.CompletableFuture<>();
        ReplyListener screen = new ReplyListener() {
            @Override
            public void onText(String agentName, String text) {
                shown.computeIfAbsent(agentName, a -> new StringBuilder()).append(text);
                streaming.complete(null);
            }

            @Override
            public void onRestart(String agentName) {
                shown.get(agentName).setLength(0);
            }
        };
        try (WorldLinkClient client = WorldLinkClient.builder(server.webSocketUri)
                .backoff(java.time.Duration.ofMillis(50), java.time.Duration.ofMillis(500)).build()) {
            client.selectWorld("default-world", "java", "ann").get(30, TimeUnit.SECONDS);
            java.util.concurrent.CompletableFuture<Turn> turn = client.chat("How do I learn Java?", screen);
            streaming.get(30, TimeUnit.SECONDS);
            server.kill();
            server = LauncherProcess.start(data, options);

            Turn done = turn.get(60, TimeUnit.SECONDS);
            assertEquals(List.of("ada", "ben"), done.replies().stream().map(Reply::agentName).sorted().toList());
            for (Reply r : done.replies()) {
                assertEquals(r.content(), shown.get(r.agentName()).toString().strip(),
                        "what the screen shows of " + r.agentName() + " is the whole reply, once");
            }
        }
    }

    /**
     * Chats in a world, kills the server once the client has seen enough of the turn, starts it again,
     * lets the client come back, and checks the turn against the same turn run without a crash.
     *
     * @param parallel whether the agents answer the message side by side: their replies are then logged in
     *     the order they end, which two runs need not share
     * @return the senders of the turn's messages, in order
     */
    private List<String> crashAndCompare(String template, String message, boolean parallel,
            Predicate<Integer> killWhen) throws Exception {
        server = start();
        long seenSeq;
        String epoch;
        try (WsClient c = WsClient.connect(container, server.webSocketUri)) {
            c.request("world-select", payload("templateName", template, "worldName", "crashed", "userId", "ann"));
            epoch = payloadOf(c.expect("connection-confirmed")).get("worldEpoch").getAsString();
            c.request("chat-send", payload("message", message));
            int[] agentMessages = {0};
            long[] seq = {0};
            c.until(f -> {
                if (f.has("seq")) {
                    seq[0] = f.get("seq").getAsLong();
                }
                if (isAgentMessage(f)) {
                    agentMessages[0]++;
                }
                return killWhen.test(agentMessages[0]);
            });
            seenSeq = seq[0];
            server.kill();
        }
        int loggedAtCrash = turn("crashed", false).size();

        server = start();
        List<JsonObject> rest;
        try (WsClient c = enter(template, "crashed", seenSeq, epoch)) {
            rest = c.untilIdle();
        }
        try (WsClient control = enter(template, "control", -1, null)) {
            control.request("chat-send", payload("message", message));
            control.untilIdle();
        }
        server.stop();

        List<String> crashed = turn("crashed", true);
        List<String> control = turn("control", true);
        assertEquals(parallel ? control.stream().sorted().toList() : control,
                parallel ? crashed.stream().sorted().toList() : crashed, "the log holds the turn an uninterrupted run "
                + "logs: " + crashed + ", " + control);
        assertTrue(loggedAtCrash < crashed.size(), "the crash cut the turn short: " + loggedAtCrash + " of " + crashed);
        for (String agent : agents(template)) {
            assertEquals(memory("control", agent), memory("crashed", agent), agent + "'s memory");
        }
        assertTrue(rest.stream().anyMatch(FrameQueue::isIdle), "the client that came back saw the turn end");
        return crashed;
    }

    private WsClient enter(String template, String world, long lastSeq, String epoch) throws Exception {
        WsClient c = WsClient.connect(container, server.webSocketUri);
        JsonObject p = payload("templateName", template, "worldName", world, "userId", "ann");
        if (lastSeq >= 0) {
            p.addProperty("lastSeq", lastSeq);
        }
        if (epoch != null) {
            p.addProperty("worldEpoch", epoch);
        }
        c.request("world-select", p);
        c.expect("connection-confirmed");
        return c;
    }

    private static boolean isAgentMessage(JsonObject f) {
        if (!type(f).equals("event-stream")) {
            return false;
        }
        JsonObject e = payloadOf(f).getAsJsonObject("event");
        return e.get("type").getAsString().equals("message") && e.get("senderType").getAsString().equals("agent");
    }

    // The world's messages as its log holds them: sender and text, without ids and times; and one line for
    // each idle, so that a turn ended twice shows.
    private List<String> turn(String world, boolean ended) throws Exception {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(data.resolve("users/ann/worlds/" + world + "/events.jsonl"))) {
            JsonObject e = JsonParser.parseString(line).getAsJsonObject();
            JsonObject p = e.getAsJsonObject("payload");
            if (e.get("type").getAsString().equals("message")) {
                out.add(e.get("sender").getAsString() + (p.has("turnLimit") ? " (turn limit)" : ""));
            } else if (p.has("action") && p.get("action").getAsString().equals("idle")) {
                out.add("idle");
            }
        }
        assertEquals(ended ? 1 : 0, out.stream().filter(s -> s.equals("idle")).count(), "idles: " + out);
        out.remove("idle");
        return out;
    }

    private List<String> memory(String world, String agent) throws Exception {
        List<String> out = new ArrayList<>();
        JsonArray memory = JsonParser.parseString(Files.readString(data.resolve("users/ann/worlds/" + world
                + "/agents/" + agent + "/memory.json"))).getAsJsonArray();
        for (JsonElement m : memory) {
            JsonObject o = m.getAsJsonObject();
            out.add(o.get("role").getAsString() + " " + o.get("sender").getAsString() + ": "
                    + o.get("content").getAsString());
        }
        return out;
    }

    private List<String> agents(String template) throws Exception {
        try (Stream<Path> s = Files.list(data.resolve("worlds/" + template + "/agents"))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // Keeps what a durable frame showed: its event, by seq.
    private static boolean record(Map<Long, String> shown, JsonObject frame) {
        if (frame.has("seq") && type(frame).equals("event-stream")) {
            JsonObject event = payloadOf(frame).getAsJsonObject("event");
            shown.put(frame.get("seq").getAsLong(), event.get("id").getAsString() + " " + event.get("payload"));
        }
        return true;
    }
}
