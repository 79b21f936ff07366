package io.worldlink;

/**
 * Checks the token a client offers when it connects (a bearer token in the {@code Authorization} header
 * or a {@code token} query parameter) and says who the client is. It must not block for long: hosts
 * call it during the WebSocket upgrade.
 */
@FunctionalInterface
public interface Authenticator {
    /**
     * {@return the proven identity; {@link Identity#ANONYMOUS} for no token; {@link Identity#refused} for a token that
     *     is not valid}
     *
     * @param token the token offered, or {@code null} when none was
     */
    Identity authenticate(String token);

    /** {@return an authenticator that proves nobody (only anonymous users can select worlds)} */
    static Authenticator none() {
        return token -> token == null || token.isEmpty() ? Identity.ANONYMOUS
                : Identity.refused("This server does not accept tokens; connect without one and use an anonymous user id.");
    }
}
