package io.worldlink.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.Connection;
import io.worldlink.ErrorCode;
import io.worldlink.Identity;
import io.worldlink.Transport;
import io.worldlink.WorldLink;
import io.worldlink.WorldLinkException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Wrapping WorldLink's message router: the host adds a request type of its own ({@code server-time}),
 * refuses chat messages that look like they share a password, and passes everything else to the
 * protocol. It embeds WorldLink with no server at all: a {@link Transport} of its own receives the frames.
 *
 * <p>Run: {@code java -cp worldlink-examples/target/worldlink-examples.jar io.worldlink.examples.ModerationRouterExample}
 */
public final class ModerationRouterExample {
    private ModerationRouterExample() {}

    /**
     * Connects one client, asks the host for the time, tries to share a password, then says hello.
     *
     * @param dataRoot the data root with the templates
     * @return one line per frame the client received, up to the end of the agents' turn
     * @throws InterruptedException when interrupted while waiting for frames
     */
    public static List<String> converse(Path dataRoot) throws InterruptedException {
        try (WorldLink link = WorldLink.builder().dataRoot(dataRoot).offlinePace(Duration.ZERO)
                .messageRouter(protocol -> request -> {
                    if (request.type().equals("server-time")) {
                        request.reply("server-time", "{\"now\":\"" + Instant.now() + "\"}");
                        return CompletableFuture.completedFuture(null);
                    }
                    String message = request.type().equals("chat-send") ? request.text("message") : null;
                    if (message != null && message.toLowerCase(Locale.ROOT).contains("password")) {
                        throw new WorldLinkException(ErrorCode.FORBIDDEN, "Don't share passwords in a chat.");
                    }
                    return protocol.route(request);
                })
                .build()) {
            ServerFrames client = new ServerFrames();
            Connection c = link.connect(client, Identity.ANONYMOUS);
            c.receive("{\"type\":\"world-select\",\"payload\":{\"templateName\":\"fast-world\",\"worldName\":\"mod\","
                    + "\"userId\":\"" + UUID.randomUUID() + "\"}}");
            c.receive("{\"type\":\"server-time\",\"id\":\"t1\"}");
            c.receive("{\"type\":\"chat-send\",\"id\":\"c1\",\"payload\":{\"message\":\"My password is hunter2\"}}");
            c.receive("{\"type\":\"chat-send\",\"id\":\"c2\",\"payload\":{\"message\":\"Hello!\"}}");
            List<String> lines = new ArrayList<>();
            for (JsonObject f = client.next(); f != null; f = client.next()) {
                lines.add(describe(f));
                if (f.get("type").getAsString().equals("event-stream") && f.getAsJsonObject("payload")
                        .getAsJsonObject("event").getAsJsonObject("payload").has("action")
                        && f.getAsJsonObject("payload").getAsJsonObject("event").getAsJsonObject("payload")
                        .get("action").getAsString().equals("idle")) {
                    break;
                }
            }
            c.closed();
            return lines;
        }
    }

    private static String describe(JsonObject f) {
        String type = f.get("type").getAsString();
        JsonObject p = f.getAsJsonObject("payload");
        return switch (type) {
            case "system-message" -> "system-message " + p.get("level").getAsString() + (p.has("code")
                    ? " " + p.get("code").getAsString() : "") + ": " + p.get("content").getAsString();
            case "chat-response" -> "chat-response " + p.get("agentName").getAsString()
                    + (p.get("isComplete").getAsBoolean() ? " (complete)" : "");
            default -> type;
        };
    }

    /** A transport that keeps what WorldLink sends, for the example to read. */
    private static final class ServerFrames implements Transport {
        private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();

        @Override
        public void send(String text, Consumer<Throwable> done) {
            frames.add(JsonParser.parseString(text).getAsJsonObject());
            done.accept(null);
        }

        @Override
        public void close(int code, String reason) {
            // Nothing to release: the frames stay readable.
        }

        JsonObject next() throws InterruptedException {
            return frames.poll(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Prints what the client was sent.
     *
     * @param args none
     * @throws InterruptedException when interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        converse(Path.of("data")).forEach(System.out::println);
    }
}
