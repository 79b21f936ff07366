package io.worldlink.redis.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.event.MessageLevel;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldEvent;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    static final String ORIGIN = "0123456789abcdef";

    static SystemEvent event(long seq, String text) {
        return new SystemEvent("e" + seq, Instant.parse("2026-01-01T00:00:00.123Z").plusSeconds(seq), seq, text,
                MessageLevel.INFO);
    }

    static byte[] json(WorldEvent e) {
        return e.toJson().getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void severalEventsReadBackWholeAndInOrderWhateverTheirText() {
        List<WorldEvent> sent = List.of(event(1, "lines\nand\r\nbreaks"), event(2, "ünïcødé ✓ 🌍"),
                event(3, "{\"not\":\"json\"}\n"));
        String message = new String(Envelope.events(ORIGIN, sent.stream().map(EnvelopeTest::json).toList()),
                StandardCharsets.UTF_8);
        assertTrue(Envelope.isEvent(message) && Envelope.isFrom(ORIGIN, message) && !Envelope.isCatchUp(message));
        assertEquals(3, Envelope.eventCount(message));
        List<WorldEvent> read = new ArrayList<>();
        Envelope.events(message, read::add, e -> {
            throw e;
        });
        assertEquals(sent, read);
    }

    @Test
    void oneEventIsAMessageAsBefore() {
        String message = new String(Envelope.events(ORIGIN, List.of(json(event(7, "one")))), StandardCharsets.UTF_8);
        assertEquals("e" + ORIGIN + event(7, "one").toJson(), message);
        assertEquals(1, Envelope.eventCount(message));
    }

    @Test
    void anUnreadableEventIsReportedInItsPlaceAndTheOthersAreRead() {
        String message = "e" + ORIGIN + event(1, "first").toJson() + "\n{\"id\":\"x\"}\n" + event(3, "third").toJson();
        assertEquals(3, Envelope.eventCount(message));
        List<String> seen = new ArrayList<>();
        Envelope.events(message, e -> seen.add(e.id()), e -> seen.add("unreadable"));
        assertEquals(List.of("e1", "unreadable", "e3"), seen);
    }
}
