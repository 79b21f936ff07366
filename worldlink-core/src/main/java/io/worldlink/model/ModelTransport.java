package io.worldlink.model;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * How the built-in OpenAI-compatible models send a request and read its streamed response. The default
 * is the JDK's {@code HttpClient}; a host plugs another with {@code WorldLink.Builder.modelTransport} (the
 * Jetty launcher plugs Jetty's). A transport only moves bytes: where a request goes and with which key,
 * the timeouts between the pieces of a stream and what a failure tells clients stay the model's.
 */
public interface ModelTransport {
    /**
     * Sends a POST without waiting, and streams its response to {@code response}. It must not follow
     * redirects nor keep cookies, and should give up connecting after its connect timeout.
     *
     * @param uri where to send it ({@code http} or {@code https})
     * @param headers the request's headers
     * @param body the request's body
     * @param response where the response goes: one call at a time, from any thread
     * @return a handle that aborts the exchange
     */
    ChatCall post(URI uri, Map<String, String> headers, byte[] body, Response response);

    /** Where a response goes: its status, then its body in pieces, then its end or a failure. */
    interface Response {
        /**
         * Receives the response's status, before any of its body.
         *
         * @param code the HTTP status code
         */
        void status(int code);

        /**
         * Receives the next piece of the body.
         *
         * @param piece the bytes; valid only during the call
         */
        void content(ByteBuffer piece);

        /** Tells that the body is complete. */
        void complete();

        /**
         * Tells that the exchange failed: the connection could not be opened, or broke.
         *
         * @param failure why
         */
        void failed(Throwable failure);
    }
}
