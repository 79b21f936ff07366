package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.worldlink.Connection;
import io.worldlink.Transport;
import io.worldlink.WorldLink;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each transport says which address its client comes from, so that WorldLink can limit connections per
 * address; a forwarding header does not change it (any client can send one).
 */
class ClientAddressTest {
    final WorldLink link = mock(WorldLink.class);
    final BlockingQueue<Transport> connected = new LinkedBlockingQueue<>();
    WorldLinkServer server;

    @BeforeEach
    void start() throws Exception {
        when(link.worlds(any(), any())).thenReturn(List.of());
        when(link.connect(any(), any())).thenAnswer(inv -> {
            connected.add(inv.getArgument(0));
            return mock(Connection.class);
        });
        server = WorldLinkServer.builder(link).port(0).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    Transport awaitTransport() throws InterruptedException {
        Transport t = connected.poll(10, TimeUnit.SECONDS);
        assertNotNull(t, "no connection reached WorldLink");
        return t;
    }

    @Test
    void aWebSocketClientOnLoopbackComesFrom127001() throws Exception {
        try (RawHttp client = RawHttp.connect(server.port())) {
            client.send("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "X-Forwarded-For: 203.0.113.7\r\nForwarded: for=203.0.113.7\r\n\r\n");
            assertEquals(101, client.readResponse().status());

            assertEquals("127.0.0.1", awaitTransport().remoteAddress());
        }
    }

    @Test
    void aRestChatClientOnLoopbackComesFrom127001() throws Exception {
        String body = "{\"message\":\"hi\"}";
        try (RawHttp client = RawHttp.connect(server.port())) {
            client.send("POST /api/users/00000000-0000-4000-8000-000000000000/worlds/w/chat HTTP/1.1\r\n"
                    + "Host: 127.0.0.1:" + server.port() + "\r\nContent-Type: application/json\r\n"
                    + "X-Forwarded-For: 203.0.113.7\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);

            assertEquals("127.0.0.1", awaitTransport().remoteAddress());
        }
    }
}
