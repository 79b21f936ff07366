package io.worldlink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class JsonTest {
    static Instant read(String timestamp) {
        JsonObject o = new JsonObject();
        o.addProperty("t", timestamp);
        return Json.instant(o, "t");
    }

    @Test
    void aTimestampAsWrittenReadsBackAsInstantParseReadsIt() {
        SplittableRandom random = new SplittableRandom(14);
        List<Instant> instants = new ArrayList<>(List.of(Instant.EPOCH, Instant.parse("2024-02-29T23:59:59.999Z"),
                Instant.parse("2000-03-01T00:00:00Z"), Instant.parse("9999-12-31T23:59:59.999Z"),
                Instant.parse("2026-11-22T08:30:00.001Z")));
        for (int i = 0; i < 10_000; i++) {
            instants.add(Instant.ofEpochMilli(random.nextLong(253_402_300_800_000L)));
        }
        for (Instant t : instants) {
            String written = Json.timestamp(t);
            assertEquals(Instant.parse(written), Json.readTimestamp(written), written);
            assertEquals(Instant.parse(written), read(written), written);
        }
    }

    @Test
    void whatIsNotExactlyThatFormIsLeftToInstantParse() {
        for (String s : List.of("2026-02-29T08:30:00.000Z", "2026-13-01T08:30:00.000Z", "2026-00-01T08:30:00.000Z",
                "2026-11-31T08:30:00.000Z", "2026-11-22T24:00:00.000Z", "2026-11-22T08:60:00.000Z",
                "2026-11-22T23:59:60.000Z", "2026-11-22T08:30:00.000+", "2026-11-22T08:30:00Z", "2026-11-22 08:30:00.000Z",
                "2026-11-2xT08:30:00.000Z", "-026-11-22T08:30:00.000Z", "2026-11-22T08:30:00.0000Z", "")) {
            assertNull(Json.readTimestamp(s), s);
        }
        assertEquals(Instant.parse("2026-11-22T08:30:00Z"), read("2026-11-22T08:30:00Z"));
        assertEquals(Instant.parse("2026-11-22T08:30:00.123456Z"), read("2026-11-22T08:30:00.123456Z"));
        assertThrows(Json.FieldException.class, () -> read("2026-02-29T08:30:00.000Z"));
        assertThrows(Json.FieldException.class, () -> read("2026-11-2xT08:30:00.000Z"));
    }
}
