package io.worldlink.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.EventLog;
import io.worldlink.MessageEvent;
import io.worldlink.SenderType;
import io.worldlink.SseEvent;
import io.worldlink.WorldEvent;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileEventLogTest {
    @TempDir
    Path dir;

    static MessageEvent message(String text) {
        return new MessageEvent("id-" + text, Instant.parse("2026-11-22T08:30:00Z"), "HUMAN", SenderType.HUMAN, 0,
                text, null, false);
    }

    Path file() {
        return dir.resolve("events.jsonl");
    }

    static List<Long> seqsAfter(EventLog log, long after) {
        List<Long> seqs = new ArrayList<>();
        log.forEachAfter(after, e -> seqs.add(e.seq()));
        return seqs;
    }

    @Test
    void givesEachDurableEventTheNextSeqAndWritesItBeforeReturning() throws IOException {
        try (EventLog log = FileEventLog.open(file(), "events.jsonl")) {
            assertEquals(0, log.lastSeq());
            MessageEvent first = log.append(message("one"));
            MessageEvent second = log.append(message("two"));
            assertEquals(1, first.seq());
            assertEquals(2, second.seq());
            assertEquals("two", second.content());
            List<String> lines = Files.readAllLines(file());
            assertEquals(2, lines.size());
            assertTrue(lines.get(1).contains("\"seq\":2"), lines.get(1));
        }
    }

    @Test
    void seqContinuesAfterARestart() {
        try (EventLog log = FileEventLog.open(file(), "events.jsonl")) {
            log.append(message("one"));
            log.append(message("two"));
        }
        try (EventLog log = FileEventLog.open(file(), "events.jsonl")) {
            assertEquals(2, log.lastSeq());
            assertEquals(3, log.append(message("three")).seq());
            List<WorldEvent> all = new ArrayList<>();
            log.forEachAfter(0, all::add);
            assertEquals(List.of("one", "two", "three"),
                    all.stream().map(e -> ((MessageEvent) e).content()).toList());
        }
    }

    @Test
    void dropsALineThatACrashLeftHalfWritten() throws IOException {
        try (EventLog log = FileEventLog.open(file(), "events.jsonl")) {
            log.append(message("one"));
        }
        Files.writeString(file(), "{\"id\":\"x\",\"type\":\"mess", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        try (EventLog log = FileEventLog.open(file(), "events.jsonl")) {
            assertEquals(1, log.lastSeq());
            assertEquals(2, log.append(message("two")).seq());
        }
        assertEquals(2, Files.readAllLines(file()).size());
    }

    @Test
    void readsEverythingAfterASeqInOrderWithNoGapAndNoDuplicate() {
        int count = 1000;
        try (EventLog log = FileEventLog.open(file(), "events.jsonl")) {
            for (int i = 0; i < count; i++) {
                log.append(message("m" + i));
            }
            for (long after : new long[] {0, 1, 63, 64, 65, 500, 743, 744, 745, 998, 999, 1000, 2000}) {
                List<Long> expected = LongStream.rangeClosed(after + 1, count).boxed().toList();
                assertEquals(expected, seqsAfter(log, after), "after " + after);
            }
        }
        try (EventLog reopened = FileEventLog.open(file(), "events.jsonl")) {
            assertEquals(LongStream.rangeClosed(101, count).boxed().toList(), seqsAfter(reopened, 100));
        }
    }

    @Test
    void refusesEventsThatAreNotDurable() {
        try (EventLog log = FileEventLog.open(file(), "events.jsonl")) {
            SseEvent chunk = new SseEvent("s", Instant.EPOCH, "ada", SseEvent.Phase.CHUNK, "hi", "m", null, null);
            assertThrows(IllegalArgumentException.class, () -> log.append(chunk));
            assertEquals(0, log.lastSeq());
        }
    }
}
