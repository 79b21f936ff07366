package io.worldlink.internal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.worldlink.event.EventLog;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.SenderType;
import io.worldlink.event.SseEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.StorageException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.LongStream;
import java.util.stream.Stream;
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

    void writeEvents(int count) {
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            for (int i = 1; i <= count; i++) {
                log.append(message("m" + i));
            }
        }
    }

    /** @return the file's lines, without their line feeds */
    List<byte[]> lines() throws IOException {
        byte[] bytes = Files.readAllBytes(file());
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                lines.add(Arrays.copyOfRange(bytes, start, i));
                start = i + 1;
            }
        }
        assertEquals(bytes.length, start, "the file ends with a whole line");
        return lines;
    }

    void writeLines(List<byte[]> lines) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] line : lines) {
            out.write(line);
            out.write('\n');
        }
        Files.write(file(), out.toByteArray());
    }

    static byte[] replace(byte[] line, String from, String to) {
        String text = new String(line, StandardCharsets.UTF_8);
        assertTrue(text.contains(from), text);
        return text.replace(from, to).getBytes(StandardCharsets.UTF_8);
    }

    /** The warnings FileEventLog logs while this is open, kept here instead of on the console. */
    static final class Warnings extends Handler implements AutoCloseable {
        private final Logger logger = Logger.getLogger(FileEventLog.class.getName());
        private final List<String> messages = new ArrayList<>();

        Warnings() {
            logger.addHandler(this);
            logger.setUseParentHandlers(false);
        }

        synchronized List<String> messages() {
            return List.copyOf(messages);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            if (record.getLevel() == java.util.logging.Level.WARNING) {
                messages.add(record.getMessage());
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {
            logger.setUseParentHandlers(true);
            logger.removeHandler(this);
        }
    }

    @Test
    void itsSizeIsTheFileSizeAsItAppendsAndWhenItIsOpenedAgainAfterACrashCutALine() throws IOException {
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            assertEquals(0, log.size(), "no file yet");
            log.append(message("first"));
            log.append(message("second, longer"));
            assertEquals(Files.size(file()), log.size(), "counted as it appends, before the sync");
        }
        long whole = Files.size(file());
        Files.writeString(file(), "{\"type\":\"message\",\"seq\":3", StandardOpenOption.APPEND);
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            assertEquals(whole, log.size(), "the torn last line is cut");
            log.append(message("third"));
            assertEquals(Files.size(file()), log.size());
        }
    }

    @Test
    void givesEachDurableEventTheNextSeqAndWritesItBeforeReturning() throws IOException {
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
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
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            log.append(message("one"));
            log.append(message("two"));
        }
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
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
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            log.append(message("one"));
        }
        Files.writeString(file(), "{\"id\":\"x\",\"type\":\"mess", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            assertEquals(1, log.lastSeq());
            assertEquals(2, log.append(message("two")).seq());
        }
        assertEquals(2, Files.readAllLines(file()).size());
    }

    @Test
    void readsEverythingAfterASeqInOrderWithNoGapAndNoDuplicate() {
        int count = 1000;
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            for (int i = 0; i < count; i++) {
                log.append(message("m" + i));
            }
            for (long after : new long[] {0, 1, 63, 64, 65, 500, 743, 744, 745, 998, 999, 1000, 2000}) {
                List<Long> expected = LongStream.rangeClosed(after + 1, count).boxed().toList();
                assertEquals(expected, seqsAfter(log, after), "after " + after);
            }
        }
        try (EventLog reopened = FileEventLog.open(file(), "events.jsonl", true)) {
            assertEquals(LongStream.rangeClosed(101, count).boxed().toList(), seqsAfter(reopened, 100));
        }
    }

    // What newestBetween must return, found the long way: every event read, the newest that match kept.
    static List<Long> newestTheLongWay(EventLog log, long after, long before, int limit, Predicate<WorldEvent> filter) {
        List<Long> all = new ArrayList<>();
        log.forEachAfter(after, e -> {
            if (e.seq() < before && filter.test(e)) {
                all.add(e.seq());
            }
        });
        return all.subList(Math.max(0, all.size() - limit), all.size());
    }

    // A log of a host's that reads back through forEachAfter only: EventLog's default newestBetween.
    static EventLog withTheDefault(EventLog log) {
        return new EventLog() {
            @Override
            public long lastSeq() {
                return log.lastSeq();
            }

            @Override
            public <E extends WorldEvent> E append(E event) {
                return log.append(event);
            }

            @Override
            public void sync() {
                log.sync();
            }

            @Override
            public void forEachAfter(long afterSeq, java.util.function.Consumer<? super WorldEvent> action) {
                log.forEachAfter(afterSeq, action);
            }

            @Override
            public void close() {
                log.close();
            }
        };
    }

    @Test
    void readsTheNewestEventsOfARangeBackFromTheEndAsAWholeReadWouldFindThem() throws IOException {
        int count = 1500;
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            for (int i = 1; i <= count; i++) {
                // Three chats, unevenly: one of them only now and then.
                String chat = i % 37 == 0 ? "rare" : i % 2 == 0 ? "even" : "odd";
                log.append(new MessageEvent("m" + i, Instant.EPOCH, "HUMAN", SenderType.HUMAN, 0, "m" + i, null,
                        false, false, false, chat));
            }
        }
        // A damaged line in an early block, and one in the newest events.
        List<byte[]> lines = lines();
        lines.set(99, Arrays.copyOf(lines.get(99), 10));
        lines.set(1400, Arrays.copyOf(lines.get(1400), 10));
        writeLines(lines);
        List<Predicate<WorldEvent>> filters = List.of(e -> true, e -> "even".equals(e.chatId()),
                e -> "rare".equals(e.chatId()), e -> "none".equals(e.chatId()));
        long[][] ranges = {{0, Long.MAX_VALUE}, {0, 1501}, {0, 1300}, {1200, 1300}, {0, 65}, {0, 64}, {63, 130},
                {0, 1}, {5, 6}, {1450, 1490}, {0, 1401}, {0, 100}, {98, 102}, {2000, 3000}};
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            log.append(new MessageEvent("late", Instant.EPOCH, "HUMAN", SenderType.HUMAN, 0, "late", null, false,
                    false, false, "even"));
            for (Predicate<WorldEvent> filter : filters) {
                for (long[] range : ranges) {
                    for (int limit : new int[] {1, 7, 64, 200, 5000}) {
                        List<Long> got = log.newestBetween(range[0], range[1], limit, filter).stream()
                                .map(WorldEvent::seq).toList();
                        assertEquals(newestTheLongWay(log, range[0], range[1], limit, filter), got,
                                Arrays.toString(range) + ", limit " + limit);
                        assertEquals(got, withTheDefault(log).newestBetween(range[0], range[1], limit, filter)
                                .stream().map(WorldEvent::seq).toList(), "the interface's own, for hosts' logs");
                    }
                }
            }
            assertEquals(List.of(), log.newestBetween(0, 10, 0, e -> true));
        }
    }

    @Test
    void aDamagedLineInTheMiddleIsKeptAndEverythingAfterItIsStillRead() throws IOException {
        writeEvents(23);
        List<byte[]> lines = lines();
        byte[] twelve = lines.get(11);
        lines.set(11, Arrays.copyOf(twelve, twelve.length / 2));
        writeLines(lines);

        List<String> warnings;
        try (Warnings captured = new Warnings(); EventLog log = FileEventLog.open(file(), "users/ann/worlds/demo/events.jsonl", true)) {
            assertEquals(23, log.lastSeq());
            List<Long> expected = LongStream.rangeClosed(1, 23).filter(s -> s != 12).boxed().toList();
            assertEquals(expected, seqsAfter(log, 0));
            assertEquals(24, log.append(message("after")).seq());
            warnings = captured.messages();
        }
        assertEquals(24, lines().size(), "nothing is cut");
        assertArrayEquals(Arrays.copyOf(twelve, twelve.length / 2), lines().get(11), "the damaged line is kept as it was");
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).startsWith("users/ann/worlds/demo/events.jsonl, line 12: "), warnings.get(0));
    }

    @Test
    void aLineWithAnUnknownEnumValueIsKeptAndPassedOver() throws IOException {
        writeEvents(5);
        List<byte[]> lines = lines();
        lines.set(1, replace(lines.get(1), "\"senderType\":\"human\"", "\"senderType\":\"robot\""));
        lines.set(2, replace(lines.get(2), "\"type\":\"message\"", "\"type\":\"telepathy\""));
        lines.set(3, replace(lines.get(3), "\"id\":", "\"mood\":\"new field\",\"id\":"));
        writeLines(lines);

        try (Warnings captured = new Warnings(); EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            assertEquals(List.of(1L, 4L, 5L), seqsAfter(log, 0), "an unknown field alone does not stop a line");
            assertEquals(6, log.append(message("six")).seq());
            assertEquals(2, captured.messages().size(), captured.messages().toString());
            assertTrue(captured.messages().get(0).contains("\"senderType\" has the unknown value \"robot\""),
                    captured.messages().get(0));
        }
        assertEquals(6, lines().size());
    }

    @Test
    void theNextSeqIsAboveASeqThatOnlyADamagedLineStillShows() throws IOException {
        writeEvents(3);
        List<byte[]> lines = lines();
        byte[] third = lines.get(2);
        lines.set(2, replace(third, "\"payload\":{", "\"payload\":{{{"));
        writeLines(lines);

        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            assertEquals(List.of(1L, 2L), seqsAfter(log, 0));
            assertEquals(4, log.append(message("four")).seq(), "seq 3 may have reached a client: it is not reused");
        }
    }

    @Test
    void aTornLastLineIsCutButItsSeqIsNotReused() throws IOException {
        writeEvents(3);
        List<byte[]> lines = lines();
        byte[] third = lines.remove(2);
        writeLines(lines);
        Files.write(file(), Arrays.copyOf(third, third.length - 20), StandardOpenOption.APPEND);

        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            assertEquals(List.of(1L, 2L), seqsAfter(log, 0));
            assertEquals(4, log.append(message("four")).seq());
        }
        assertEquals(3, lines().size());
    }

    @Test
    void aLineWhoseSeqDoesNotRiseIsKeptButNotReplayed() throws IOException {
        writeEvents(5);
        List<byte[]> lines = lines();
        lines.add(3, lines.get(1));
        writeLines(lines);

        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            assertEquals(List.of(1L, 2L, 3L, 4L, 5L), seqsAfter(log, 0));
            assertEquals(6, log.append(message("six")).seq());
        }
        assertEquals(7, lines().size());
    }

    /** Damages random lines in the ways that a crash, a bad disk or a careless edit do, many times over. */
    @Test
    void fuzzDamagedLinesNeverCostAnUndamagedEvent() throws IOException {
        Random seeds = new Random(20261122);
        for (int round = 0; round < 40; round++) {
            long seed = seeds.nextLong();
            Random random = new Random(seed);
            Files.deleteIfExists(file());
            int count = 1 + random.nextInt(700);
            writeEvents(count);
            List<byte[]> lines = lines();
            Set<Long> damaged = new TreeSet<>();
            for (int d = random.nextInt(Math.max(1, count / 20) + 1); d > 0 && count > 1; d--) {
                int i = random.nextInt(count - 1);
                damaged.add((long) i + 1);
                lines.set(i, damage(lines.get(i), random));
            }
            writeLines(lines);
            String context = "seed " + seed + ", " + count + " events, damaged " + damaged;

            List<Long> kept = LongStream.rangeClosed(1, count).filter(s -> !damaged.contains(s)).boxed().toList();
            try (Warnings quiet = new Warnings(); EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
                assertEquals(kept, seqsAfter(log, 0), context);
                for (long after : new long[] {1, count / 3, count - 300, count - 256, count - 2}) {
                    assertEquals(kept.stream().filter(s -> s > after).toList(), seqsAfter(log, after),
                            context + ", after " + after);
                }
                long next = log.append(message("next")).seq();
                assertTrue(next > count, context + ": next seq " + next);
                assertEquals(List.of(next), seqsAfter(log, count), context);
            }
            assertEquals(count + 1, lines().size(), context + ": no line is cut");
        }
    }

    private static byte[] damage(byte[] line, Random random) {
        switch (random.nextInt(6)) {
            case 0: {
                byte[] garbage = new byte[random.nextInt(200)];
                random.nextBytes(garbage);
                for (int i = 0; i < garbage.length; i++) {
                    garbage[i] = garbage[i] == '\n' ? 0 : garbage[i];
                }
                return garbage;
            }
            case 1:
                return Arrays.copyOf(line, random.nextInt(line.length));
            case 2:
                return replace(line, "\"senderType\":\"human\"", "\"senderType\":\"robot\"");
            case 3: {
                byte[] broken = line.clone();
                broken[random.nextInt(broken.length)] = (byte) 0xC3;
                broken[broken.length - 1] = (byte) 0xFF;
                return broken;
            }
            case 4:
                return new byte[0];
            default: {
                byte[] zeros = line.clone();
                Arrays.fill(zeros, random.nextInt(zeros.length), zeros.length, (byte) 0);
                return zeros;
            }
        }
    }

    @Test
    void anEventAppendedAndSyncedIsReadBackByAFreshOpen() {
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            log.append(message("one"));
            log.append(message("two"));
            log.sync();
            try (EventLog fresh = FileEventLog.open(file(), "events.jsonl", true)) {
                assertEquals(List.of(1L, 2L), seqsAfter(fresh, 0));
            }
            assertEquals(3, log.append(message("three")).seq(), "the next burst opens the file again");
            log.sync();
        }
        try (EventLog fresh = FileEventLog.open(file(), "events.jsonl", true)) {
            assertEquals(List.of(1L, 2L, 3L), seqsAfter(fresh, 0));
        }
    }

    @Test
    void withoutSyncEventsAreStillWritten() {
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", false)) {
            log.append(message("one"));
            log.sync();
            log.append(message("two"));
        }
        try (EventLog fresh = FileEventLog.open(file(), "events.jsonl", false)) {
            assertEquals(List.of(1L, 2L), seqsAfter(fresh, 0));
        }
    }

    @Test
    void anAppendThatFailsLeavesItsSeqUnused() throws IOException {
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            log.append(message("one"));
            log.sync();
            Path aside = Files.move(file(), dir.resolve("aside"));
            Files.createDirectory(file());

            StorageException e = assertThrows(StorageException.class, () -> log.append(message("lost")));
            assertTrue(e.getMessage().startsWith("Could not append to events.jsonl"), e.getMessage());
            assertEquals(1, log.lastSeq());

            Files.delete(file());
            Files.move(aside, file());
            assertEquals(2, log.append(message("two")).seq());
            log.sync();
            assertEquals(List.of(1L, 2L), seqsAfter(log, 0));
        }
        try (EventLog fresh = FileEventLog.open(file(), "events.jsonl", true)) {
            assertEquals(List.of("one", "two"), contents(fresh));
        }
    }

    @Test
    void aBurstSharesOneOpenFileAndAnIdleLogHoldsNone() throws IOException {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc to count open files");
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            assertFalse(Files.exists(file()), "a world without events costs no file");
            assertEquals(0, openDescriptors(file()));
            log.append(message("one"));
            log.append(message("two"));
            log.append(message("three"));
            assertEquals(1, openDescriptors(file()));
            log.sync();
            assertEquals(0, openDescriptors(file()));
            log.forEachAfter(0, e -> { });
            assertEquals(0, openDescriptors(file()), "after reading from disk too");
            log.append(message("four"));
        }
        assertEquals(0, openDescriptors(file()), "close syncs and releases what a burst left open");
        try (EventLog fresh = FileEventLog.open(file(), "events.jsonl", true)) {
            assertEquals(4, fresh.lastSeq());
        }
    }

    // How many of this process's file descriptors are open on the file.
    private static long openDescriptors(Path file) throws IOException {
        Path target = file.toAbsolutePath();
        long count = 0;
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(target)) {
                        count++;
                    }
                } catch (IOException closedMeanwhile) {
                    // The listing's own descriptor, or one another thread closed: not the log's.
                }
            }
        }
        return count;
    }

    private static List<String> contents(EventLog log) {
        List<String> out = new ArrayList<>();
        log.forEachAfter(0, e -> out.add(((MessageEvent) e).content()));
        return out;
    }

    @Test
    void refusesEventsThatAreNotDurable() {
        try (EventLog log = FileEventLog.open(file(), "events.jsonl", true)) {
            SseEvent chunk = new SseEvent("s", Instant.EPOCH, "ada", SseEvent.Phase.CHUNK, "hi", "m", null, null);
            assertThrows(IllegalArgumentException.class, () -> log.append(chunk));
            assertEquals(0, log.lastSeq());
        }
    }
}
