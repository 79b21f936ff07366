package io.worldlink;

import java.util.Objects;

/**
 * The one unchecked exception of WorldLink. Its message is a sentence a person can act on and never
 * holds an absolute server path or an API key, so it may be shown to a client as it is.
 */
public class WorldLinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The protocol error code the client is shown. */
    private final ErrorCode code;

    /**
     * Makes an exception that the client is shown with its code.
     *
     * @param code the protocol error code
     * @param message a sentence a person can act on
     */
    public WorldLinkException(ErrorCode code, String message) {
        super(message);
        this.code = Objects.requireNonNull(code, "code");
    }

    /**
     * Makes an exception, with its cause, that the client is shown with its code.
     *
     * @param code the protocol error code
     * @param message a sentence a person can act on
     * @param cause the underlying failure, for logs only
     */
    public WorldLinkException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** {@return the protocol error code} */
    public ErrorCode code() {
        return code;
    }
}
