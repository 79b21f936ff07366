package io.worldlink.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.AgentConfig;
import io.worldlink.ErrorCode;
import io.worldlink.TestData;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldCloner;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.internal.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileWorldClonerTest {
    @TempDir
    Path root;

    UserStorage storage;
    WorldCloner cloner;
    final WorldKey key = new WorldKey(UserId.of("ann"), "my-world");

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        storage = UserStorage.files(root);
        cloner = new FileWorldCloner(new FileTemplateStore(root),
                Clock.fixed(Instant.parse("2026-11-22T08:30:00Z"), ZoneOffset.UTC));
    }

    // What WorldLink does with a clone at the world's first write.
    private WorldSnapshot cloneAndWrite(String templateId, WorldKey target, String worldName) {
        WorldSnapshot clone = cloner.cloneTemplate(templateId, target, worldName);
        storage.createWorld(target, clone);
        return clone;
    }

    @Test
    void makesTheCloneWithoutWritingAnything() throws IOException {
        String before = snapshotOf(root);

        WorldSnapshot clone = cloner.cloneTemplate("default-world", key, "My World");

        assertEquals(List.of("ada", "ben"), clone.agents().stream().map(a -> a.id()).toList());
        assertEquals(before, snapshotOf(root), "no file or folder is made");
        assertFalse(storage.worldExists(key));
    }

    @Test
    void clonesATemplateIntoTheUsersFolderMarkedAsNotATemplate() {
        WorldSnapshot clone = cloneAndWrite("default-world", key, "My World");

        WorldSnapshot stored = storage.loadWorld(key);
        assertEquals(clone, stored);
        assertFalse(stored.config().isTemplate());
        assertEquals("my-world", stored.config().id());
        assertEquals("My World", stored.config().name());
        assertEquals("default-world", stored.config().metadata().get("originalTemplate"));
        assertEquals("ann", stored.config().metadata().get("clonedFor"));
        assertEquals("2026-11-22T08:30:00.000Z", stored.config().metadata().get("clonedAt"));
        assertEquals(List.of("ada", "ben"), stored.agents().stream().map(a -> a.id()).toList());
        assertTrue(stored.agents().get(0).systemPrompt().startsWith("You are Ada"));
    }

    @Test
    void neverWritesTheTemplate() throws IOException {
        String before = snapshotOf(root.resolve("worlds"));

        cloneAndWrite("default-world", key, "My World");
        storage.saveSystemPrompt(key, "ada", "changed");

        assertEquals(before, snapshotOf(root.resolve("worlds")));
    }

    @Test
    void readsTheTemplateAfreshEveryTime() throws IOException {
        cloneAndWrite("fast-world", key, "first");
        Files.writeString(root.resolve("worlds/fast-world/agents/quick/system-prompt.md"), "Edited prompt.");

        WorldKey second = new WorldKey(UserId.of("ann"), "second");
        cloneAndWrite("fast-world", second, "second");

        assertEquals("Edited prompt.", storage.loadWorld(second).agents().get(0).systemPrompt());
    }

    @Test
    void aMissingTemplateIsTemplateNotFoundListingTheOthers() {
        WorldLinkException e = assertThrows(WorldLinkException.class,
                () -> cloner.cloneTemplate("no-such-world", key, "x"));
        assertEquals(ErrorCode.TEMPLATE_NOT_FOUND, e.code());
        assertEquals("There is no template \"no-such-world\". The templates are: default-world, extended-world, "
                + "fast-world.", e.getMessage());
        assertFalse(storage.worldExists(key));
    }

    @Test
    void withNoTemplatesAtAllTheErrorSaysSoInsteadOfListingNothing(@TempDir Path empty) {
        WorldLinkException e = assertThrows(WorldLinkException.class,
                () -> new FileTemplateStore(empty).read("default-world"));
        assertEquals("There is no template \"default-world\". This server has no templates at all; its operator must "
                + "put some in the data root's worlds/ folder.", e.getMessage());
    }

    @Test
    void twoClonesOfOneWorldAtOnceLeaveOneWholeWorld() throws Exception {
        int clones = 8;
        ExecutorService pool = Executors.newFixedThreadPool(clones);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<WorldSnapshot>> results = new ArrayList<>();
        List<String> templates = List.of("default-world", "extended-world");
        for (int i = 0; i < clones; i++) {
            String template = templates.get(i % 2);
            results.add(pool.submit(() -> {
                start.await();
                return cloneAndWrite(template, key, "contested");
            }));
        }
        start.countDown();
        List<WorldSnapshot> written = new ArrayList<>();
        for (Future<WorldSnapshot> f : results) {
            written.add(f.get());
        }
        pool.shutdown();

        WorldSnapshot stored = storage.loadWorld(key);
        assertTrue(written.contains(stored), "the stored world is exactly one of the clones, not a mix");
        try (Stream<Path> s = Files.list(root.resolve("users/ann/worlds"))) {
            assertEquals(List.of("my-world"), s.map(p -> p.getFileName().toString()).toList(),
                    "no staging folder is left behind");
        }
    }

    @Test
    void aTemplateFileLinkedOutsideIsNotCopiedIntoAUsersWorld(@TempDir Path outside) throws IOException {
        Path secret = Files.writeString(outside.resolve("id_rsa"), "PRIVATE KEY");
        Path prompt = root.resolve("worlds/default-world/agents/ada/system-prompt.md");
        Files.delete(prompt);
        Files.createSymbolicLink(prompt, secret);

        StorageException e = assertThrows(StorageException.class,
                () -> cloner.cloneTemplate("default-world", key, "My World"));
        assertEquals("worlds/default-world/agents/ada/system-prompt.md is a symbolic link, and WorldLink does not "
                + "follow symbolic links inside a world. Replace it with the file or folder itself.", e.getMessage());
        assertFalse(storage.worldExists(key));
    }

    @Test
    void aTemplateAgentsCredentialsAreNotCopiedIntoTheClone() throws IOException {
        Path agentFile = root.resolve("worlds/default-world/agents/ada/config.json");
        JsonObject agent = JsonParser.parseString(Files.readString(agentFile)).getAsJsonObject();
        agent.addProperty("apiKey", "sk-template-secret");
        agent.addProperty("baseUrl", "http://10.0.0.7:8000/v1");
        agent.addProperty("favouriteColour", "teal");
        Files.writeString(agentFile, agent.toString());

        WorldSnapshot clone = cloneAndWrite("default-world", key, "My World");

        AgentConfig stored = storage.loadWorld(key).agent("ada").orElseThrow().config();
        assertEquals(Set.of("favouriteColour"), stored.extra().keySet(), "other unknown fields are kept");
        assertEquals(clone.agent("ada").orElseThrow().config(), stored);
        String everyFile = snapshotOf(root.resolve("users/ann/worlds/my-world"));
        assertFalse(everyFile.contains("sk-template-secret") || everyFile.contains("10.0.0.7"), everyFile);
        assertTrue(Files.readString(agentFile).contains("sk-template-secret"), "the template keeps them");
    }

    @Test
    void eachCloneGetsAnEpochOfItsOwn() throws IOException {
        Path configFile = root.resolve("worlds/default-world/config.json");
        JsonObject config = JsonParser.parseString(Files.readString(configFile)).getAsJsonObject();
        JsonObject metadata = new JsonObject();
        metadata.addProperty("worldEpoch", "template-epoch");
        config.add("metadata", metadata);
        Files.writeString(configFile, config.toString());

        cloneAndWrite("default-world", key, "My World");
        String first = storage.loadWorld(key).config().metadata().get("worldEpoch");
        cloneAndWrite("default-world", key, "My World");
        String second = storage.loadWorld(key).config().metadata().get("worldEpoch");

        assertEquals(first, UUID.fromString(first).toString());
        assertEquals(second, UUID.fromString(second).toString());
        assertNotEquals(first, second, "a world cloned again is a new life");
    }

    @Test
    void listsTheShippedTemplates() {
        assertEquals(List.of("default-world", "extended-world", "fast-world"), new FileTemplateStore(root).list());
    }

    private static String snapshotOf(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted().toList()) {
                sb.append(dir.relativize(p)).append('\n');
                if (Files.isRegularFile(p)) {
                    sb.append(Files.readString(p)).append('\n');
                }
            }
        }
        return sb.toString();
    }
}
