package io.worldlink;

/**
 * One request a client sent, as a {@link MessageRouter} sees it: the frame
 * {@code {"type": ..., "id": ..., "payload": {...}}} of PROTOCOL.md, decoded, and the connection it came
 * from. A router that wraps another passes the same request on.
 */
public interface ClientRequest {
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
     * connection only, after what was queued for it before.
     *
     * @param type the answer's type
     * @param payload the answer's payload, a JSON object as text
     * @throws IllegalArgumentException when the payload is not a JSON object or the type is empty
     */
    void reply(String type, String payload);
}
