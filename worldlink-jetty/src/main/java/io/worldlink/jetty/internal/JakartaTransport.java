package io.worldlink.jetty.internal;

import io.worldlink.Transport;
import org.eclipse.jetty.ee11.websocket.jakarta.common.JakartaWebSocketSession;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.websocket.core.CoreSession;
import org.eclipse.jetty.websocket.core.Frame;
import org.eclipse.jetty.websocket.core.OpCode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Transport} over a jakarta WebSocket session. It sends only through the asynchronous remote;
 * WorldLink's outbound queue keeps one message in flight per session, so nothing here blocks or sends
 * from two threads at once. Frames are batched: Jetty gathers the frames of a burst and writes them
 * together when WorldLink's queue for the client runs empty ({@link #flush()}), instead of one socket
 * write per frame.
 */
final class JakartaTransport implements Transport {
    private static final Logger LOG = LoggerFactory.getLogger(JakartaTransport.class);
    private static final int MAX_REASON_BYTES = 123;

    private final Session session;
    private final CoreSession core;
    private final String remoteAddress;

    /**
     * @param session the jakarta session
     * @param remote the client's socket address as the upgrade request saw it, or {@code null}
     */
    JakartaTransport(Session session, Object remote) {
        this.session = session;
        this.remoteAddress = ip(remote);
        // The jakarta API's flushBatch() blocks; Jetty's own session flushes without blocking.
        this.core = session instanceof JakartaWebSocketSession j ? j.getCoreSession() : null;
        if (core != null) {
            try {
                session.getAsyncRemote().setBatchingAllowed(true);
            } catch (IOException e) {
                LOG.debug("Batching stays off for session {}", session.getId(), e);
            }
        }
    }

    // The IP alone, without the port: a client opens each connection from another port, and a limit per
    // address must count them together.
    static String ip(Object remote) {
        return remote instanceof InetSocketAddress a && a.getAddress() != null ? a.getAddress().getHostAddress() : null;
    }

    @Override
    public String remoteAddress() {
        return remoteAddress;
    }

    /**
     * Sends a ping without waiting: the jakarta API's {@code sendPing} blocks until the frame is written,
     * which a client that stopped reading would stretch to the idle timeout, for every session pinged after
     * it.
     */
    void ping() {
        if (core != null) {
            core.sendFrame(new Frame(OpCode.PING), Callback.NOOP, false);
            return;
        }
        try {
            session.getAsyncRemote().sendPing(ByteBuffer.allocate(0));
        } catch (IOException | RuntimeException e) {
            LOG.debug("Could not ping session {}", session.getId(), e);
        }
    }

    @Override
    public void flush() {
        if (core != null) {
            core.flush(Callback.NOOP);
        }
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
