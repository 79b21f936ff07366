package io.worldlink.jetty.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.Connection;
import io.worldlink.Identity;
import io.worldlink.Transport;
import io.worldlink.WorldLink;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One chat turn over HTTP: a WorldLink connection whose frames are written as server-sent events
 * ({@code event: <frame type>}, {@code data: <frame>}) until the turn's {@code idle}, or the first error
 * that answers the request. Writes happen on the server's pool, never on a world's thread.
 */
final class SseChat implements Transport {
    private static final String SELECT = "select";
    private static final String CHAT = "chat";

    private final AsyncContext async;
    private final Executor io;
    private final Connection connection;
    private final JsonObject select;
    private final JsonObject chat;
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile String messageId;

    SseChat(WorldLink link, AsyncContext async, Executor io, Identity identity, String userId, String worldName,
            String templateName, String message, String sender) {
        this.async = async;
        this.io = io;
        this.select = request("world-select", SELECT);
        select.getAsJsonObject("payload").addProperty("userId", userId);
        select.getAsJsonObject("payload").addProperty("worldName", worldName);
        select.getAsJsonObject("payload").addProperty("templateName", templateName == null ? "" : templateName);
        this.chat = request("chat-send", CHAT);
        chat.getAsJsonObject("payload").addProperty("message", message);
        if (sender != null) {
            chat.getAsJsonObject("payload").addProperty("sender", sender);
        }
        this.connection = link.connect(this, identity);
    }

    // Only the query string is read for the token: asking the servlet for a parameter would consume a
    // form-encoded body before the chat could read it.
    static String token(HttpServletRequest req) {
        String auth = req.getHeader("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).strip();
        }
        String query = req.getQueryString();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("token=")) {
                    return java.net.URLDecoder.decode(pair.substring(6), java.nio.charset.StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }

    private static JsonObject request(String type, String id) {
        JsonObject o = new JsonObject();
        o.addProperty("type", type);
        o.addProperty("id", id);
        o.add("payload", new JsonObject());
        return o;
    }

    void start() {
        HttpServletResponse resp = (HttpServletResponse) async.getResponse();
        resp.setStatus(200);
        resp.setContentType("text/event-stream;charset=utf-8");
        resp.setHeader("Cache-Control", "no-cache");
        connection.receive(select.toString());
        connection.receive(chat.toString());
    }

    @Override
    public void send(String text, Consumer<Throwable> done) {
        io.execute(() -> {
            if (finished.get()) {
                done.accept(null);
                return;
            }
            JsonObject frame = JsonParser.parseString(text).getAsJsonObject();
            String type = frame.get("type").getAsString();
            try {
                PrintWriter out = async.getResponse().getWriter();
                out.write("event: " + type + "\ndata: " + text + "\n\n");
                out.flush();
                if (out.checkError()) {
                    throw new IOException("the client went away");
                }
            } catch (IOException | IllegalStateException e) {
                done.accept(e);
                finish();
                return;
            }
            done.accept(null);
            if (ends(frame, type)) {
                finish();
            }
        });
    }

    private boolean ends(JsonObject frame, String type) {
        JsonElement replyTo = frame.get("replyTo");
        boolean answersChat = replyTo != null && replyTo.getAsString().equals(CHAT);
        if (type.equals("connection-error") || (type.equals("system-message") && answersChat)) {
            return true;
        }
        if (!type.equals("event-stream")) {
            return false;
        }
        JsonObject event = frame.getAsJsonObject("payload").getAsJsonObject("event");
        if (answersChat) {
            messageId = event.get("id").getAsString();
            return false;
        }
        JsonObject payload = event.getAsJsonObject("payload");
        return messageId != null && payload.has("action") && payload.get("action").getAsString().equals("idle")
                && messageId.equals(payload.get("messageId").getAsString());
    }

    @Override
    public void close(int code, String reason) {
        finish();
    }

    private void finish() {
        if (finished.compareAndSet(false, true)) {
            connection.closed();
            try {
                async.complete();
            } catch (IllegalStateException e) {
                // The request already ended (the client went away).
            }
        }
    }
}
