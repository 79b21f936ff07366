package io.worldlink.jetty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import jakarta.websocket.CloseReason;
import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

class JakartaTransportTest {
    final Session session = mock(Session.class);
    final RemoteEndpoint.Async async = mock(RemoteEndpoint.Async.class);

    @Test
    void sendsOnlyThroughTheAsyncRemoteAndReportsTheResult() {
        when(session.getAsyncRemote()).thenReturn(async);
        IOException failure = new IOException("broken pipe");
        doAnswer(inv -> {
            SendHandler h = inv.getArgument(1);
            h.onResult(inv.getArgument(0).equals("ok") ? new SendResult(session) : new SendResult(session, failure));
            return null;
        }).when(async).sendText(any(String.class), any(SendHandler.class));
        JakartaTransport t = new JakartaTransport(session, null);

        AtomicReference<Throwable> first = new AtomicReference<>(new Throwable("not called"));
        t.send("ok", first::set);
        AtomicReference<Throwable> second = new AtomicReference<>();
        t.send("fails", second::set);

        assertNull(first.get());
        assertSame(failure, second.get());
        verify(session, never()).getBasicRemote();
    }

    @Test
    void closesWithTheCodeAndAReasonThatFitsACloseFrame() throws IOException {
        new JakartaTransport(session, null).close(1013, "é".repeat(100));
        ArgumentCaptor<CloseReason> reason = ArgumentCaptor.forClass(CloseReason.class);
        verify(session).close(reason.capture());
        assertEquals(1013, reason.getValue().getCloseCode().getCode());
        int bytes = reason.getValue().getReasonPhrase().getBytes(StandardCharsets.UTF_8).length;
        assertTrue(bytes <= 123, "a close reason holds at most 123 bytes, was " + bytes);
    }

    @Test
    void closingAClosedSessionIsQuiet() throws IOException {
        doAnswer(inv -> {
            throw new IllegalStateException("closed");
        }).when(session).close(eq(new CloseReason(CloseReason.CloseCodes.GOING_AWAY, "bye")));
        new JakartaTransport(session, null).close(1001, "bye");
        verify(session).close(any(CloseReason.class));
    }
}
