package io.worldlink.internal.store;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.event.EventLog;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.EventJson;
import io.worldlink.internal.Json;
import io.worldlink.internal.StorageException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code events.jsonl}: one event a line, each with its seq. Opening scans the file once, to find the
 * highest seq, to cut off a last line that a crash left half-written, and to build a sparse index of
 * (seq, offset); reading after a seq then seeks instead of rereading from the start, and a page of
 * history is read from the end, block by block between index entries. The newest events are also kept
 * in memory, which serves most reconnects without touching the disk.
 *
 * <p>Appends are committed as a group: the first append after a sync opens the file, the appends of
 * the burst share it, and {@link #sync()} forces and closes it. An idle world therefore holds no file
 * descriptor, and a burst costs one sync. The file itself is made by the first append, so that a world
 * that never had an event costs no file.
 *
 * <p>A line that cannot be replayed (damaged, or written by a newer version) stays in the file and is
 * passed over; the events after it are still read. Replayed seqs rise strictly, and the next seq is
 * above every seq the file held, readable or not, so that no seq a client may have seen is reused.
 */
final class FileEventLog implements EventLog {
    private static final System.Logger LOG = System.getLogger(FileEventLog.class.getName());
    private static final int INDEX_EVERY = 64;
    private static final int RECENT = 256;
    // The first "seq" of a line WorldLink wrote is the event's own: it comes before the payload, and
    // quotes inside strings are escaped. The lookahead refuses digits that a torn line cut short.
    private static final Pattern SEQ = Pattern.compile("\"seq\"\\s*:\\s*(\\d{1,18})(?=[\\s,}])");

    private final Path file;
    private final String name;
    private final boolean sync;
    private final ArrayDeque<WorldEvent> recent = new ArrayDeque<>(RECENT);
    // recent holds every replayable event above this seq: seqs may have gaps, so its first seq does not say.
    private long recentAfter;
    private long[] indexSeq = new long[16];
    private long[] indexOffset = new long[16];
    private int indexSize;
    private long size;
    private long lastSeq;
    private long eventsSinceIndex = INDEX_EVERY;
    private FileChannel channel;
    private boolean fileExists;
    private boolean fileIsNew;

    private FileEventLog(Path file, String name, boolean sync) {
        this.file = file;
        this.name = name;
        this.sync = sync;
    }

    /**
     * Opens a world's log and scans it.
     *
     * @param file the log file; it need not exist yet
     * @param name its name relative to the data root, for messages
     * @param sync whether {@link #sync()} forces appended events to the disk, or leaves that to the
     *     operating system
     * @return the log, scanned
     * @throws StorageException when the file cannot be read
     */
    static FileEventLog open(Path file, String name, boolean sync) {
        FileEventLog log = new FileEventLog(file, name, sync);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS)) {
            log.scan(channel);
            log.fileExists = true;
        } catch (NoSuchFileException e) {
            // No event yet: the first append makes the file.
        } catch (IOException e) {
            throw log.failure("Could not read " + name + ".", e);
        }
        return log;
    }

    // A symbolic link in the file's place is refused by O_NOFOLLOW: say so rather than "too many levels".
    private StorageException failure(String message, IOException e) {
        return Files.isSymbolicLink(file) ? DataRoot.linkInWorld(name) : new StorageException(message, e);
    }

    private void scan(FileChannel channel) throws IOException {
        long[] lineNumber = {0};
        long[] replayed = {0};
        long end = readLines(channel, 0, Long.MAX_VALUE, (line, length, start) -> {
            lineNumber[0]++;
            Line parsed = parse(line, length);
            if (parsed.event() != null && parsed.event().seq() > replayed[0]) {
                replayed[0] = parsed.event().seq();
                lastSeq = Math.max(lastSeq, replayed[0]);
                remember(parsed.event(), start);
                return;
            }
            long seq = parsed.event() != null ? parsed.event().seq() : seqIn(line, length);
            lastSeq = Math.max(lastSeq, seq);
            String problem = parsed.event() != null
                    ? "its seq " + seq + " is not above the seq of the event before it"
                    : parsed.problem();
            LOG.log(Level.WARNING, name + ", line " + lineNumber[0] + ": " + problem
                    + "; the line is kept in the file and passed over.");
        });
        long fileSize = channel.size();
        if (end < fileSize) {
            // A crash in the middle of an append leaves a partial last line. Its seq, when it can still be
            // read, may have reached a client while the line was in the page cache: it is not reused.
            ByteBuffer tail = ByteBuffer.allocate((int) Math.min(fileSize - end, 4096));
            channel.read(tail, end);
            lastSeq = Math.max(lastSeq, seqIn(tail.array(), tail.position()));
            LOG.log(Level.WARNING, name + ": cutting off a last line that a crash left half-written, after line "
                    + lineNumber[0] + ".");
            channel.truncate(end);
        }
        size = end;
    }

    /** Receives each whole line read: its bytes and where it starts. */
    private interface LineReader {
        void accept(byte[] line, int length, long start) throws IOException;
    }

    /**
     * Reads the whole lines from {@code start} up to {@code limit}.
     *
     * @return where the last whole line ends
     */
    private static long readLines(FileChannel channel, long start, long limit, LineReader reader)
            throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16);
        byte[] line = new byte[512];
        int length = 0;
        long lineStart = start;
        long position = start;
        int n;
        while (position < limit && (n = channel.read(chunk.clear().limit((int) Math.min(chunk.capacity(),
                limit - position)), position)) >= 0) {
            for (int i = 0; i < n; i++) {
                byte b = chunk.get(i);
                if (b == '\n') {
                    reader.accept(line, length, lineStart);
                    length = 0;
                    lineStart = position + i + 1;
                } else {
                    if (length == line.length) {
                        line = Arrays.copyOf(line, length * 2);
                    }
                    line[length++] = b;
                }
            }
            position += n;
        }
        return lineStart;
    }

    /** A line's event, or why it has none that this version can replay. */
    private record Line(WorldEvent event, String problem) {}

    private static Line parse(byte[] line, int length) {
        if (length == 0) {
            return new Line(null, "the line is empty");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(line, 0, length)).toString();
        } catch (CharacterCodingException e) {
            return new Line(null, "the line is not valid UTF-8");
        }
        JsonElement json;
        try {
            json = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            return new Line(null, "the line is not valid JSON");
        }
        if (!json.isJsonObject()) {
            return new Line(null, "the line is not a JSON object");
        }
        try {
            return new Line(EventJson.fromJson(json.getAsJsonObject()), null);
        } catch (Json.FieldException | IllegalArgumentException e) {
            return new Line(null, e.getMessage());
        }
    }

    // The seq of a line that is not a whole event, or 0 when none can be found in it.
    private static long seqIn(byte[] line, int length) {
        Matcher m = SEQ.matcher(new String(line, 0, length, StandardCharsets.ISO_8859_1));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private void remember(WorldEvent event, long offset) {
        if (eventsSinceIndex >= INDEX_EVERY) {
            if (indexSize == indexSeq.length) {
                indexSeq = Arrays.copyOf(indexSeq, indexSize * 2);
                indexOffset = Arrays.copyOf(indexOffset, indexSize * 2);
            }
            indexSeq[indexSize] = event.seq();
            indexOffset[indexSize] = offset;
            indexSize++;
            eventsSinceIndex = 0;
        }
        eventsSinceIndex++;
        if (recent.size() == RECENT) {
            recentAfter = recent.removeFirst().seq();
        }
        recent.addLast(event);
    }

    @Override
    public long lastSeq() {
        return lastSeq;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <E extends WorldEvent> E append(E event) {
        if (!event.isDurable()) {
            throw new IllegalArgumentException("only durable events are logged: " + event.type());
        }
        E logged = (E) event.withSeq(lastSeq + 1);
        byte[] bytes = (Json.GSON.toJson(EventJson.toJson(logged)) + "\n").getBytes(StandardCharsets.UTF_8);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        long position = size;
        try {
            FileChannel out = channel();
            try {
                while (buffer.hasRemaining()) {
                    position += out.write(buffer, position);
                }
            } catch (IOException e) {
                // Cut the partial line so that the file still ends with a whole one; the next append
                // then takes this seq and this place.
                try {
                    out.truncate(size);
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } catch (IOException e) {
            throw failure("Could not append to " + name + "; the event was not logged. Check that "
                    + "the disk has space and the folder is writable.", e);
        }
        remember(logged, size);
        lastSeq = logged.seq();
        size = position;
        return logged;
    }

    private FileChannel channel() throws IOException {
        if (channel == null) {
            if (fileExists) {
                channel = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            } else {
                // CREATE_NEW: a file (or link) that appeared meanwhile is not ours to write into at offset 0.
                channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
                fileExists = true;
                fileIsNew = true;
            }
        }
        return channel;
    }

    /**
     * Forces the events appended since the last sync to the disk (unless this log was opened without
     * sync) and closes the file until the next append.
     *
     * @throws StorageException when they could not be forced; they may then be lost in a crash
     */
    @Override
    public void sync() {
        FileChannel out = channel;
        if (out == null) {
            return;
        }
        channel = null;
        try (out) {
            if (sync) {
                out.force(false);
                if (fileIsNew) {
                    // A new file's name lives in its folder: without this a crash can lose the whole log.
                    AtomicFiles.forceFolder(file.getParent());
                }
            }
            fileIsNew = false;
        } catch (IOException e) {
            throw new StorageException("Could not sync " + name + "; the newest events may be lost if the "
                    + "machine stops now. Check the disk.", e);
        }
    }

    @Override
    public void forEachAfter(long afterSeq, Consumer<? super WorldEvent> action) {
        if (afterSeq >= lastSeq) {
            return;
        }
        if (afterSeq >= recentAfter) {
            for (WorldEvent e : recent) {
                if (e.seq() > afterSeq) {
                    action.accept(e);
                }
            }
            return;
        }
        readFromDisk(afterSeq, action);
    }

    private void readFromDisk(long afterSeq, Consumer<? super WorldEvent> action) {
        int i = Arrays.binarySearch(indexSeq, 0, indexSize, afterSeq + 1);
        int slot = i >= 0 ? i : Math.max(0, -i - 2);
        long start = indexSize == 0 ? 0 : indexOffset[slot];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            // The same rule as the scan: a line is replayed only when its seq rises above the last one.
            long[] last = {afterSeq};
            readLines(channel, start, size, (line, length, lineStart) -> {
                WorldEvent event = parse(line, length).event();
                if (event != null && event.seq() > last[0]) {
                    last[0] = event.seq();
                    action.accept(event);
                }
            });
        } catch (IOException e) {
            throw failure("Could not read " + name + ".", e);
        }
    }

    // From the newest: the events in memory, then the file's blocks between index entries, each read
    // forward and taken from its end, until the page is full or the range's start is reached.
    @Override
    public List<WorldEvent> newestBetween(long afterSeq, long beforeSeq, int limit,
            Predicate<? super WorldEvent> filter) {
        ArrayDeque<WorldEvent> page = new ArrayDeque<>();
        long below = Math.min(beforeSeq, lastSeq + 1);
        if (limit <= 0 || below - 1 <= afterSeq) {
            return List.of();
        }
        if (below - 1 > recentAfter) {
            Iterator<WorldEvent> newestFirst = recent.descendingIterator();
            while (newestFirst.hasNext() && page.size() < limit) {
                WorldEvent e = newestFirst.next();
                if (e.seq() < below && e.seq() > afterSeq && filter.test(e)) {
                    page.addFirst(e);
                }
            }
            below = recentAfter + 1;
        }
        if (page.size() < limit && below - 1 > afterSeq && indexSize > 0) {
            readBackFromDisk(afterSeq, below, limit, filter, page);
        }
        return List.copyOf(page);
    }

    private void readBackFromDisk(long afterSeq, long below, int limit, Predicate<? super WorldEvent> filter,
            ArrayDeque<WorldEvent> page) {
        // The last block that starts below the range's end.
        int i = Arrays.binarySearch(indexSeq, 0, indexSize, below);
        int slot = (i >= 0 ? i : -i - 1) - 1;
        if (slot < 0) {
            return;
        }
        long end = slot + 1 < indexSize ? indexOffset[slot + 1] : size;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            for (; slot >= 0 && page.size() < limit; slot--) {
                List<WorldEvent> block = new ArrayList<>(INDEX_EVERY);
                long[] last = {0};
                long top = slot + 1 < indexSize ? Math.min(below, indexSeq[slot + 1]) : below;
                readLines(channel, indexOffset[slot], end, (line, length, lineStart) -> {
                    WorldEvent event = parse(line, length).event();
                    // The scan's rule: a line counts only when its seq rises above the one before it.
                    if (event != null && event.seq() > last[0]) {
                        last[0] = event.seq();
                        if (event.seq() < top && event.seq() > afterSeq && filter.test(event)) {
                            block.add(event);
                        }
                    }
                });
                for (int b = block.size() - 1; b >= 0 && page.size() < limit; b--) {
                    page.addFirst(block.get(b));
                }
                if (indexSeq[slot] <= afterSeq + 1) {
                    return;
                }
                end = indexOffset[slot];
            }
        } catch (IOException e) {
            throw failure("Could not read " + name + ".", e);
        }
    }

    /**
     * Syncs what was appended since the last {@link #sync()} and releases the file. A failure is logged,
     * not thrown: whoever closes a world has no one left to tell.
     */
    @Override
    public void close() {
        try {
            sync();
        } catch (StorageException e) {
            LOG.log(Level.WARNING, e.getMessage());
        }
    }
}
