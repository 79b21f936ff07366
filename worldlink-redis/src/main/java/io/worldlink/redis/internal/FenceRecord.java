package io.worldlink.redis.internal;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The highest fence that wrote a world's log, kept beside the log in the world's folder as the file
 * {@value #FILE} ({@code "7 node-a\n"}). The fence counter lives in Redis, which may lose it (a restart
 * without persistence, a counter left to expire); the record survives, so a new owner's fence is set above
 * it, and a log whose fence is not above another owner's refuses to append. Never read or written through a
 * symbolic link.
 *
 * @param fence the fence
 * @param nodeId the node that held it
 */
record FenceRecord(long fence, String nodeId) {
    static final String FILE = "lease-fence";
    private static final System.Logger LOG = System.getLogger(FenceRecord.class.getName());
    private static final Pattern LINE = Pattern.compile("(\\d{1,18}) ([A-Za-z0-9._-]{1,64})\\n?");
    private static final int MAX_SIZE = 128;

    /** No record: no owner has written the log since records were kept. */
    static final FenceRecord NONE = new FenceRecord(0, "");

    /**
     * @param worldFolder the world's folder
     * @return its record, or {@link #NONE} when it has none or one that cannot be read (which is logged)
     */
    static FenceRecord read(Path worldFolder) {
        Path file = worldFolder.resolve(FILE);
        try (SeekableByteChannel in = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buffer = ByteBuffer.allocate(MAX_SIZE + 1);
            // To the end, or one byte past the largest record.
            int n;
            do {
                n = in.read(buffer);
            } while (n > 0 && buffer.hasRemaining());
            String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
            Matcher m = LINE.matcher(text);
            if (m.matches()) {
                return new FenceRecord(Long.parseLong(m.group(1)), m.group(2));
            }
            LOG.log(Level.WARNING, file + " does not hold a fence; it is written anew by the world's owner.");
        } catch (NoSuchFileException e) {
            // No owner has written yet.
        } catch (IOException e) {
            LOG.log(Level.WARNING, "Could not read " + file + ": " + e.getMessage());
        }
        return NONE;
    }

    /**
     * Replaces the world's record by this one, atomically: a reader sees the old record or the new.
     *
     * @param worldFolder the world's folder
     * @throws IOException when it cannot be written
     */
    void write(Path worldFolder) throws IOException {
        Path temp = worldFolder.resolve("." + FILE + "-" + UUID.randomUUID());
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS)) {
                out.write(ByteBuffer.wrap((fence + " " + nodeId + "\n").getBytes(StandardCharsets.US_ASCII)));
                out.force(false);
            }
            // rename(2) replaces a link in the record's place; it never writes through it.
            Files.move(temp, worldFolder.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** @return whether this record is of that very lease */
    boolean isOf(long otherFence, String otherNode) {
        return fence == otherFence && nodeId.equals(otherNode);
    }
}
