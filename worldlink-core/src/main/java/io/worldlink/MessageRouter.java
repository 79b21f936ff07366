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
 *             if (request.type().equals("chat-send") && request.text("message").contains("password")) {
 *                 throw new WorldLinkException(ErrorCode.FORBIDDEN, "Don't share passwords in a chat.");
 *             }
 *             return protocol.route(request);                          // everything else as usual
 *         })
 *         .build();
 * }</pre>
 *
 * <p>Requests of one connection are routed one at a time, in the order they arrived: the next one waits
 * until the stage returned for this one completes. Routing happens on WorldLink's threads and must not
 * block. The envelope is checked before a router sees a request (a JSON object, a {@code type} string, an
 * {@code id} of at most 64 characters, an object {@code payload}); frame size and rate limits apply too.
 */
@FunctionalInterface
public interface MessageRouter {
    /**
     * Handles one request. To refuse it, throw (or fail the stage with) a {@link WorldLinkException}: the
     * client gets a {@code system-message} of level {@code error} with its code and message, answering the
     * request's id. Any other failure is logged and the client is told that something went wrong.
     *
     * @param request the request and the connection it came from
     * @return a stage that completes when the connection's next request may be routed
     */
    CompletionStage<Void> route(ClientRequest request);
}
