package io.worldlink.internal.store;

import io.worldlink.internal.StorageException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Atomic file writes: the new content goes to a temporary file in the same folder, which then replaces
 * the target by a rename. A reader, or a restart after a crash, sees the old file or the new one. With
 * {@code sync}, the content is forced to the disk before the rename and the rename after it, so that a
 * crash of the machine, not only of the process, leaves the old file or the whole new one.
 */
public final class AtomicFiles {
    /** Writes content to a writer; may fail halfway. */
    @FunctionalInterface
    public interface Body {
        /**
         * Writes the content.
         *
         * @param out where to write
         * @throws IOException when writing fails
         */
        void writeTo(Writer out) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * Replaces a file as a whole.
     *
     * @param target the file to replace or create; its folder is created when missing
     * @param name the file's name relative to the data root, for the error message
     * @param sync whether to force the file and its folder to the disk
     * @param body what to write
     * @throws StorageException when anything fails; the target is then unchanged
     */
    public static void write(Path target, String name, boolean sync, Body body) {
        Path tmp = target.resolveSibling("." + target.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            createFolders(target.getParent(), sync);
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    Writer out = new BufferedWriter(Channels.newWriter(channel, StandardCharsets.UTF_8))) {
                body.writeTo(out);
                out.flush();
                if (sync) {
                    channel.force(false);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            if (sync) {
                forceFolder(target.getParent());
            }
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw new StorageException("Could not write " + name + "; the previous version is unchanged. Check that "
                    + "the disk has space and the folder is writable.", e);
        }
    }

    /**
     * Replaces a file as a whole with a text.
     *
     * @param target the file
     * @param name its name relative to the data root
     * @param sync whether to force the file and its folder to the disk
     * @param content the text to write
     */
    public static void writeString(Path target, String name, boolean sync, String content) {
        write(target, name, sync, out -> out.write(content));
    }

    /**
     * Writes a file that must not exist yet, in a folder that no one reads until it is renamed into place.
     *
     * @param file the new file
     * @param content its text
     * @param sync whether to force it to the disk
     * @throws IOException when it exists or cannot be written
     */
    static void writeNew(Path file, String content, boolean sync) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            if (sync) {
                channel.force(false);
            }
        }
    }

    /**
     * Creates a folder and its missing parents; with {@code sync}, each new folder's name is forced into
     * its parent, so that a crash does not lose the folder of a file already forced.
     *
     * @param dir the folder
     * @param sync whether to force the new names to the disk
     * @throws IOException when a folder cannot be created
     */
    static void createFolders(Path dir, boolean sync) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        createFolders(dir.getParent(), sync);
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            if (!Files.isDirectory(dir)) {
                throw e;
            }
            return;
        }
        if (sync) {
            forceFolder(dir.getParent());
        }
    }

    /**
     * Forces a folder's entries (the names of the files in it) to the disk. Some filesystems and
     * operating systems refuse to open or force a folder; there a rename is as durable as they make it,
     * and the refusal is ignored.
     *
     * @param dir the folder
     */
    static void forceFolder(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // The folder's files are forced already; this filesystem offers nothing more for its names.
        }
    }
}
