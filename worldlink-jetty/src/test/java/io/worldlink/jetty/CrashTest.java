package io.worldlink.jetty;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.worldlink.TestData;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real launcher process killed with SIGKILL loses no event that a client was shown. */
class CrashTest {
    @TempDir
    Path data;

    WebSocketContainer container;
    LauncherProcess server;

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(data);
        container = ContainerProvider.getWebSocketContainer();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (server != null) {
            server.close();
        }
        LifeCycle.stop(container);
    }

    @Test
    void aKilledServerLosesNoEventAClientWasShown() throws Exception {
        server = LauncherProcess.start(data, "--insecure-trust-user-ids", "--offline-pace-ms", "5");
        Map<Long, String> shown = new TreeMap<>();
        try (WsClient c = WsClient.connect(container, server.webSocketUri)) {
            c.request("world-select", payload("templateName", "default-world", "worldName", "w", "userId", "ann"));
            c.expect("connection-confirmed");
            c.request("chat-send", payload("message", "first turn"));
            c.untilIdle().forEach(f -> record(shown, f));
            c.request("chat-send", payload("message", "second turn, cut short"));
            // Killed while the second turn streams: what was shown by then must all come back.
            c.until(f -> record(shown, f) && type(f).equals("event-stream") && shown.size() >= 6);
            server.kill();
        }
        assertTrue(shown.size() >= 6, shown.toString());

        server = LauncherProcess.start(data, "--insecure-trust-user-ids", "--offline-pace-ms", "5");
        try (WsClient c = WsClient.connect(container, server.webSocketUri)) {
            c.request("world-select", payload("worldName", "w", "userId", "ann", "lastSeq", 0));
            long newest = payloadOf(c.expect("connection-confirmed")).get("lastSeq").getAsLong();
            Map<Long, String> replayed = new TreeMap<>();
            while (replayed.size() < newest) {
                record(replayed, c.next());
            }
            shown.forEach((seq, event) -> assertEquals(event, replayed.get(seq), "seq " + seq));
            c.request("chat-send", payload("message", "after the crash"));
            JsonObject echo = c.expect("event-stream");
            assertEquals(newest + 1, echo.get("seq").getAsLong(), "seq goes on where the log left off");
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
