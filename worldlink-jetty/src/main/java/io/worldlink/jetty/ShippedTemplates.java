package io.worldlink.jetty;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The template worlds that ship inside the launcher's jar (the repository's {@code data/worlds}, under
 * {@value #RESOURCES}), so that a server started from any folder has templates to clone.
 */
final class ShippedTemplates {
    /** Where the build puts the templates among the launcher's classes. */
    static final String RESOURCES = "io/worldlink/jetty/templates";

    private ShippedTemplates() {}

    /**
     * Copies the shipped templates into a folder of templates. A file that is there already stays as it
     * is. A template's {@code config.json} is copied last: a copy cut short has none, so it is no template
     * yet, and the next start that finds no template finishes it.
     *
     * @param worlds the data root's {@code worlds} folder, created if missing
     * @return the names of the templates copied, sorted; none when the classes carry no templates
     * @throws IOException when a file cannot be read or written
     */
    static List<String> copyInto(Path worlds) throws IOException {
        Path code;
        try {
            code = Path.of(ShippedTemplates.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException("The launcher cannot tell where its own classes are: " + e.getMessage(), e);
        }
        // From a build's classes folder (tests, an IDE) the templates are files; from the jar, entries.
        if (Files.isDirectory(code)) {
            return copy(code.resolve(RESOURCES), worlds);
        }
        try (FileSystem jar = FileSystems.newFileSystem(code)) {
            return copy(jar.getPath(RESOURCES), worlds);
        }
    }

    private static List<String> copy(Path shipped, Path worlds) throws IOException {
        if (!Files.isDirectory(shipped)) {
            return List.of();
        }
        List<Path> templates;
        try (Stream<Path> s = Files.list(shipped)) {
            templates = s.filter(Files::isDirectory).sorted().toList();
        }
        List<String> copied = new ArrayList<>();
        for (Path template : templates) {
            String name = template.getFileName().toString().replace("/", "");
            Path target = worlds.resolve(name);
            Path config = template.resolve("config.json");
            List<Path> files;
            try (Stream<Path> s = Files.walk(template)) {
                files = s.filter(p -> !p.equals(config)).toList();
            }
            for (Path p : files) {
                copyOne(template, p, target);
            }
            copyOne(template, config, target);
            copied.add(name);
        }
        return copied;
    }

    private static void copyOne(Path fromRoot, Path file, Path toRoot) throws IOException {
        // The jar's paths are of another file system: carry the relative path over as text.
        Path target = toRoot.resolve(fromRoot.relativize(file).toString());
        if (Files.isDirectory(file)) {
            Files.createDirectories(target);
        } else if (Files.exists(file) && Files.notExists(target, LinkOption.NOFOLLOW_LINKS)) {
            Files.copy(file, target);
        }
    }
}
