package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A host wraps the protocol's router: a request type of its own, a rule that refuses a chat, an audit. */
class MessageRouterTest {
    @TempDir
    Path root;

    WorldLink link;

    @AfterEach
    void tearDown() {
        if (link != null) {
            link.close();
        }
    }

    WorldLink build(UnaryOperator<MessageRouter> router) {
        TestData.withShippedTemplates(root);
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .trustClaimedUserIds(true).messageRouter(router).build();
        return link;
    }

    TestClient inWorld(String user) {
        TestClient c = new TestClient(link);
        c.select("fast-world", "w", user);
        c.expect("connection-confirmed");
        return c;
    }

    @Test
    void aHostAddsARequestTypeOfItsOwnAndRefusesAChatByARuleOfItsOwn() throws Exception {
        List<String> audit = new CopyOnWriteArrayList<>();
        build(protocol -> request -> {
            audit.add(request.type());
            if (request.type().equals("whoami")) {
                WorldKey world = request.connection().world();
                request.reply("whoami", "{\"world\":\"" + (world == null ? "" : world.worldId()) + "\"}");
                return CompletableFuture.completedFuture(null);
            }
            String message = request.type().equals("chat-send") ? request.text("message") : null;
            if (message != null && message.contains("password")) {
                throw new WorldLinkException(ErrorCode.FORBIDDEN, "Don't share passwords in a chat.");
            }
            return protocol.route(request);
        });
        TestClient c = inWorld("ann");

        String id = c.request("whoami", payload());
        JsonObject answer = c.expect("whoami");
        assertEquals(id, answer.get("replyTo").getAsString());
        assertEquals("w", payloadOf(answer).get("world").getAsString());

        String refused = c.request("chat-send", payload("message", "my password is hunter2"));
        JsonObject error = c.expect("system-message");
        assertEquals(refused, error.get("replyTo").getAsString());
        assertEquals("FORBIDDEN", FrameQueue.code(error));
        assertEquals("Don't share passwords in a chat.", payloadOf(error).get("content").getAsString());

        // The protocol goes on as usual, and the refused message reached neither the world nor its log.
        c.request("chat-send", payload("message", "hello"));
        List<JsonObject> turn = c.untilIdle();
        assertTrue(turn.stream().anyMatch(f -> type(f).equals("chat-response")), turn.toString());
        assertFalse(Files.readString(root.resolve("users/ann/worlds/w/events.jsonl")).contains("hunter2"));
        assertEquals(List.of("world-select", "whoami", "chat-send", "chat-send"), audit);
    }

    @Test
    void typesNoRouterKnowsAreRefusedByTheProtocolAndAFailedStageReachesTheClient() {
        build(protocol -> request -> request.type().equals("slow-no")
                ? CompletableFuture.failedFuture(new WorldLinkException(ErrorCode.RATE_LIMITED, "Not now."))
                : protocol.route(request));
        TestClient c = inWorld("bob");

        c.request("no-such-thing", payload());
        JsonObject unknown = c.expect("system-message");
        assertEquals("UNKNOWN_TYPE", FrameQueue.code(unknown));
        assertTrue(payloadOf(unknown).get("content").getAsString().contains("chat-send"));

        String id = c.request("slow-no", payload());
        JsonObject failed = c.expect("system-message");
        assertEquals(id, failed.get("replyTo").getAsString());
        assertEquals("RATE_LIMITED", FrameQueue.code(failed));
    }

    @Test
    void aRouterOfTheHostsOwnReplacesTheProtocol() {
        build(protocol -> request -> {
            request.reply("echo", request.payload());
            return CompletableFuture.completedFuture(null);
        });
        TestClient c = new TestClient(link);

        c.request("world-select", payload("templateName", "fast-world", "worldName", "w", "userId", "cy"));
        JsonObject echo = c.expect("echo");
        assertEquals("fast-world", payloadOf(echo).get("templateName").getAsString());
        assertEquals(null, c.connection.world(), "the protocol's world-select never ran");
    }

    @Test
    void aRefusedSelectIsAConnectionErrorAndARequestOfTheHostsMakingReachesTheProtocol() {
        build(protocol -> request -> {
            if (request.type().equals("world-select") && "closed".equals(request.text("worldName"))) {
                throw new WorldLinkException(ErrorCode.FORBIDDEN, "That world is closed today.");
            }
            if (request.type().equals("chat-send")) {
                String shouted = request.text("message").toUpperCase(java.util.Locale.ROOT);
                return protocol.route(new MessageRouter.Request() {
                    public String type() {
                        return request.type();
                    }

                    public String id() {
                        return request.id();
                    }

                    public String payload() {
                        return "{\"message\":\"" + shouted + "\"}";
                    }

                    public String text(String field) {
                        return field.equals("message") ? shouted : null;
                    }

                    public Connection connection() {
                        return request.connection();
                    }

                    public void reply(String type, String payload) {
                        request.reply(type, payload);
                    }
                });
            }
            return protocol.route(request);
        });
        TestClient c = new TestClient(link);
        String select = c.select("fast-world", "closed", "dee");
        JsonObject refused = c.expect("connection-error");
        assertEquals(select, refused.get("replyTo").getAsString());
        assertEquals("FORBIDDEN", FrameQueue.code(refused));

        c.select("fast-world", "open", "dee");
        c.expect("connection-confirmed");
        c.request("chat-send", payload("message", "quiet words"));
        List<JsonObject> turn = c.untilIdle();
        assertTrue(turn.stream().anyMatch(f -> f.toString().contains("QUIET WORDS")), turn.toString());
    }

    @Test
    void requestsWaitingBehindOneThatNeverEndsAreBounded() {
        CompletableFuture<Void> never = new CompletableFuture<>();
        build(protocol -> request -> request.type().equals("hold") ? never : protocol.route(request));
        TestClient c = new TestClient(link);
        c.request("hold", payload());
        String last = null;
        for (int i = 0; i < 32; i++) {
            last = c.request("ping", payload());
        }
        JsonObject dropped = c.expect("system-message");
        assertEquals(last, dropped.get("replyTo").getAsString(), "the 33rd waiting request is the one dropped");
        assertEquals("RATE_LIMITED", FrameQueue.code(dropped));

        never.complete(null);
        for (int i = 0; i < 31; i++) {
            c.expect("pong");
        }
    }
}
