package io.worldlink.jetty.internal;

import io.worldlink.Transport;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A {@link Transport} over a jakarta WebSocket session. It sends only through the asynchronous remote;
 * WorldLink's outbound queue keeps one message in flight per session, so nothing here blocks or sends
 * from two threads at once.
 */
final class JakartaTransport implements Transport {
    private static final int MAX_REASON_BYTES = 123;

    private final Session session;

    JakartaTransport(Session session) {
        this.session = session;
    }

    @Override
    public void send(String text, Consumer<Throwable> done) {
        session.getAsyncRemote().sendText(text, result -> done.accept(result.isOK() ? null : result.getException()));
    }

    @Override
    public void close(int code, String reason) {
        try {
            session.close(new CloseReason(CloseReason.CloseCodes.getCloseCode(code), clip(reason)));
        } catch (IOException | IllegalStateException e) {
            // Already closing or closed: nothing left to do.
        }
    }

    // A close frame's reason may hold at most 123 bytes of UTF-8.
    static String clip(String reason) {
        if (reason.getBytes(StandardCharsets.UTF_8).length <= MAX_REASON_BYTES) {
            return reason;
        }
        String r = reason;
        while (r.getBytes(StandardCharsets.UTF_8).length > MAX_REASON_BYTES - 3) {
            r = r.substring(0, r.length() - 1);
        }
        return r + "...";
    }
}
