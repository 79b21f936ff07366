package io.worldlink.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.Connection;
import io.worldlink.Identity;
import io.worldlink.TestData;
import io.worldlink.Transport;
import io.worldlink.WorldLink;
import io.worldlink.model.ChatModel;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Example: WorldLink inside a unit test of another application, with no server at all. The test is
 * the client: it implements {@link Transport} to receive frames and feeds requests to the
 * {@link Connection}. A scripted {@link ChatModel} makes the agents' answers predictable.
 *
 * <p>Run: {@code mvn -B -pl worldlink-examples -am verify -Dtest=WorldLinkInAUnitTest -Dsurefire.failIfNoSpecifiedTests=false}
 */
class WorldLinkInAUnitTest {
    @TempDir
    Path root;

    WorldLink link;
    final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    Connection connection;

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        ChatModel scripted = (request, listener) -> {
            listener.onChunk("Hello from " + request.agentName());
            listener.onComplete(io.worldlink.model.Usage.NONE);
            return () -> { };
        };
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).chatModel("scripted", scripted)
                .defaultProvider("scripted").build();
        Transport transport = new Transport() {
            @Override
            public void send(String text, Consumer<Throwable> done) {
                frames.add(JsonParser.parseString(text).getAsJsonObject());
                done.accept(null);
            }

            @Override
            public void close(int code, String reason) {
                frames.add(JsonParser.parseString("{\"type\":\"closed\",\"payload\":{\"code\":" + code + "}}")
                        .getAsJsonObject());
            }
        };
        connection = link.connect(transport, Identity.ANONYMOUS);
    }

    @AfterEach
    void tearDown() {
        link.close();
    }

    JsonObject next(String type) throws InterruptedException {
        while (true) {
            JsonObject f = frames.poll(10, TimeUnit.SECONDS);
            assertTrue(f != null, "no " + type + " frame came");
            if (f.get("type").getAsString().equals(type)) {
                return f;
            }
        }
    }

    @Test
    void theAgentsOfAWorldAnswer() throws InterruptedException {
        connection.receive("{\"type\":\"world-select\",\"payload\":{\"templateName\":\"fast-world\","
                + "\"worldName\":\"test\",\"userId\":\"" + UUID.randomUUID() + "\"}}");
        next("connection-confirmed");

        connection.receive("{\"type\":\"chat-send\",\"payload\":{\"message\":\"Hi\"}}");

        JsonObject reply = next("chat-response");
        assertEquals("Hello from Quick", reply.getAsJsonObject("payload").get("content").getAsString());
    }
}
