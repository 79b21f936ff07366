package io.worldlink.internal.store;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.EventLog;
import io.worldlink.StorageException;
import io.worldlink.WorldEvent;
import io.worldlink.internal.EventJson;
import io.worldlink.internal.Json;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * {@code events.jsonl}: one event a line, each with its seq. Opening scans the file once, to find the
 * last seq, to cut off a line that a crash left half-written, and to build a sparse index of
 * (seq, offset); reading after a seq then seeks instead of rereading from the start. The newest events
 * are also kept in memory, which serves most reconnects without touching the disk. The file is opened
 * for each append or read and closed again, so that ten thousand loaded worlds do not hold ten thousand
 * file descriptors.
 */
final class FileEventLog implements EventLog {
    private static final System.Logger LOG = System.getLogger(FileEventLog.class.getName());
    private static final int INDEX_EVERY = 64;
    private static final int RECENT = 256;

    private final Path file;
    private final String name;
    private final ArrayDeque<WorldEvent> recent = new ArrayDeque<>(RECENT);
    private long[] indexSeq = new long[16];
    private long[] indexOffset = new long[16];
    private int indexSize;
    private long size;
    private long lastSeq;
    private long eventsSinceIndex = INDEX_EVERY;

    private FileEventLog(Path file, String name) {
        this.file = file;
        this.name = name;
    }

    static FileEventLog open(Path file, String name) {
        FileEventLog log = new FileEventLog(file, name);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            log.scan(channel);
        } catch (IOException e) {
            throw new StorageException("Could not read " + name + ".", e);
        }
        return log;
    }

    private void scan(FileChannel channel) throws IOException {
        long[] good = {0};
        boolean complete = readEvents(channel, 0, Long.MAX_VALUE, (event, end) -> {
            if (event == null || event.seq() <= lastSeq) {
                return false;
            }
            remember(event, good[0]);
            good[0] = end;
            return true;
        });
        if (!complete) {
            // A crash in the middle of an append leaves a partial last line; the event was never seen.
            LOG.log(Level.WARNING, name + ": dropping a damaged tail after seq " + lastSeq);
            channel.truncate(good[0]);
        }
        size = good[0];
    }

    /** Receives each event read, or {@code null} for a line that is not one, and where its line ends. */
    private interface EventReader {
        boolean accept(WorldEvent event, long endOffset);
    }

    /**
     * Reads the events of whole lines from {@code start} up to {@code limit}.
     *
     * @return {@code true} when every line read was whole and accepted
     */
    private static boolean readEvents(FileChannel channel, long start, long limit, EventReader reader)
            throws IOException {
        InputStream in = new BufferedInputStream(Channels.newInputStream(channel.position(start)), 1 << 16);
        ByteArrayOutputStream line = new ByteArrayOutputStream(512);
        long offset = start;
        int b;
        while (offset < limit && (b = in.read()) != -1) {
            offset++;
            if (b != '\n') {
                line.write(b);
                continue;
            }
            WorldEvent event = parse(line.toString(StandardCharsets.UTF_8));
            line.reset();
            if (!reader.accept(event, offset)) {
                return false;
            }
        }
        return line.size() == 0;
    }

    private static WorldEvent parse(String line) {
        try {
            JsonElement e = JsonParser.parseString(line);
            return e.isJsonObject() ? EventJson.fromJson(e.getAsJsonObject()) : null;
        } catch (JsonParseException | Json.FieldException | IllegalArgumentException e) {
            return null;
        }
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
        lastSeq = event.seq();
        if (recent.size() == RECENT) {
            recent.removeFirst();
        }
        recent.addLast(event);
    }

    @Override
    public long lastSeq() {
        return lastSeq;
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
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            try {
                while (buffer.hasRemaining()) {
                    position += channel.write(buffer, position);
                }
            } catch (IOException e) {
                channel.truncate(size);
                throw e;
            }
        } catch (IOException e) {
            throw new StorageException("Could not append to " + name + ".", e);
        }
        remember(logged, size);
        size = position;
        return logged;
    }

    @Override
    public void sync() {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(false);
        } catch (IOException e) {
            throw new StorageException("Could not sync " + name + ".", e);
        }
    }

    @Override
    public void forEachAfter(long afterSeq, Consumer<? super WorldEvent> action) {
        if (afterSeq >= lastSeq) {
            return;
        }
        WorldEvent oldestRecent = recent.peekFirst();
        if (oldestRecent != null && oldestRecent.seq() <= afterSeq + 1) {
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
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            readEvents(channel, start, size, (event, end) -> {
                if (event != null && event.seq() > afterSeq) {
                    action.accept(event);
                }
                return true;
            });
        } catch (IOException e) {
            throw new StorageException("Could not read " + name + ".", e);
        }
    }

    /** Nothing to release: the file is open only while it is read or written. */
    @Override
    public void close() {
        // The file is not held open between operations.
    }
}
