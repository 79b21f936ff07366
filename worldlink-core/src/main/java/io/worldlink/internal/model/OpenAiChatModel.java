package io.worldlink.internal.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.internal.Daemons;
import io.worldlink.internal.Durations;
import io.worldlink.internal.Json;
import io.worldlink.model.ChatCall;
import io.worldlink.model.ChatListener;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.ModelTransport;
import io.worldlink.model.OpenAiSettings;
import io.worldlink.model.Usage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A streaming client for OpenAI's {@code /chat/completions} over a {@link ModelTransport}. It writes the
 * request by hand, splits the response into server-sent events (comments, multi-line data, {@code [DONE]}),
 * reads each event's few fields without a JSON tree ({@link StreamChunk}), asks for a usage chunk when told
 * to, watches the time to the first byte and the gaps of the stream, and turns every failure into one
 * {@link ErrorCode#MODEL_ERROR} that a person can act on and that never holds the API key.
 */
public final class OpenAiChatModel implements ChatModel {
    // PROTOCOL.md: a model's error reaches clients as the provider's own message, at most this long.
    private static final int MAX_ERROR_MESSAGE = 200;
    // Of an error response, only this much is read for the provider's message.
    // The longest line or event of a stream: a chat completion chunk is far smaller.
    private static final int MAX_EVENT_BYTES = 1024 * 1024;
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final OpenAiSettings settings;
    private final ModelTimer timer;
    private final ModelTransport transport;

    /**
     * A model that calls the server through the given transport.
     *
     * @param settings where and how to call the server
     * @param timer where the watchdogs of a call are scheduled
     * @param transport what sends the requests
     */
    public OpenAiChatModel(OpenAiSettings settings, ModelTimer timer, ModelTransport transport) {
        this.settings = settings;
        this.timer = timer;
        this.transport = transport;
    }

    /**
     * A model on a JDK HttpClient of its own, whose work runs on at most two daemon threads
     * ({@code worldlink-model-http-*}) that end after a second without a call.
     *
     * @param settings where and how to call the server
     * @param timer where the watchdogs of a call are scheduled
     * @return the model
     */
    public static OpenAiChatModel standalone(OpenAiSettings settings, ModelTimer timer) {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(2, 2, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Daemons.factory("worldlink-model-http"));
        executor.allowCoreThreadTimeOut(true);
        return new OpenAiChatModel(settings, timer, new JdkModelTransport(settings.firstByteTimeout(), executor));
    }

    @Override
    public ChatCall stream(ChatRequest request, ChatListener listener) {
        String baseOption = request.options().get("baseUrl");
        URI base = baseOption == null || baseOption.isBlank() ? settings.baseUrl() : URI.create(baseOption);
        String keyOption = request.options().get("apiKey");
        String key = keyOption == null || keyOption.isBlank() ? settings.apiKey() : keyOption;
        String baseText = base.toString();
        URI uri = URI.create((baseText.endsWith("/") ? baseText.substring(0, baseText.length() - 1) : baseText)
                + "/chat/completions");
        Map<String, String> headers = key == null || key.isBlank()
                ? Map.of("Content-Type", "application/json", "Accept", "text/event-stream")
                : Map.of("Content-Type", "application/json", "Accept", "text/event-stream",
                        "Authorization", "Bearer " + key);

        Call call = new Call(listener, key, uri, timer.acquire());
        try {
            call.start(transport.post(uri, headers, body(request).getBytes(StandardCharsets.UTF_8), call));
        } catch (RuntimeException e) {
            call.cancel();
            throw e;
        }
        return call::cancel;
    }

    // Written by hand rather than through a JSON tree: it holds the whole memory window, every call.
    private String body(ChatRequest request) {
        int size = 160 + request.model().length();
        for (ChatMessage m : request.messages()) {
            size += 32 + m.role().length() + m.content().length();
        }
        StringBuilder b = new StringBuilder(size).append("{\"model\":");
        Json.quote(b, request.model());
        b.append(",\"messages\":[");
        for (int i = 0; i < request.messages().size(); i++) {
            ChatMessage m = request.messages().get(i);
            b.append(i == 0 ? "{\"role\":" : ",{\"role\":");
            Json.quote(b, m.role());
            b.append(",\"content\":");
            Json.quote(b, m.content());
            b.append('}');
        }
        b.append("],\"stream\":true");
        if (settings.includeUsage()) {
            b.append(",\"stream_options\":{\"include_usage\":true}");
        }
        if (request.temperature() != null) {
            b.append(",\"temperature\":").append(request.temperature());
        }
        if (request.maxTokens() != null) {
            b.append(",\"max_tokens\":").append(request.maxTokens());
        }
        return b.append('}').toString();
    }

    private WorldLinkException transportError(Throwable e, URI uri) {
        String server = uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        String message;
        if (e instanceof HttpTimeoutException || e instanceof SocketTimeoutException || e instanceof TimeoutException) {
            message = "The model server at " + server + " did not start answering within "
                    + Durations.readable(settings.firstByteTimeout()) + ".";
        } else if (e instanceof ConnectException) {
            message = "Could not connect to the model server at " + server + "; check that it is running and that "
                    + "the base URL is right.";
        } else {
            message = "The connection to the model server at " + server + " failed (" + e.getClass().getSimpleName()
                    + ").";
        }
        return new WorldLinkException(ErrorCode.MODEL_ERROR, message, e);
    }

    /** One call: the response, the SSE parser and the watchdogs, delivering to one listener. */
    private final class Call implements ModelTransport.Response {
        private final ChatListener listener;
        private final String key;
        private final URI uri;
        private final ScheduledExecutorService watchdog;
        private final long startedAt = System.nanoTime();
        private byte[] line = new byte[256];
        private int lineLength;
        private boolean afterCr;
        private String data;
        private ByteArrayOutputStream errorBody;
        private ChatCall exchange;
        private ScheduledFuture<?> firstByteCheck;
        private ScheduledFuture<?> gapCheck;
        private int status;
        private Usage usage = Usage.NONE;
        private boolean finished;
        private boolean terminated;
        private volatile long lastActivity = startedAt;

        Call(ChatListener listener, String key, URI uri, ScheduledExecutorService watchdog) {
            this.listener = listener;
            this.key = key;
            this.uri = uri;
            this.watchdog = watchdog;
        }

        void start(ChatCall exchange) {
            synchronized (this) {
                this.exchange = exchange;
                if (terminated) {
                    exchange.cancel();
                    return;
                }
            }
            long left = settings.firstByteTimeout().toNanos() - (System.nanoTime() - startedAt);
            ScheduledFuture<?> check = schedule(this::checkFirstByte, left);
            synchronized (this) {
                if (status == 0 && !terminated) {
                    firstByteCheck = check;
                } else if (check != null) {
                    check.cancel(false);
                }
            }
        }

        @Override
        public void status(int code) {
            synchronized (this) {
                if (terminated) {
                    return;
                }
                status = code;
                if (firstByteCheck != null) {
                    firstByteCheck.cancel(false);
                    firstByteCheck = null;
                }
                if (code / 100 != 2) {
                    errorBody = new ByteArrayOutputStream();
                }
            }
            touch();
            scheduleGapCheck(settings.gapTimeout().toNanos());
        }

        @Override
        public void content(ByteBuffer piece) {
            touch();
            if (errorBody != null) {
                int n = Math.min(piece.remaining(), MAX_ERROR_BODY - errorBody.size());
                for (int i = 0; i < n; i++) {
                    errorBody.write(piece.get());
                }
                return;
            }
            while (piece.hasRemaining()) {
                byte c = piece.get();
                if (c == '\n' || c == '\r') {
                    boolean second = c == '\n' && afterCr;
                    afterCr = c == '\r';
                    if (!second) {
                        line();
                    }
                } else {
                    afterCr = false;
                    if (lineLength == line.length) {
                        if (lineLength >= MAX_EVENT_BYTES) {
                            tooLong();
                            return;
                        }
                        line = Arrays.copyOf(line, 2 * line.length);
                    }
                    line[lineLength++] = c;
                }
            }
        }

        // One line of the stream, without its end (CR, LF or CRLF).
        private void line() {
            int n = lineLength;
            lineLength = 0;
            if (n == 0) {
                dispatch();
            } else if (n >= 5 && line[0] == 'd' && line[1] == 'a' && line[2] == 't' && line[3] == 'a'
                    && line[4] == ':') {
                int from = n > 5 && line[5] == ' ' ? 6 : 5;
                String payload = new String(line, from, n - from, StandardCharsets.UTF_8);
                data = data == null || data.isEmpty() ? payload : data + "\n" + payload;
                if (data.length() > MAX_EVENT_BYTES) {
                    tooLong();
                }
            }
            // Comments (":") and other fields (event, id, retry) carry nothing for a chat completion.
        }

        // A stream that never ends a line or an event would grow without bound: the call fails instead.
        private void tooLong() {
            lineLength = 0;
            data = null;
            fail(new WorldLinkException(ErrorCode.MODEL_ERROR, "The model server at " + uri.getHost()
                    + " sent a piece of its stream longer than " + MAX_EVENT_BYTES / 1024
                    + " KiB; the reply was stopped."));
        }

        private void dispatch() {
            String payload = data;
            data = null;
            if (payload == null || payload.isEmpty()) {
                return;
            }
            if (payload.equals("[DONE]")) {
                complete(usage());
                return;
            }
            StreamChunk c;
            try {
                c = StreamChunk.parse(payload);
            } catch (IllegalArgumentException e) {
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR,
                        "The model server at " + uri.getHost() + " sent a piece of its stream that is not valid JSON."));
                return;
            }
            if (c.failed()) {
                String message = c.errorMessage() == null ? "no message" : providerMessage(c.errorMessage());
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR,
                        scrub("The model server at " + uri.getHost() + " reported an error: " + message)));
                return;
            }
            if (c.oddChoice()) {
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR, "The model server at " + uri.getHost()
                        + " sent a piece of its stream in an unexpected shape."));
                return;
            }
            if (c.content() != null && !c.content().isEmpty()) {
                chunk(c.content());
            }
            synchronized (this) {
                finished |= c.finished();
                if (c.usage() != null) {
                    usage = c.usage();
                }
            }
        }

        private synchronized Usage usage() {
            return usage;
        }

        @Override
        public void complete() {
            if (errorBody != null) {
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR,
                        httpError(status, errorBody.toString(StandardCharsets.UTF_8))));
                return;
            }
            if (lineLength > 0) {
                line();
            }
            dispatch();
            boolean done;
            synchronized (this) {
                done = finished;
            }
            if (done) {
                complete(usage());
            } else {
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR, "The stream from the model server at "
                        + uri.getHost() + " ended before the reply was complete."));
            }
        }

        @Override
        public void failed(Throwable t) {
            boolean answering;
            synchronized (this) {
                answering = status != 0;
            }
            fail(answering ? new WorldLinkException(ErrorCode.MODEL_ERROR, "The stream from the model server at "
                    + uri.getHost() + " broke off before the reply was complete (" + t.getClass().getSimpleName()
                    + ").", t) : transportError(t, uri));
        }

        // Only the provider's own error message (OpenAI's {"error": {"message"}}) is shown, never the rest
        // of a body: whatever answers at the model's address must not be reflected to clients.
        private String httpError(int code, String body) {
            String detail = "";
            try {
                JsonElement e = JsonParser.parseString(body);
                JsonElement err = e.isJsonObject() ? e.getAsJsonObject().get("error") : null;
                JsonElement message = err != null && err.isJsonObject() ? err.getAsJsonObject().get("message") : err;
                if (message != null && message.isJsonPrimitive() && message.getAsJsonPrimitive().isString()) {
                    detail = providerMessage(message.getAsString());
                }
            } catch (JsonParseException | IllegalStateException ignored) {
                // Not the provider's JSON: the status alone says what happened.
            }
            String hint = code == 401 || code == 403
                    ? " Check the API key (OPENAI_API_KEY, or the agent's apiKey)." : "";
            return scrub("The model server at " + uri.getHost() + " answered HTTP " + code
                    + (detail.isEmpty() ? "." : ": " + detail) + hint);
        }

        private String providerMessage(String message) {
            String m = message.strip().replaceAll("\\p{Cntrl}+", " ");
            return m.length() > MAX_ERROR_MESSAGE ? m.substring(0, MAX_ERROR_MESSAGE) + "..." : m;
        }

        private String scrub(String text) {
            return key == null || key.isBlank() ? text : text.replace(key, "***");
        }

        private void touch() {
            lastActivity = System.nanoTime();
        }

        private ScheduledFuture<?> schedule(Runnable check, long delayNanos) {
            try {
                return watchdog.schedule(check, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR, "The model client's timer is stopped (WorldLink "
                        + "is closing); the reply from " + uri.getHost() + " was stopped."));
                return null;
            }
        }

        private void scheduleGapCheck(long delayNanos) {
            ScheduledFuture<?> check = schedule(this::checkGap, delayNanos);
            synchronized (this) {
                if (terminated) {
                    if (check != null) {
                        check.cancel(false);
                    }
                } else {
                    gapCheck = check;
                }
            }
        }

        private void checkFirstByte() {
            synchronized (this) {
                if (terminated || status != 0) {
                    return;
                }
            }
            fail(transportError(new HttpTimeoutException("no response"), uri));
        }

        private void checkGap() {
            synchronized (this) {
                if (terminated) {
                    return;
                }
            }
            long gap = settings.gapTimeout().toNanos();
            long idle = System.nanoTime() - lastActivity;
            if (idle >= gap) {
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR, "The model server at " + uri.getHost()
                        + " sent nothing for " + Durations.readable(settings.gapTimeout()) + "; the reply was stopped."));
            } else {
                scheduleGapCheck(gap - idle);
            }
        }

        private synchronized void chunk(String text) {
            if (!terminated) {
                listener.onChunk(text);
            }
        }

        private synchronized void complete(Usage total) {
            if (!terminated) {
                // The rest of the body, if any, drains on its own so that the connection can be reused.
                terminate();
                listener.onComplete(total);
            }
        }

        synchronized void fail(WorldLinkException e) {
            if (!terminated) {
                terminate();
                stopTransfer();
                listener.onError(e);
            }
        }

        synchronized void cancel() {
            if (!terminated) {
                terminate();
            }
            stopTransfer();
        }

        private void terminate() {
            terminated = true;
            // Cancelled rather than left to find the call over: a pending check holds the call until it runs.
            for (ScheduledFuture<?> check : new ScheduledFuture<?>[] {firstByteCheck, gapCheck}) {
                if (check != null) {
                    check.cancel(false);
                }
            }
            timer.release();
        }

        private void stopTransfer() {
            if (exchange != null) {
                exchange.cancel();
            }
        }
    }
}
