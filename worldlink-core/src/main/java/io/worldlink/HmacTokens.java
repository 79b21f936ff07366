package io.worldlink;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The default {@link Authenticator}: tokens signed with HMAC-SHA256 that name a user id and an expiry,
 * {@code base64url(userId:expiryEpochSeconds).base64url(signature)}. The signature is compared in
 * constant time. Thread-safe.
 */
public final class HmacTokens implements Authenticator {
    private static final String ALGORITHM = "HmacSHA256";
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

    private final SecretKeySpec key;
    private final Clock clock;

    /**
     * Makes a token authority that signs with a secret and reads the time from a clock.
     *
     * @param secret the signing secret, at least 32 bytes
     * @param clock the time source for expiry
     */
    public HmacTokens(byte[] secret, Clock clock) {
        if (secret.length < 32) {
            throw new IllegalArgumentException("The token secret must be at least 32 bytes long; it is "
                    + secret.length + ".");
        }
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
        this.clock = clock;
    }

    /**
     * {@return tokens signed with it, on the system clock}
     *
     * @param secret the signing secret, at least 32 characters (UTF-8)
     */
    public static HmacTokens withSecret(String secret) {
        return new HmacTokens(secret.getBytes(StandardCharsets.UTF_8), Clock.systemUTC());
    }

    /**
     * {@return a token that proves the user id until then}
     *
     * @param userId a signed user's id
     * @param validFor how long the token is valid
     */
    public String mint(String userId, Duration validFor) {
        String payload = UserId.of(userId).value() + ":" + clock.instant().plus(validFor).getEpochSecond();
        String body = ENCODER.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
        return body + "." + ENCODER.encodeToString(sign(body));
    }

    @Override
    public Identity authenticate(String token) {
        if (token == null || token.isEmpty()) {
            return Identity.ANONYMOUS;
        }
        int dot = token.indexOf('.');
        if (dot <= 0 || dot != token.lastIndexOf('.') || token.length() > 1024) {
            return Identity.refused("The token is malformed; ask for a new one.");
        }
        String body = token.substring(0, dot);
        byte[] signature;
        String payload;
        try {
            signature = DECODER.decode(token.substring(dot + 1));
            payload = new String(DECODER.decode(body), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Identity.refused("The token is malformed; ask for a new one.");
        }
        if (!MessageDigest.isEqual(sign(body), signature)) {
            return Identity.refused("The token's signature is not valid; ask for a new one.");
        }
        int colon = payload.lastIndexOf(':');
        try {
            long expiry = Long.parseLong(payload.substring(colon + 1));
            if (!clock.instant().isBefore(Instant.ofEpochSecond(expiry))) {
                return Identity.refused("The token has expired; sign in again for a new one.");
            }
            return Identity.of(payload.substring(0, colon));
        } catch (RuntimeException e) {
            return Identity.refused("The token is malformed; ask for a new one.");
        }
    }

    private byte[] sign(String body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac.doFinal(body.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
        }
    }
}
