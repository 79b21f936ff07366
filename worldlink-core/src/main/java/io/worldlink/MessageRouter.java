package io.worldlink;

import java.util.concurrent.CompletionStage;

/**
 * Handles each request a client sends: one decoded frame of one connection. WorldLink's own router, which
 * speaks the wire protocol (world-select, chat-send and the rest), is the default; a host replaces it or,
 * more often, wraps it, to audit or moderate what clients send or to add a request type of its own:
 * <pre>{@code
 * WorldLink link = WorldLink.builder()
 *         .messageRouter(protocol -> request -> {
 *             if (request.type().equals("host-time")) {               // a request type of the host's own
 *                 request.reply("host-time", "{\"now\":\"" + Instant.now() + "\"}");
 *                 return CompletableFuture.completedFuture(null);
 *             }
 *             String message = request.type().equals("chat-send") ? request.text("message") : null;
 *             if (message != null && message.contains("password")) {   // a rule of the host's own
 *                 throw new WorldLinkException(ErrorCode.FORBIDDEN, "Don't share passwords in a chat.");
 *             }
 *             return protocol.route(request);                          // everything else as usual
 *         })
 *         .build();
 * }</pre>
 *
 * <p>Requests of one connection are routed one at a time, in the order they arrived: the next one waits
 * until the stage returned for this one completes (at most 32 wait; more are refused with
 * {@code RATE_LIMITED}). A router may be called on the thread that delivered the frame (a server's I/O
 * thread) or on one of WorldLink's: it must not block; to wait for something, return a stage that completes
 * when it is done. The envelope is checked before a router sees a request (a JSON object, a {@code type}
 * string, an {@code id} of at most 64 characters, an object {@code payload}); frame size and rate limits
 * apply too. Requests that were waiting when their connection closed are not routed.
 */
@FunctionalInterface
public interface MessageRouter {
    /**
     * Handles one request. To refuse it, throw (or fail the stage with) a {@link WorldLinkException}: the
     * client gets a {@code system-message} of level {@code error} with its code and message, answering the
     * request's id (a refused {@code world-select} gets a {@code connection-error}). Any other failure is
     * logged and the client is told that something went wrong. A router that passes a request on to another
     * passes the one it was given; WorldLink's own router also takes one of the host's making whose
     * {@link Request#connection()} is the given one's (to change the payload, say).
     *
     * @param request the request and the connection it came from
     * @return a stage, never {@code null}, that completes when the connection's next request may be routed
     */
    CompletionStage<Void> route(Request request);

    /**
     * One request a client sent, as a {@code MessageRouter} sees it: the frame
     * {@code {"type": ..., "id": ..., "payload": {...}}} of PROTOCOL.md, decoded, and the connection it came
     * from. A router that wraps another passes the same request on.
     */
    interface Request {
        /** {@return the request's type, such as {@code chat-send}} */
        String type();

        /** {@return the client's id of the request, or {@code null} when it gave none} */
        String id();

        /** {@return the payload, a JSON object as text ({@code {}} when the frame had none)} */
        String payload();

        /**
         * Reads a text field of the payload.
         *
         * @param field the field's name
         * @return its value, or {@code null} when the payload has no such field
         * @throws WorldLinkException {@link ErrorCode#INVALID_MESSAGE} when the field is there but not a string
         */
        String text(String field);

        /** {@return the connection the request came from: who sent it, and the world it has selected} */
        Connection connection();

        /**
         * Answers the request: sends {@code {"type": type, "payload": payload, "replyTo": id}} to this
         * connection only, after what was queued for it before. It may be called more than once; once the
         * connection has closed, nothing is sent.
         *
         * @param type the answer's type
         * @param payload the answer's payload, a JSON object as text
         * @throws IllegalArgumentException when the payload is not a JSON object (or {@code null}) or the type
         *     is empty
         */
        void reply(String type, String payload);
    }
}
