package io.worldlink.redis.internal;

import io.worldlink.event.WorldEvent;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * What a world's channel carries: a kind letter, the publishing bus's origin (16 hex digits, random per
 * bus) and, for an event, the event's JSON ({@link WorldEvent#toJson()}):
 * <pre>
 * e{origin}{"id":"...","seq":12,...}    an event
 * c{origin}                             "events of this world may have been missed: read the log"
 * </pre>
 * The origin lets a bus pass over its own messages, whose events it delivered to its subscribers itself.
 */
final class Envelope {
    static final int ORIGIN_LENGTH = 16;
    private static final char EVENT = 'e';
    private static final char CATCH_UP = 'c';

    private Envelope() {}

    /** @return a new random origin */
    static String newOrigin() {
        byte[] b = new byte[ORIGIN_LENGTH / 2];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    static String event(String origin, WorldEvent event) {
        return EVENT + origin + event.toJson();
    }

    static String catchUp(String origin) {
        return CATCH_UP + origin;
    }

    /** @return whether the message is well formed and from that origin */
    static boolean isFrom(String origin, String message) {
        return message.length() > ORIGIN_LENGTH && message.startsWith(origin, 1);
    }

    /** @return whether the message says that events may have been missed */
    static boolean isCatchUp(String message) {
        return message.length() == 1 + ORIGIN_LENGTH && message.charAt(0) == CATCH_UP;
    }

    /** @return whether the message carries an event */
    static boolean isEvent(String message) {
        return message.length() > 1 + ORIGIN_LENGTH && message.charAt(0) == EVENT;
    }

    /**
     * @param message a message for which {@link #isEvent} holds
     * @return its event
     * @throws IllegalArgumentException when its JSON is not an event's
     */
    static WorldEvent event(String message) {
        return WorldEvent.fromJson(message.substring(1 + ORIGIN_LENGTH));
    }
}
