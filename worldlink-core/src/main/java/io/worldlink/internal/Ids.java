package io.worldlink.internal;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random ids for events and messages. They must be unique, not secret, so they come from
 * {@link ThreadLocalRandom} instead of {@link UUID#randomUUID()}, whose shared SecureRandom is a lock
 * every thread would meet on the hot path.
 */
public final class Ids {
    private Ids() {}

    /**
     * The id of an agent's reply to a message: the same every time, so that a reply taken up again after
     * a crash has the id of the one that was cut off, and clients put it in its place.
     *
     * @param messageId the message answered
     * @param agentId the agent answering
     * @return a version-3 UUID string
     */
    public static String reply(String messageId, String agentId) {
        return UUID.nameUUIDFromBytes((messageId + "/" + agentId).getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** @return a new version-4 UUID string */
    public static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (r.nextLong() & ~(0xC000_0000_0000_0000L)) | 0x8000_0000_0000_0000L;
        return new UUID(hi, lo).toString();
    }
}
