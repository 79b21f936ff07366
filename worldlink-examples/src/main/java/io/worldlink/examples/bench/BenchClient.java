package io.worldlink.examples.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CloseStatus;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.FrameHandler;
import org.eclipse.jetty.websocket.core.OpCode;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;

/**
 * A lean WebSocket client for load, on Jetty's core WebSocket client (much lighter per frame than the
 * JDK's): frames are handed on as text (the benchmark looks at their first bytes and never parses JSON
 * it does not need).
 */
final class BenchClient implements FrameHandler {
    private final StringBuilder partial = new StringBuilder();
    private final Consumer<String> onFrame;
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private volatile CoreSession session;

    private BenchClient(Consumer<String> onFrame) {
        this.onFrame = onFrame;
    }

    static CompletableFuture<BenchClient> open(WebSocketCoreClient client, URI uri, Consumer<String> onFrame) {
        BenchClient c = new BenchClient(onFrame);
        try {
            return client.connect(c, uri).thenApply(s -> c);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    void send(String text) {
        CoreSession s = session;
        if (s == null) {
            throw new UncheckedIOException(new IOException("not connected"));
        }
        s.sendFrame(new Frame(OpCode.TEXT, text), Callback.NOOP, false);
    }

    CompletableFuture<Integer> close() {
        CoreSession s = session;
        if (s != null) {
            s.close(CloseStatus.NORMAL, "done", Callback.NOOP);
        }
        return closed;
    }

    /** @return completed with the close code once the connection is closed, by either side */
    CompletableFuture<Integer> whenClosed() {
        return closed;
    }

    void abort() {
        CoreSession s = session;
        if (s != null) {
            s.abort();
        }
        closed.complete(CloseStatus.NO_CLOSE);
    }

    @Override
    public void onOpen(CoreSession coreSession, Callback callback) {
        session = coreSession;
        callback.succeeded();
        coreSession.demand();
    }

    @Override
    public void onFrame(Frame frame, Callback callback) {
        byte op = frame.getOpCode();
        if (op == OpCode.TEXT || op == OpCode.CONTINUATION) {
            if (frame.isFin() && partial.length() == 0) {
                onFrame.accept(frame.getPayloadAsUTF8());
            } else {
                partial.append(frame.getPayloadAsUTF8());
                if (frame.isFin()) {
                    String text = partial.toString();
                    partial.setLength(0);
                    onFrame.accept(text);
                }
            }
        } else if (op == OpCode.PING) {
            // The server closes a connection that leaves its pings unanswered for two ping intervals (40 s
            // by default): a run longer than that would lose every client at once.
            ByteBuffer payload = frame.getPayload();
            ByteBuffer copy = ByteBuffer.allocate(payload == null ? 0 : payload.remaining());
            if (payload != null) {
                copy.put(payload.slice()).flip();
            }
            session.sendFrame(new Frame(OpCode.PONG).setPayload(copy), Callback.NOOP, false);
        }
        callback.succeeded();
        session.demand();
    }

    @Override
    public void onError(Throwable cause, Callback callback) {
        closed.complete(CloseStatus.NO_CLOSE);
        callback.succeeded();
    }

    @Override
    public void onClosed(CloseStatus closeStatus, Callback callback) {
        closed.complete(closeStatus.getCode());
        callback.succeeded();
    }

    static boolean is(String frame, String type) {
        return frame.startsWith("{\"type\":\"" + type + "\"");
    }

    static boolean isIdle(String frame) {
        return is(frame, "event-stream") && frame.contains("\"action\":\"idle\"");
    }
}
