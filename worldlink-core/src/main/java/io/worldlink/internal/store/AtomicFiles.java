package io.worldlink.internal.store;

import io.worldlink.StorageException;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Atomic file writes: the new content goes to a temporary file in the same folder, which then replaces
 * the target by a rename. A reader, or a restart after a crash, sees the old file or the new one.
 */
public final class AtomicFiles {
    /** Writes content to a writer; may fail halfway. */
    @FunctionalInterface
    public interface Body {
        /**
         * @param out where to write
         * @throws IOException when writing fails
         */
        void writeTo(Writer out) throws IOException;
    }

    private AtomicFiles() {}

    /**
     * @param target the file to replace or create; its folder is created when missing
     * @param name the file's name relative to the data root, for the error message
     * @param body what to write
     * @throws StorageException when anything fails; the target is then unchanged
     */
    public static void write(Path target, String name, Body body) {
        Path tmp = target.resolveSibling("." + target.getFileName() + "."
                + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
        try {
            Files.createDirectories(target.getParent());
            try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                body.writeTo(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
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
     * @param target the file
     * @param name its name relative to the data root
     * @param content the text to write
     */
    public static void writeString(Path target, String name, String content) {
        write(target, name, out -> out.write(content));
    }
}
