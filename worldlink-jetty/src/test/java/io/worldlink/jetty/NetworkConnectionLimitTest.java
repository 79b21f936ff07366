package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.worldlink.TestData;
import io.worldlink.WorldLink;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's limit of sockets, before any WebSocket upgrade: connections that hold a socket and send
 * nothing more cannot make the server hold more of them than the limit.
 */
class NetworkConnectionLimitTest {
    static final String HEALTH = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    @TempDir
    Path root;

    WorldLink link;
    WorldLinkServer server;

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO).build();
        server = WorldLinkServer.builder(link).port(0).maxNetworkConnections(2).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
        link.close();
    }

    @Test
    void pastTheLimitAConnectionWaitsUntilAnotherCloses() throws Exception {
        try (RawHttp first = RawHttp.connect(server.port()); RawHttp second = RawHttp.connect(server.port());
                RawHttp third = RawHttp.connect(server.port())) {
            // Two connections the server has taken (each answered once), kept open and silent.
            first.send(HEALTH);
            assertEquals(200, first.readResponse().status());
            second.send(HEALTH);
            assertEquals(200, second.readResponse().status());

            third.send(HEALTH);
            third.socket.setSoTimeout(1_000);
            assertThrows(SocketTimeoutException.class, third::readResponse,
                    "a third connection is not taken while two are open");

            first.close();
            third.socket.setSoTimeout(RawHttp.TIMEOUT_MILLIS);
            assertEquals(200, third.readResponse().status(), "it is taken once one of them closes");
        }
    }

    @Test
    void theLimitIsAtLeastOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WorldLinkServer.builder(link).maxNetworkConnections(0));
        assertEquals("The network connection limit must be at least 1, was 0.", e.getMessage());
    }
}
