package io.worldlink.redis.internal;

import io.worldlink.event.WorldEvent;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * What a world's channel carries: a kind letter, the publishing bus's origin (16 hex digits, random per
 * bus) and, for events, one or more events' JSON ({@link WorldEvent#toJson()}) in the order they were
 * published, each on a line of its own (the JSON of an event has no line break: its strings escape them):
 * <pre>
 * e{origin}{"id":"...","seq":12,...}               an event
 * e{origin}{"id":"...","seq":12,...}\n{"id":...}   several events, in order
 * c{origin}                                        "events of this world may have been missed: read the log"
 * </pre>
 * The origin lets a bus pass over its own messages, whose events it delivered to its subscribers itself.
 */
final class Envelope {
    static final int ORIGIN_LENGTH = 16;
    private static final char EVENT = 'e';
    private static final char CATCH_UP = 'c';
    private static final char SEPARATOR = '\n';

    private Envelope() {}

    /** @return a new random origin */
    static String newOrigin() {
        byte[] b = new byte[ORIGIN_LENGTH / 2];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /**
     * @param origin the publishing bus's origin
     * @param events at least one event's JSON in UTF-8, in order
     * @return the message that carries them, in UTF-8
     */
    static byte[] events(String origin, List<byte[]> events) {
        int length = 1 + ORIGIN_LENGTH + events.size() - 1;
        for (byte[] e : events) {
            length += e.length;
        }
        byte[] message = new byte[length];
        message[0] = EVENT;
        System.arraycopy(origin.getBytes(StandardCharsets.US_ASCII), 0, message, 1, ORIGIN_LENGTH);
        int at = 1 + ORIGIN_LENGTH;
        for (byte[] e : events) {
            if (at > 1 + ORIGIN_LENGTH) {
                message[at++] = SEPARATOR;
            }
            System.arraycopy(e, 0, message, at, e.length);
            at += e.length;
        }
        return message;
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

    /** @return whether the message carries events */
    static boolean isEvent(String message) {
        return message.length() > 1 + ORIGIN_LENGTH && message.charAt(0) == EVENT;
    }

    /**
     * @param message a message for which {@link #isEvent} holds
     * @return how many events it carries
     */
    static int eventCount(String message) {
        int n = 1;
        for (int at = message.indexOf(SEPARATOR, 1 + ORIGIN_LENGTH); at >= 0; at = message.indexOf(SEPARATOR, at + 1)) {
            n++;
        }
        return n;
    }

    /**
     * Reads a message's events, each on its own: one that cannot be read does not hold up the others.
     *
     * @param message a message for which {@link #isEvent} holds
     * @param each given each event, in order
     * @param unreadable given why an event could not be read, in its place
     */
    static void events(String message, Consumer<WorldEvent> each, Consumer<IllegalArgumentException> unreadable) {
        int start = 1 + ORIGIN_LENGTH;
        while (start <= message.length()) {
            int end = message.indexOf(SEPARATOR, start);
            if (end < 0) {
                end = message.length();
            }
            WorldEvent event;
            try {
                event = WorldEvent.fromJson(message.substring(start, end));
            } catch (IllegalArgumentException e) {
                unreadable.accept(e);
                event = null;
            }
            if (event != null) {
                each.accept(event);
            }
            start = end + 1;
        }
    }
}
