package io.worldlink;

import java.util.function.Consumer;

/**
 * The host's side of one client connection: how WorldLink sends a text frame and closes. The host
 * implements it over its WebSocket (or anything else that carries text frames in order).
 *
 * <p>WorldLink never has two sends of one connection in flight: it calls {@link #send} again only after
 * the previous send reported that it is done, so an implementation may use an asynchronous remote that
 * allows one message in flight. Neither method may block.
 */
public interface Transport {
    /**
     * Starts sending a text frame.
     *
     * @param text the frame
     * @param done called once when the frame is sent, with {@code null}, or with why it failed
     */
    void send(String text, Consumer<Throwable> done);

    /**
     * Called when WorldLink has nothing more to send for now. A transport that gathers frames to write
     * them together (a batching WebSocket) writes what it gathered; the default does nothing. Must not
     * block.
     */
    default void flush() {}

    /**
     * Says where the connection comes from, so that WorldLink can limit the connections of one address.
     *
     * @return the client's address (an IP address, without the port), or {@code null} when unknown;
     *     the default is unknown
     */
    default String remoteAddress() {
        return null;
    }

    /**
     * Closes the connection.
     *
     * @param code a WebSocket close code (1001 going away, 1009 too big, 1013 try again later, ...)
     * @param reason a short reason for the client
     */
    void close(int code, String reason);
}
