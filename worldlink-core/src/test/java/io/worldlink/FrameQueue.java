package io.worldlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A test client's view of the protocol, whatever carries it: the frames the server sent, in a queue,
 * and requests with fresh ids. Subclasses say how a frame is sent.
 */
public abstract class FrameQueue {
    public static final long WAIT_SECONDS = 10;

    public final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    private int nextId;

    /** @param frame a text frame for the server */
    public abstract void sendText(String frame);

    /** Sends a request with a fresh id and returns the id. */
    public String request(String type, JsonObject payload) {
        String id = "r" + (++nextId);
        JsonObject o = new JsonObject();
        o.addProperty("type", type);
        o.addProperty("id", id);
        o.add("payload", payload);
        sendText(o.toString());
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

    /** @return the frames up to and including the event that says the turn is over */
    public List<JsonObject> untilIdle() {
        return until(FrameQueue::isIdle);
    }

    public static boolean isIdle(JsonObject f) {
        if (!f.get("type").getAsString().equals("event-stream")) {
            return false;
        }
        JsonObject p = f.getAsJsonObject("payload").getAsJsonObject("event").getAsJsonObject("payload");
        return p.has("action") && p.get("action").getAsString().equals("idle");
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
