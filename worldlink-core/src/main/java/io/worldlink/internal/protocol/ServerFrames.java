package io.worldlink.internal.protocol;

import com.google.gson.JsonObject;
import io.worldlink.ErrorCode;
import io.worldlink.WorldKey;
import io.worldlink.event.MessageLevel;
import io.worldlink.internal.Json;
import java.time.Instant;

/** Server frames as PROTOCOL.md writes them: {@code {"type", "payload", "replyTo"?, "seq"?}}. */
final class ServerFrames {
    private ServerFrames() {}

    static String frame(String type, JsonObject payload, String replyTo, long seq) {
        JsonObject o = new JsonObject();
        o.addProperty("type", type);
        o.add("payload", payload);
        if (replyTo != null) {
            o.addProperty("replyTo", replyTo);
        }
        if (seq > 0) {
            o.addProperty("seq", seq);
        }
        return Json.GSON.toJson(o);
    }

    static JsonObject systemMessage(String content, MessageLevel level, Instant timestamp, ErrorCode code) {
        JsonObject p = new JsonObject();
        p.addProperty("content", content);
        p.addProperty("level", level.wireName());
        p.addProperty("timestamp", Json.timestamp(timestamp));
        if (code != null) {
            p.addProperty("code", code.name());
        }
        return p;
    }

    /** {@return the frame that tells a connection that a world was deleted} */
    static String worldDeleted(WorldKey key, String replyTo, Instant timestamp) {
        JsonObject p = new JsonObject();
        p.addProperty("userId", key.userId().value());
        p.addProperty("worldName", key.worldId());
        p.addProperty("timestamp", Json.timestamp(timestamp));
        return frame("world-deleted", p, replyTo, 0);
    }

    static String error(ErrorCode code, String message, String replyTo) {
        return frame("system-message", systemMessage(message, MessageLevel.ERROR, Instant.now(), code), replyTo, 0);
    }

    static String connectionError(ErrorCode code, String message, String replyTo) {
        JsonObject p = new JsonObject();
        p.addProperty("error", message);
        p.addProperty("code", code.name());
        return frame("connection-error", p, replyTo, 0);
    }
}
