package io.worldlink.jetty.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.Connection;
import io.worldlink.ErrorCode;
import io.worldlink.Identity;
import io.worldlink.Transport;
import io.worldlink.WorldLink;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.ee11.servlet.ServletContextRequest;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One chat turn over HTTP: a WorldLink connection whose frames are written as server-sent events
 * ({@code event: <frame type>}, {@code data: <frame>}) until the turn's {@code idle}, the first error
 * that answers the request, or the world's deletion ({@code world-deleted}).
 *
 * <p>Output is non-blocking (a {@link WriteListener}): a client that stops reading holds no thread, only
 * its connection, and WorldLink's queue for it (with its cap) holds what waits. One write is in flight at
 * a time, and WorldLink's {@code done} callback runs once the servlet output has taken the frame, so
 * WorldLink sends the next one only then. A client that goes away is noticed by a failing write, even
 * during a turn that writes nothing for a long time: a comment line {@code : keep-alive} goes out when
 * nothing else was written for the keep-alive interval. A stream that stays open longer than its timeout
 * ends with a {@code system-message} error event; the turn itself goes on in the world.
 */
final class SseChat implements Transport, WriteListener, AsyncListener {
    private static final Logger LOG = LoggerFactory.getLogger(SseChat.class);
    private static final String SELECT = "select";
    private static final String CHAT = "chat";
    private static final byte[] KEEP_ALIVE = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
    // The protocol's timestamps: always three digits of milliseconds, which Instant.toString drops at zero.
    private static final DateTimeFormatter TIMESTAMP =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    private final WorldLink link;
    private final Set<SseChat> open;
    private final AsyncContext async;
    private final Scheduler scheduler;
    private final Duration timeout;
    private final long keepAliveNanos;
    private final Identity identity;
    private final String remoteAddress;
    private final JsonObject select;
    private final JsonObject chat;
    // The chat the message is for, or null for the world's newest: checked before the message is sent.
    private final String chatId;
    private volatile Connection connection;
    private volatile String messageId;

    // Guarded by this. The lock is held only around non-blocking calls on the output, never while
    // calling WorldLink, whose callbacks may come straight back here.
    private ServletOutputStream out;
    private byte[] frame;
    private Consumer<Throwable> frameDone;
    private Consumer<Throwable> written;
    private byte[] lastEvent;
    private boolean keepAlive;
    private boolean flush;
    private boolean ending;
    private boolean waiting;
    private boolean finished;
    private long lastWriteNanos;
    private Scheduler.Task nextTick;
    private Scheduler.Task deadline;

    SseChat(WorldLink link, Set<SseChat> open, AsyncContext async, Scheduler scheduler, Duration timeout,
            Duration keepAlive, Identity identity, String userId, String worldName, String templateName, String chatId,
            String message, String sender) {
        this.link = link;
        this.open = open;
        this.async = async;
        this.scheduler = scheduler;
        this.timeout = timeout;
        this.keepAliveNanos = keepAlive.toNanos();
        this.identity = identity;
        HttpServletRequest req = (HttpServletRequest) async.getRequest();
        this.remoteAddress = JakartaTransport.ip(ServletContextRequest.getServletContextRequest(req)
                .getConnectionMetaData().getRemoteSocketAddress());
        this.select = request("world-select", SELECT);
        select.getAsJsonObject("payload").addProperty("userId", userId);
        select.getAsJsonObject("payload").addProperty("worldName", worldName);
        select.getAsJsonObject("payload").addProperty("templateName", templateName == null ? "" : templateName);
        if (chatId != null) {
            select.getAsJsonObject("payload").addProperty("chatId", chatId);
        }
        this.chatId = chatId;
        this.chat = request("chat-send", CHAT);
        chat.getAsJsonObject("payload").addProperty("message", message);
        if (sender != null) {
            chat.getAsJsonObject("payload").addProperty("sender", sender);
        }
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
                    return URLDecoder.decode(pair.substring(6), StandardCharsets.UTF_8);
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

    /** Starts the stream: called once, on the request's thread, after {@code startAsync}. */
    void start() throws IOException {
        HttpServletResponse resp = (HttpServletResponse) async.getResponse();
        resp.setStatus(200);
        resp.setContentType("text/event-stream;charset=utf-8");
        resp.setHeader("Cache-Control", "no-cache");
        // The timeout below ends the stream with an event; this one is the backstop for a client that
        // cannot even take that event.
        async.setTimeout(timeout.toMillis() + 2 * TimeUnit.NANOSECONDS.toMillis(keepAliveNanos));
        async.addListener(this);
        ServletOutputStream output = resp.getOutputStream();
        synchronized (this) {
            out = output;
            lastWriteNanos = System.nanoTime();
            nextTick = scheduler.schedule(this::tick, keepAliveNanos, TimeUnit.NANOSECONDS);
            deadline = scheduler.schedule(this::expire, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        output.setWriteListener(this);
        open.add(this);
        connection = link.connect(this, identity);
        connection.receive(select.toString());
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    @Override
    public void send(String text, Consumer<Throwable> done) {
        JsonObject f = JsonParser.parseString(text).getAsJsonObject();
        String type = f.get("type").getAsString();
        boolean last = ends(f, type);
        if (type.equals("connection-confirmed")) {
            JsonElement in = f.getAsJsonObject("payload").get("chatId");
            if (chatId != null && (in == null || !chatId.equals(in.getAsString()))) {
                // The world lands a client whose chat is gone in its newest one; a message for that chat must
                // not go to another conversation.
                done.accept(null);
                stop(ErrorCode.CHAT_NOT_FOUND.name(), "The world has no chat \"" + chatId + "\"; GET .../chats "
                        + "lists its chats. Nothing was sent.");
                return;
            }
            connection.receive(chat.toString());
        }
        byte[] bytes = ("event: " + type + "\ndata: " + text + "\n\n").getBytes(StandardCharsets.UTF_8);
        boolean accepted = false;
        synchronized (this) {
            if (!finished && !ending) {
                frame = bytes;
                frameDone = done;
                ending = last;
                accepted = true;
            }
        }
        if (!accepted) {
            // The stream has ended: what WorldLink still sends for this connection goes nowhere.
            done.accept(null);
            return;
        }
        drain();
    }

    @Override
    public void flush() {
        synchronized (this) {
            flush = true;
        }
        drain();
    }

    @Override
    public void onWritePossible() {
        synchronized (this) {
            waiting = false;
        }
        drain();
    }

    // Writes what is waiting, as long as the output takes it without blocking. When isReady() says no,
    // the container calls onWritePossible() once the output can take more, and that resumes here.
    private void drain() {
        List<Consumer<Throwable>> confirmed = new ArrayList<>(1);
        boolean complete = false;
        Exception failure = null;
        synchronized (this) {
            if (out == null || finished || waiting) {
                return;
            }
            try {
                while (true) {
                    if (!out.isReady()) {
                        waiting = true;
                        break;
                    }
                    if (written != null) {
                        confirmed.add(written);
                        written = null;
                    }
                    if (frame != null) {
                        write(frame);
                        written = frameDone;
                        frame = null;
                        frameDone = null;
                    } else if (lastEvent != null) {
                        write(lastEvent);
                        lastEvent = null;
                    } else if (keepAlive) {
                        keepAlive = false;
                        flush = true;
                        write(KEEP_ALIVE);
                    } else if (ending) {
                        // Completing writes what the output still holds.
                        complete = true;
                        finished = true;
                        break;
                    } else if (flush) {
                        flush = false;
                        out.flush();
                    } else {
                        break;
                    }
                }
            } catch (IOException | IllegalStateException e) {
                // The response failed or was ended under us (the client went away).
                failure = e;
            }
        }
        for (Consumer<Throwable> c : confirmed) {
            c.accept(null);
        }
        if (failure != null) {
            fail(failure);
        } else if (complete) {
            end();
        }
    }

    private void write(byte[] bytes) throws IOException {
        out.write(bytes);
        lastWriteNanos = System.nanoTime();
    }

    private boolean ends(JsonObject f, String type) {
        JsonElement replyTo = f.get("replyTo");
        boolean answersChat = replyTo != null && replyTo.getAsString().equals(CHAT);
        if (type.equals("connection-error") || type.equals("world-deleted")
                || (type.equals("system-message") && answersChat)) {
            return true;
        }
        if (!type.equals("event-stream")) {
            return false;
        }
        JsonObject event = f.getAsJsonObject("payload").getAsJsonObject("event");
        if (answersChat) {
            messageId = event.get("id").getAsString();
            return false;
        }
        JsonObject payload = event.getAsJsonObject("payload");
        return messageId != null && payload.has("action") && payload.get("action").getAsString().equals("idle")
                && messageId.equals(payload.get("messageId").getAsString());
    }

    // Sends a keep-alive when nothing else went out for the interval: a write to a peer that is gone fails,
    // and that is how a client that left during a silent turn is noticed.
    private void tick() {
        synchronized (this) {
            if (finished) {
                return;
            }
            long quiet = System.nanoTime() - lastWriteNanos;
            keepAlive = quiet >= keepAliveNanos;
            nextTick = scheduler.schedule(this::tick, keepAlive ? keepAliveNanos : keepAliveNanos - quiet,
                    TimeUnit.NANOSECONDS);
        }
        drain();
    }

    private void expire() {
        stop(ErrorCode.QUOTA_EXCEEDED.name(), "This chat stream was open for " + human(timeout) + ", the longest "
                + "this server allows, so it ends here. The turn goes on in the world: its replies will be in the "
                + "world's history.");
    }

    static String human(Duration d) {
        if (d.toMillis() < 1000) {
            return d.toMillis() + " ms";
        }
        if (d.toSeconds() < 120 || d.toSeconds() % 60 != 0) {
            return d.toSeconds() + " s";
        }
        return d.toMinutes() + " minutes";
    }

    /**
     * WorldLink or the server closes the connection (the request was too large, the server stops, ...):
     * the reason goes to the client as a last {@code system-message} error event, with the protocol's code
     * that fits, and none for going away (1001), which is no fault of the request.
     */
    @Override
    public void close(int code, String reason) {
        stop(switch (code) {
            case 1001 -> null;
            case 1008 -> ErrorCode.FORBIDDEN.name();
            case 1009 -> ErrorCode.INVALID_MESSAGE.name();
            case 1013 -> ErrorCode.QUOTA_EXCEEDED.name();
            default -> ErrorCode.INTERNAL.name();
        }, reason);
    }

    // Ends the stream early with an error event, or at once when the client is not taking what was
    // already written (it would not take the event either).
    private void stop(String code, String reason) {
        boolean now;
        synchronized (this) {
            if (finished || ending) {
                return;
            }
            now = waiting;
            if (!now) {
                lastEvent = errorEvent(code, reason);
                ending = true;
            }
        }
        if (now) {
            fail(new IOException("the client is not reading"));
        } else {
            drain();
        }
    }

    private static byte[] errorEvent(String code, String reason) {
        JsonObject payload = new JsonObject();
        payload.addProperty("content", reason);
        payload.addProperty("level", "error");
        payload.addProperty("timestamp", TIMESTAMP.format(Instant.now()));
        if (code != null) {
            payload.addProperty("code", code);
        }
        JsonObject f = new JsonObject();
        f.addProperty("type", "system-message");
        f.add("payload", payload);
        return ("event: system-message\ndata: " + f + "\n\n").getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void onError(Throwable t) {
        fail(t);
    }

    @Override
    public void onComplete(AsyncEvent event) {
        release(null);
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        fail(new IOException("the chat stream outlived its timeout"));
    }

    @Override
    public void onError(AsyncEvent event) {
        fail(event.getThrowable());
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // Not restarted: nothing to do.
    }

    // Everything was handed to the output: completing writes what it still holds and ends the response.
    private void end() {
        try {
            async.complete();
        } catch (IllegalStateException e) {
            LOG.debug("The chat stream had already ended", e);
        }
        release(null);
    }

    // The client went away or stopped reading: the response is cut (Jetty aborts a completion while a
    // write is pending), and the frame in flight, if any, is reported as failed.
    private void fail(Throwable why) {
        synchronized (this) {
            finished = true;
        }
        LOG.debug("The chat stream ends early: {}", String.valueOf(why));
        try {
            async.complete();
        } catch (IllegalStateException e) {
            LOG.debug("The chat stream had already ended", e);
        }
        release(why);
    }

    private void release(Throwable why) {
        List<Consumer<Throwable>> unsent = new ArrayList<>(2);
        open.remove(this);
        synchronized (this) {
            finished = true;
            if (written != null) {
                unsent.add(written);
                written = null;
            }
            if (frameDone != null) {
                unsent.add(frameDone);
                frame = null;
                frameDone = null;
            }
            if (nextTick != null) {
                nextTick.cancel();
            }
            if (deadline != null) {
                deadline.cancel();
            }
        }
        for (Consumer<Throwable> c : unsent) {
            c.accept(why);
        }
        Connection c = connection;
        if (c != null) {
            c.closed();
        }
    }
}
