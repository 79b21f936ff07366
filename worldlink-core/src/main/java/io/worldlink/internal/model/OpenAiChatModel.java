package io.worldlink.internal.model;

import io.worldlink.model.ChatCall;
import io.worldlink.model.ChatListener;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.OpenAiSettings;
import io.worldlink.model.Usage;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.internal.Daemons;
import io.worldlink.internal.Durations;
import io.worldlink.internal.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A streaming client for OpenAI's {@code /chat/completions} on the JDK's {@link HttpClient}. It parses
 * server-sent events (comments, multi-line data, {@code [DONE]}), asks for a usage chunk when told to,
 * speaks HTTP/1.1 to servers on this machine (local servers rarely speak HTTP/2 without TLS), and
 * turns every failure into one {@link ErrorCode#MODEL_ERROR} that a person can act on and that never
 * holds the API key.
 */
public final class OpenAiChatModel implements ChatModel {
    // PROTOCOL.md: a model's error reaches clients as the provider's own message, at most this long.
    private static final int MAX_ERROR_MESSAGE = 200;

    private final OpenAiSettings settings;
    private final HttpClient client;
    private final ModelTimer timer;

    /**
     * @param settings where and how to call the server
     * @param timer where the watchdog of a stream that goes quiet is scheduled
     * @param client the HTTP client to call it with, from {@link #httpClient}
     */
    public OpenAiChatModel(OpenAiSettings settings, ModelTimer timer, HttpClient client) {
        this.settings = settings;
        this.timer = timer;
        this.client = client;
    }

    /**
     * A model with an HTTP client of its own, whose work runs on at most two daemon threads
     * ({@code worldlink-model-http-*}) that end after a second without a call.
     *
     * @param settings where and how to call the server
     * @param timer where the watchdog of a stream that goes quiet is scheduled
     * @return the model
     */
    public static OpenAiChatModel standalone(OpenAiSettings settings, ModelTimer timer) {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(2, 2, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                Daemons.factory("worldlink-model-http"));
        executor.allowCoreThreadTimeOut(true);
        return new OpenAiChatModel(settings, timer, httpClient(settings.firstByteTimeout(), executor));
    }

    /**
     * An HTTP client for these models. Its work (reading responses, handing them on) runs on the given
     * executor: the JDK's default is a cached pool that grows with the calls under way.
     *
     * @param connectTimeout how long a connection may take to open
     * @param executor where the client's work runs; its owner bounds and stops it
     * @return the client
     */
    public static HttpClient httpClient(Duration connectTimeout, Executor executor) {
        return HttpClient.newBuilder().connectTimeout(connectTimeout).executor(executor).build();
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

        HttpRequest.Builder http = HttpRequest.newBuilder(uri)
                .timeout(settings.firstByteTimeout())
                .version(isLoopback(uri) ? HttpClient.Version.HTTP_1_1 : HttpClient.Version.HTTP_2)
                .header("Content-Type", "application/json")
                .header("Accept", "text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body(request), StandardCharsets.UTF_8));
        if (key != null && !key.isBlank()) {
            http.header("Authorization", "Bearer " + key);
        }
        Call call = new Call(listener, key, uri, timer.acquire());
        CompletableFuture<HttpResponse<Void>> future;
        try {
            future = client.sendAsync(http.build(), call::handle);
        } catch (RuntimeException e) {
            call.cancel();
            throw e;
        }
        call.future = future;
        future.whenComplete((response, error) -> {
            if (error != null) {
                call.fail(transportError(error, uri));
            }
        });
        return call::cancel;
    }

    private String body(ChatRequest request) {
        JsonObject o = new JsonObject();
        o.addProperty("model", request.model());
        JsonArray messages = new JsonArray();
        for (ChatMessage m : request.messages()) {
            JsonObject message = new JsonObject();
            message.addProperty("role", m.role());
            message.addProperty("content", m.content());
            messages.add(message);
        }
        o.add("messages", messages);
        o.addProperty("stream", true);
        if (settings.includeUsage()) {
            JsonObject options = new JsonObject();
            options.addProperty("include_usage", true);
            o.add("stream_options", options);
        }
        if (request.temperature() != null) {
            o.addProperty("temperature", request.temperature());
        }
        if (request.maxTokens() != null) {
            o.addProperty("max_tokens", request.maxTokens());
        }
        return Json.GSON.toJson(o);
    }

    private static boolean isLoopback(URI uri) {
        String host = uri.getHost();
        if (host == null) {
            return false;
        }
        if (host.equalsIgnoreCase("localhost")) {
            return true;
        }
        try {
            // Only literal addresses: never a DNS lookup on the caller's thread.
            return (Character.digit(host.charAt(0), 16) != -1 || host.startsWith("["))
                    && InetAddress.getByName(host).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    private WorldLinkException transportError(Throwable error, URI uri) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        String server = uri.getHost() + (uri.getPort() == -1 ? "" : ":" + uri.getPort());
        String message;
        if (e instanceof HttpTimeoutException) {
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

    /** One call: the response handler, the SSE parser and the watchdog, delivering to one listener. */
    private final class Call implements Flow.Subscriber<String> {
        private final ChatListener listener;
        private final String key;
        private final URI uri;
        private final StringBuilder data = new StringBuilder();
        private volatile CompletableFuture<HttpResponse<Void>> future;
        private Flow.Subscription subscription;
        private Usage usage = Usage.NONE;
        private boolean finished;
        private boolean terminated;
        private volatile long lastActivity = System.nanoTime();
        private final ScheduledExecutorService watchdog;

        Call(ChatListener listener, String key, URI uri, ScheduledExecutorService watchdog) {
            this.listener = listener;
            this.key = key;
            this.uri = uri;
            this.watchdog = watchdog;
        }

        HttpResponse.BodySubscriber<Void> handle(HttpResponse.ResponseInfo info) {
            if (info.statusCode() / 100 == 2) {
                return HttpResponse.BodySubscribers.fromLineSubscriber(this, s -> null, StandardCharsets.UTF_8, null);
            }
            return HttpResponse.BodySubscribers.mapping(HttpResponse.BodySubscribers.ofString(StandardCharsets.UTF_8),
                    body -> {
                        fail(new WorldLinkException(ErrorCode.MODEL_ERROR, httpError(info.statusCode(), body)));
                        return null;
                    });
        }

        // Only the provider's own error message (OpenAI's {"error": {"message"}}) is shown, never the rest
        // of a body: whatever answers at the model's address must not be reflected to clients.
        private String httpError(int status, String body) {
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
            String hint = status == 401 || status == 403
                    ? " Check the API key (OPENAI_API_KEY, or the agent's apiKey)." : "";
            return scrub("The model server at " + uri.getHost() + " answered HTTP " + status
                    + (detail.isEmpty() ? "." : ": " + detail) + hint);
        }

        private String providerMessage(String message) {
            String m = message.strip().replaceAll("\\p{Cntrl}+", " ");
            return m.length() > MAX_ERROR_MESSAGE ? m.substring(0, MAX_ERROR_MESSAGE) + "..." : m;
        }

        private String scrub(String text) {
            return key == null || key.isBlank() ? text : text.replace(key, "***");
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            synchronized (this) {
                if (terminated) {
                    s.cancel();
                    return;
                }
                subscription = s;
            }
            touch();
            scheduleWatchdog(settings.gapTimeout().toNanos());
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            touch();
            if (line.isEmpty()) {
                dispatch();
            } else if (line.startsWith("data:")) {
                if (data.length() > 0) {
                    data.append('\n');
                }
                data.append(line, line.length() > 5 && line.charAt(5) == ' ' ? 6 : 5, line.length());
            }
            // Comments (":") and other fields (event, id, retry) carry nothing for a chat completion.
        }

        private void dispatch() {
            if (data.length() == 0) {
                return;
            }
            String payload = data.toString();
            data.setLength(0);
            if (payload.equals("[DONE]")) {
                complete();
                return;
            }
            JsonObject o;
            try {
                JsonElement e = JsonParser.parseString(payload);
                if (!e.isJsonObject()) {
                    throw new JsonParseException("not an object");
                }
                o = e.getAsJsonObject();
            } catch (JsonParseException e) {
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR,
                        "The model server at " + uri.getHost() + " sent a piece of its stream that is not valid JSON."));
                return;
            }
            try {
                read(o);
            } catch (RuntimeException e) {
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR, "The model server at " + uri.getHost()
                        + " sent a piece of its stream in an unexpected shape.", e));
            }
        }

        private void read(JsonObject o) {
            JsonObject error = o.has("error") && o.get("error").isJsonObject() ? o.getAsJsonObject("error") : null;
            if (error != null) {
                JsonElement m = error.get("message");
                String message = m != null && m.isJsonPrimitive() ? providerMessage(m.getAsString()) : "no message";
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR,
                        scrub("The model server at " + uri.getHost() + " reported an error: " + message)));
                return;
            }
            JsonElement choices = o.get("choices");
            if (choices != null && choices.isJsonArray() && !choices.getAsJsonArray().isEmpty()) {
                JsonObject choice = choices.getAsJsonArray().get(0).getAsJsonObject();
                JsonElement delta = choice.get("delta");
                if (delta != null && delta.isJsonObject()) {
                    JsonElement content = delta.getAsJsonObject().get("content");
                    if (content != null && content.isJsonPrimitive() && !content.getAsString().isEmpty()) {
                        chunk(content.getAsString());
                    }
                }
                JsonElement reason = choice.get("finish_reason");
                if (reason != null && !reason.isJsonNull()) {
                    synchronized (this) {
                        finished = true;
                    }
                }
            }
            JsonElement u = o.get("usage");
            if (u != null && u.isJsonObject()) {
                JsonObject uo = u.getAsJsonObject();
                int in = intOf(uo, "prompt_tokens");
                int out = intOf(uo, "completion_tokens");
                int total = uo.has("total_tokens") ? intOf(uo, "total_tokens") : in + out;
                synchronized (this) {
                    usage = new Usage(in, out, total);
                }
            }
        }

        private int intOf(JsonObject o, String field) {
            JsonElement e = o.get(field);
            return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber() ? e.getAsInt() : 0;
        }

        @Override
        public void onError(Throwable t) {
            fail(new WorldLinkException(ErrorCode.MODEL_ERROR, "The stream from the model server at " + uri.getHost()
                    + " broke off before the reply was complete (" + t.getClass().getSimpleName() + ").", t));
        }

        @Override
        public void onComplete() {
            dispatch();
            boolean done;
            synchronized (this) {
                done = finished;
            }
            if (done) {
                complete();
            } else {
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR, "The stream from the model server at "
                        + uri.getHost() + " ended before the reply was complete."));
            }
        }

        private void touch() {
            lastActivity = System.nanoTime();
        }

        private void scheduleWatchdog(long delayNanos) {
            try {
                watchdog.schedule(this::checkGap, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                fail(new WorldLinkException(ErrorCode.MODEL_ERROR, "The model client's timer is stopped (WorldLink "
                        + "is closing); the reply from " + uri.getHost() + " was stopped."));
            }
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
                scheduleWatchdog(gap - idle);
            }
        }

        private synchronized void chunk(String text) {
            if (!terminated) {
                listener.onChunk(text);
            }
        }

        private synchronized void complete() {
            if (!terminated) {
                // The rest of the body, if any, drains on its own so that the connection can be reused.
                terminate();
                listener.onComplete(usage);
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
            timer.release();
        }

        private void stopTransfer() {
            if (subscription != null) {
                subscription.cancel();
            }
            CompletableFuture<HttpResponse<Void>> f = future;
            if (f != null && !f.isDone()) {
                f.cancel(true);
            }
        }
    }
}
