package io.worldlink.internal;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random ids for events and messages. They must be unique, not secret, so they come from
 * {@link ThreadLocalRandom} instead of {@link UUID#randomUUID()}, whose shared SecureRandom is a lock
 * every thread would meet on the hot path.
 */
public final class Ids {
    private Ids() {}

    /** @return a new version-4 UUID string */
    public static String next() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = (r.nextLong() & ~0xF000L) | 0x4000L;
        long lo = (r.nextLong() & ~(0xC000_0000_0000_0000L)) | 0x8000_0000_0000_0000L;
        return new UUID(hi, lo).toString();
    }
}
