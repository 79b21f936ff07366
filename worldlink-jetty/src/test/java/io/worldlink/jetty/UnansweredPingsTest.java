package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.worldlink.FrameQueue;
import io.worldlink.TestData;
import io.worldlink.WatchedStorage;
import io.worldlink.WorldLink;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A client that stops answering pings is closed; the server's pings alone must not keep it open. */
class UnansweredPingsTest {
    @TempDir
    Path root;

    WatchedStorage storage;
    WorldLink link;
    WorldLinkServer server;
    WebSocketContainer container;

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        storage = new WatchedStorage(root);
        link = WorldLink.builder().dataRoot(root).storage(storage).environment(Map.of()).offlinePace(Duration.ZERO)
                .anonymousGracePeriod(Duration.ZERO).build();
        server = WorldLinkServer.builder(link).port(0).pingInterval(Duration.ofMillis(100))
                .pongTimeout(Duration.ofMillis(400)).build().start();
        container = ContainerProvider.getWebSocketContainer();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        link.close();
        LifeCycle.stop(container);
    }

    @Test
    void aClientThatNeverAnswersPingsIsClosedAndReleasedWhileOneThatAnswersStays() throws Exception {
        WsClient answering = WsClient.connect(container, server.webSocketUri());
        String user = UUID.randomUUID().toString();
        try (RawHttp silent = RawHttp.connect(server.port())) {
            assertEquals(101, silent.upgrade("/ws", null).status());
            silent.sendText("{\"type\":\"world-select\",\"payload\":{\"templateName\":\"fast-world\",\"worldName\":\"w\","
                    + "\"userId\":\"" + user + "\"}}");

            int pings = 0;
            long giveUp = System.nanoTime() + Duration.ofSeconds(FrameQueue.WAIT_SECONDS).toNanos();
            RawHttp.Frame frame;
            // Reads what comes and never answers.
            while ((frame = silent.readFrame()).opcode() != 8) {
                pings += frame.opcode() == 9 ? 1 : 0;
                assertTrue(System.nanoTime() < giveUp, "still open after " + pings + " unanswered pings");
            }

            assertTrue(pings >= 1, "the server pinged before giving up");
            assertEquals(1008, frame.closeCode());
            assertTrue(frame.text().startsWith("No answer to pings for "), frame.text());
        }
        assertEquals(user, storage.awaitDeleted().value(), "the silent client's connection was released");

        answering.request("ping", new JsonObject());
        assertEquals("pong", FrameQueue.type(answering.next()), "a client that answers pings is still served");
        assertEquals(1, server.sessionCount());
        answering.close();
    }

    @Test
    void thePongTimeoutMustBeLongerThanThePingInterval() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> WorldLinkServer.builder(link)
                .pingInterval(Duration.ofSeconds(20)).pongTimeout(Duration.ofSeconds(20)).build());
        assertEquals("The pong timeout (20000 ms) must be longer than the ping interval (20000 ms): a client can "
                + "answer a ping only after it was sent.", e.getMessage());
    }
}
