package io.worldlink.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.worldlink.TestData;
import io.worldlink.WorldSnapshot;
import io.worldlink.internal.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Templates are read again only when a file of theirs changed: an edit is seen at once, an unchanged one is not reread. */
class FileTemplateStoreTest {
    @TempDir
    Path root;
    @TempDir
    Path outside;
    FileTemplateStore store;
    Path template;

    @BeforeEach
    void setUp() throws IOException {
        TestData.withShippedTemplates(root);
        store = new FileTemplateStore(root);
        template = root.resolve("worlds/fast-world");
        age(template, Instant.now().minusSeconds(3600));
    }

    // Every file and folder of the template as if written at that time.
    static void age(Path dir, Instant at) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                Files.setLastModifiedTime(p, FileTime.from(at));
            }
        }
    }

    static String prompt(WorldSnapshot t) {
        return t.agents().get(0).systemPrompt();
    }

    @Test
    void anUnchangedTemplateIsNotReadAgainAndAnEditOfTheSameSizeIs() throws IOException {
        WorldSnapshot first = store.read("fast-world");
        assertSame(first, store.read("fast-world"), "nothing changed: the last read is used");

        Path promptFile = template.resolve("agents/quick/system-prompt.md");
        String before = Files.readString(promptFile);
        String edited = "X" + before.substring(1);
        Files.writeString(promptFile, edited);
        Files.setLastModifiedTime(promptFile, FileTime.from(Instant.now().minusSeconds(1800)));

        assertEquals(edited, prompt(store.read("fast-world")));
    }

    @Test
    void anAgentAddedToATemplateIsSeen() throws IOException {
        store.read("fast-world");
        Path copy = template.resolve("agents/second");
        Files.createDirectories(copy);
        for (String file : List.of("config.json", "system-prompt.md")) {
            Files.copy(template.resolve("agents/quick").resolve(file), copy.resolve(file));
        }
        Files.writeString(copy.resolve("config.json"), Files.readString(copy.resolve("config.json"))
                .replace("\"quick\"", "\"second\""));
        age(template, Instant.now().minusSeconds(600));

        assertEquals(List.of("quick", "second"), store.read("fast-world").agents().stream().map(a -> a.id()).toList());
    }

    @Test
    void aFileJustChangedIsReadEachTimeAndAFileReplacedByALinkIsRefused() throws IOException {
        Path promptFile = template.resolve("agents/quick/system-prompt.md");
        Files.writeString(promptFile, "Just now.");
        WorldSnapshot first = store.read("fast-world");
        assertNotSame(first, store.read("fast-world"), "a change this recent may hide another one");

        age(template, Instant.now().minusSeconds(3600));
        store.read("fast-world");
        Files.delete(promptFile);
        Files.createSymbolicLink(promptFile, Files.writeString(outside.resolve("secret"), "Just now."));
        assertThrows(StorageException.class, () -> store.read("fast-world"));
    }
}
