package io.worldlink.examples.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * A lean WebSocket client for load: the JDK's WebSocket, frames handed on as text (the benchmark looks
 * at their first bytes, never parses JSON it does not need), one send at a time.
 */
final class BenchClient implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();
    private final Consumer<String> onFrame;
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private volatile WebSocket ws;
    private CompletableFuture<?> sends = CompletableFuture.completedFuture(null);

    private BenchClient(Consumer<String> onFrame) {
        this.onFrame = onFrame;
    }

    static CompletableFuture<BenchClient> open(HttpClient http, URI uri, Consumer<String> onFrame) {
        BenchClient c = new BenchClient(onFrame);
        return http.newWebSocketBuilder().buildAsync(uri, c).thenApply(ws -> {
            c.ws = ws;
            return c;
        });
    }

    synchronized void send(String text) {
        WebSocket w = ws;
        sends = sends.handle((x, e) -> null).thenCompose(x -> w.sendText(text, true));
    }

    CompletableFuture<Integer> close() {
        WebSocket w = ws;
        if (w != null && !w.isOutputClosed()) {
            w.sendClose(WebSocket.NORMAL_CLOSURE, "done").whenComplete((x, e) -> {
                if (e != null) {
                    w.abort();
                }
            });
        }
        return closed;
    }

    void abort() {
        WebSocket w = ws;
        if (w != null) {
            w.abort();
        }
        closed.complete(1006);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        if (last && partial.length() == 0) {
            onFrame.accept(data.toString());
        } else {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                onFrame.accept(text);
            }
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(1006);
    }

    static boolean is(String frame, String type) {
        return frame.startsWith("{\"type\":\"" + type + "\"");
    }

    static boolean isIdle(String frame) {
        return is(frame, "event-stream") && frame.contains("\"action\":\"idle\"");
    }
}
