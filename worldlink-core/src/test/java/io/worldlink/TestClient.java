package io.worldlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A client on a fake transport: every frame WorldLink sends is parsed into a queue. A client made
 * with {@code reading = false} never finishes a send, like a client that stopped reading.
 */
public final class TestClient implements Transport {
    public static final long WAIT_SECONDS = 10;

    public record Closed(int code, String reason) {}

    public final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    public final CompletableFuture<Closed> closed = new CompletableFuture<>();
    private final boolean reading;
    public final Connection connection;
    private int nextId;

    public TestClient(WorldLink link, Identity identity, boolean reading) {
        this.reading = reading;
        this.connection = link.connect(this, identity);
    }

    public TestClient(WorldLink link) {
        this(link, Identity.ANONYMOUS, true);
    }

    @Override
    public void send(String text, Consumer<Throwable> done) {
        if (!reading) {
            return;
        }
        frames.add(JsonParser.parseString(text).getAsJsonObject());
        done.accept(null);
    }

    @Override
    public void close(int code, String reason) {
        closed.complete(new Closed(code, reason));
    }

    /** Sends a request with a fresh id and returns the id. */
    public String request(String type, JsonObject payload) {
        String id = "r" + (++nextId);
        JsonObject o = new JsonObject();
        o.addProperty("type", type);
        o.addProperty("id", id);
        o.add("payload", payload);
        connection.receive(o.toString());
        return id;
    }

    public static JsonObject payload(Object... keyValues) {
        JsonObject p = new JsonObject();
        for (int i = 0; i < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            if (v instanceof Number n) {
                p.addProperty((String) keyValues[i], n);
            } else if (v instanceof Boolean b) {
                p.addProperty((String) keyValues[i], b);
            } else if (v instanceof JsonObject j) {
                p.add((String) keyValues[i], j);
            } else {
                p.addProperty((String) keyValues[i], (String) v);
            }
        }
        return p;
    }

    public String select(String template, String world, String userId) {
        return request("world-select", payload("templateName", template, "worldName", world, "userId", userId));
    }

    /** @return the next frame */
    public JsonObject next() {
        try {
            JsonObject f = frames.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(f, "no frame within " + WAIT_SECONDS + " s");
            return f;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** @return the next frame, which must have this type */
    public JsonObject expect(String type) {
        JsonObject f = next();
        assertEquals(type, f.get("type").getAsString(), f.toString());
        return f;
    }

    /** @return the frames up to and including the first that matches */
    public List<JsonObject> until(Predicate<JsonObject> last) {
        List<JsonObject> seen = new ArrayList<>();
        while (true) {
            JsonObject f = next();
            seen.add(f);
            if (last.test(f)) {
                return seen;
            }
        }
    }

    /** @return the frames up to and including the system message that says the turn is over */
    public List<JsonObject> untilIdle() {
        return until(TestClient::isIdle);
    }

    public static boolean isIdle(JsonObject f) {
        return f.get("type").getAsString().equals("event-stream")
                && f.getAsJsonObject("payload").getAsJsonObject("event").getAsJsonObject("payload")
                        .get("action") != null
                && f.getAsJsonObject("payload").getAsJsonObject("event").getAsJsonObject("payload")
                        .get("action").getAsString().equals("idle");
    }

    public static String type(JsonObject f) {
        return f.get("type").getAsString();
    }

    public static JsonObject payloadOf(JsonObject f) {
        return f.getAsJsonObject("payload");
    }

    /** @return an error frame's code */
    public static String code(JsonObject f) {
        return payloadOf(f).get("code").getAsString();
    }
}
