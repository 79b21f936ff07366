package io.worldlink;

/**
 * Who a client proved to be when it connected.
 *
 * @param userId the proven user id, or {@code null} when nothing was proven
 * @param refusal why a token that was offered was refused (a sentence for the client), or {@code null}
 */
public record Identity(String userId, String refusal) {
    /** No token offered: the client may use anonymous (UUID) user ids only. */
    public static final Identity ANONYMOUS = new Identity(null, null);

    /**
     * {@return the identity of a client that proved it is that user}
     *
     * @param userId the proven user id
     */
    public static Identity of(String userId) {
        return new Identity(UserId.of(userId).value(), null);
    }

    /**
     * {@return the identity of a client whose token was refused}
     *
     * @param why why the token was refused, for the client
     */
    public static Identity refused(String why) {
        return new Identity(null, why);
    }

    /** {@return whether a user id was proven} */
    public boolean isProven() {
        return userId != null;
    }
}
