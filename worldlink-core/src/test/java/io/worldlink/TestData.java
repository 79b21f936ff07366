package io.worldlink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** The template worlds shipped in the repository's {@code data/worlds}, copied into a test's data root. */
public final class TestData {
    /** The shipped data root, seen from a module's folder (where Maven runs the tests). */
    public static final Path SHIPPED_DATA = Path.of("..", "data");

    private TestData() {}

    /**
     * @param dataRoot a fresh data root
     * @return the data root, with the shipped templates under {@code worlds/}
     */
    public static Path withShippedTemplates(Path dataRoot) {
        copyTree(SHIPPED_DATA.resolve("worlds"), dataRoot.resolve("worlds"));
        return dataRoot;
    }

    /**
     * @param from a folder
     * @param to where to copy it
     */
    public static void copyTree(Path from, Path to) {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
