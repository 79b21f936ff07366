package io.worldlink;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A user id as the protocol defines it. A UUID in canonical form names an anonymous user, whose data
 * is deleted when they leave; any other id of {@code [A-Za-z0-9_-]{1,64}} names a signed user, whose
 * identity must be proven. UUIDs are kept in lower case, so one anonymous user has one folder.
 *
 * @param value the id, safe to use as a folder name
 */
public record UserId(String value) {
    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern SIGNED = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /**
     * Makes a user id, checking it.
     *
     * @param value the id
     * @throws WorldLinkException with {@link ErrorCode#INVALID_NAME} when it is not a valid user id
     */
    public UserId {
        Objects.requireNonNull(value, "value");
        if (UUID.matcher(value).matches()) {
            value = value.toLowerCase(Locale.ROOT);
        } else if (!SIGNED.matcher(value).matches()) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME,
                    "The user id must be a UUID (anonymous) or 1 to 64 of the characters A-Z, a-z, 0-9, '_' and '-'.");
        }
    }

    /**
     * {@return the user id}
     *
     * @param value the id a client sent, possibly {@code null}
     * @throws WorldLinkException with {@link ErrorCode#INVALID_NAME} when it is missing or invalid
     */
    public static UserId of(String value) {
        if (value == null) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "The user id is missing.");
        }
        return new UserId(value);
    }

    /** {@return a new random anonymous user id} */
    public static UserId anonymous() {
        return new UserId(java.util.UUID.randomUUID().toString());
    }

    /** {@return whether this is an anonymous user (a UUID), whose data is deleted when they leave} */
    public boolean isAnonymous() {
        return UUID.matcher(value).matches();
    }

    @Override
    public String toString() {
        return value;
    }
}
