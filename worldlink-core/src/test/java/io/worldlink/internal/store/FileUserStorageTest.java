package io.worldlink.internal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.Chat;
import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.AgentStatus;
import io.worldlink.ErrorCode;
import io.worldlink.MemoryMessage;
import io.worldlink.TestData;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.event.EventLog;
import io.worldlink.internal.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

class FileUserStorageTest {
    @TempDir
    Path root;

    UserStorage storage;
    final WorldKey key = new WorldKey(UserId.of("ann"), "demo");

    @BeforeEach
    void setUp() {
        storage = UserStorage.files(root);
    }

    static WorldSnapshot sampleWorld() {
        WorldConfig config = new WorldConfig("demo", "Demo", "A demo", 4, false, Map.of(), Map.of());
        AgentConfig agent = new AgentConfig("ada", "Ada", null, AgentStatus.ACTIVE, "default", "m", 0.5, 100,
                true, 0, null, Instant.parse("2026-01-01T00:00:00Z"), null, Map.of());
        MemoryMessage m = MemoryMessage.of(MemoryMessage.USER, "hello", "HUMAN", "m1", null,
                Instant.parse("2026-01-01T00:00:01Z"), Chat.FIRST_ID);
        return new WorldSnapshot(config, List.of(new AgentSnapshot(agent, "You are Ada.", List.of(m))));
    }

    @Test
    void writesAndReadsAWorldInAgentWorldsLayout() {
        storage.createWorld(key, sampleWorld());

        assertTrue(storage.worldExists(key));
        assertEquals(List.of("demo"), storage.listWorlds(key.userId()));
        Path dir = root.resolve("users/ann/worlds/demo");
        assertTrue(Files.isRegularFile(dir.resolve("config.json")));
        assertTrue(Files.isRegularFile(dir.resolve("agents/ada/config.json")));
        assertEquals("You are Ada.", read(dir.resolve("agents/ada/system-prompt.md")));
        assertEquals(sampleWorld(), storage.loadWorld(key));
    }

    @Test
    void keepsUnknownFieldsWhenAFileIsRewritten() throws IOException {
        storage.createWorld(key, sampleWorld());
        Path agentFile = root.resolve("users/ann/worlds/demo/agents/ada/config.json");
        JsonObject o = JsonParser.parseString(read(agentFile)).getAsJsonObject();
        o.addProperty("favouriteColour", "teal");
        JsonObject nested = new JsonObject();
        nested.addProperty("big", 12345678901234L);
        o.add("custom", nested);
        Files.writeString(agentFile, o.toString());

        AgentConfig loaded = storage.loadWorld(key).agent("ada").orElseThrow().config();
        storage.saveAgentConfig(key, loaded.withStatus(AgentStatus.INACTIVE));

        JsonObject rewritten = JsonParser.parseString(read(agentFile)).getAsJsonObject();
        assertEquals("inactive", rewritten.get("status").getAsString());
        assertEquals("teal", rewritten.get("favouriteColour").getAsString());
        assertEquals("12345678901234", rewritten.getAsJsonObject("custom").get("big").getAsString());
    }

    @Test
    void listsNothingForAUserWithoutWorlds() {
        assertEquals(List.of(), storage.listWorlds(UserId.of("nobody")));
        assertFalse(storage.worldExists(new WorldKey(UserId.of("nobody"), "demo")));
    }

    @Test
    void loadingAMissingWorldIsWorldNotFound() {
        WorldLinkException e = assertThrows(WorldLinkException.class, () -> storage.loadWorld(key));
        assertEquals(ErrorCode.WORLD_NOT_FOUND, e.code());
    }

    @Test
    void aCorruptConfigIsAClearErrorNamingTheFileRelativeToTheDataRoot() throws IOException {
        storage.createWorld(key, sampleWorld());
        Files.writeString(root.resolve("users/ann/worlds/demo/agents/ada/config.json"), "{\"name\": ");

        StorageException e = assertThrows(StorageException.class, () -> storage.loadWorld(key));
        assertEquals(ErrorCode.STORAGE_ERROR, e.code());
        assertTrue(e.getMessage().startsWith("users/ann/worlds/demo/agents/ada/config.json is not valid JSON"),
                e.getMessage());
        assertFalse(e.getMessage().contains(root.toString()), e.getMessage());
    }

    @Test
    void aFieldOfTheWrongTypeNamesTheFileAndTheField() throws IOException {
        storage.createWorld(key, sampleWorld());
        Files.writeString(root.resolve("users/ann/worlds/demo/config.json"), "{\"turnLimit\": \"many\"}");

        StorageException e = assertThrows(StorageException.class, () -> storage.loadWorld(key));
        assertEquals("users/ann/worlds/demo/config.json: field \"turnLimit\" must be a whole number of at least 1.",
                e.getMessage());
    }

    @Test
    void aWriteThatFailsHalfwayLeavesTheOldFile() throws IOException {
        Path file = root.resolve("x/config.json");
        AtomicFiles.writeString(file, "x/config.json", true, "old");

        StorageException e = assertThrows(StorageException.class, () -> AtomicFiles.write(file, "x/config.json", true, out -> {
            out.write("new content, half of it");
            out.flush();
            throw new IOException("disk full");
        }));

        assertTrue(e.getMessage().contains("x/config.json"), e.getMessage());
        assertEquals("old", read(file));
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(List.of(file), s.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void withoutSyncEveryWriteIsStillMade() {
        UserStorage fast = UserStorage.files(root, false);
        fast.createWorld(key, sampleWorld());
        fast.saveSystemPrompt(key, "ada", "You are quick.");
        try (EventLog log = new FileEventLogStore(root, false).open(key)) {
            log.append(FileEventLogTest.message("hi"));
            log.sync();
        }

        assertEquals("You are quick.", storage.loadWorld(key).agent("ada").orElseThrow().systemPrompt());
        try (EventLog log = new FileEventLogStore(root, true).open(key)) {
            assertEquals(1, log.lastSeq());
        }
    }

    @Test
    void templatesAreNeverWritten() {
        WorldSnapshot template = new WorldSnapshot(
                new WorldConfig("demo", "Demo", "", 5, true, Map.of(), Map.of()), List.of());

        WorldLinkException e = assertThrows(WorldLinkException.class, () -> storage.createWorld(key, template));
        assertEquals(ErrorCode.TEMPLATE_READ_ONLY, e.code());
        assertFalse(Files.exists(root.resolve("users/ann/worlds/demo")));

        storage.createWorld(key, sampleWorld());
        assertEquals(ErrorCode.TEMPLATE_READ_ONLY, assertThrows(WorldLinkException.class,
                () -> storage.saveWorldConfig(key, template.config())).code());
    }

    @Test
    void writesToAMissingWorldAreWorldNotFound() {
        assertEquals(ErrorCode.WORLD_NOT_FOUND, assertThrows(WorldLinkException.class,
                () -> storage.saveMemory(key, "ada", List.of())).code());
    }

    @Test
    void archivesMemoryBesideIt() throws IOException {
        storage.createWorld(key, sampleWorld());
        storage.archiveMemory(key, "ada", sampleWorld().agents().get(0).memory());
        try (Stream<Path> s = Files.list(root.resolve("users/ann/worlds/demo/agents/ada/archive"))) {
            List<Path> files = s.toList();
            assertEquals(1, files.size());
            assertTrue(read(files.get(0)).contains("\"hello\""));
        }
    }

    @Test
    void refusesAUserFolderThatIsASymbolicLinkOutOfTheDataRoot(@TempDir Path outside) throws IOException {
        Files.createDirectories(root.resolve("users"));
        Files.createSymbolicLink(root.resolve("users/mallory"), outside);
        WorldKey evil = new WorldKey(UserId.of("mallory"), "demo");

        StorageException e = assertThrows(StorageException.class, () -> storage.createWorld(evil, sampleWorld()));
        assertTrue(e.getMessage().contains("outside the data root"), e.getMessage());
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(0, s.count(), "nothing is written through the link");
        }
    }

    @Test
    void deletingAUserRemovesTheirFolderButNothingALinkPointsTo(@TempDir Path outside) throws IOException {
        storage.createWorld(key, sampleWorld());
        Path precious = Files.writeString(outside.resolve("precious.txt"), "keep me");
        Files.createSymbolicLink(root.resolve("users/ann/worlds/demo/link"), outside);
        UserId other = UserId.of("bob");
        storage.createWorld(new WorldKey(other, "demo"), sampleWorld());

        storage.deleteUser(key.userId());

        assertFalse(Files.exists(root.resolve("users/ann")));
        assertFalse(storage.userExists(key.userId()));
        assertEquals("keep me", read(precious));
        assertTrue(storage.worldExists(new WorldKey(other, "demo")), "other users are untouched");
        storage.deleteUser(UserId.of("never-existed"));
    }

    @Test
    void createReplacesAnExistingWorldAsAWhole() {
        storage.createWorld(key, sampleWorld());
        WorldSnapshot other = new WorldSnapshot(
                new WorldConfig("demo", "Other", "", 5, false, Map.of(), Map.of()), List.of());

        storage.createWorld(key, other);

        assertEquals(other, storage.loadWorld(key));
        assertFalse(Files.exists(root.resolve("users/ann/worlds/demo/agents/ada")));
    }

    @Test
    void removesWhatAnInterruptedCloneLeftBehindAndPutsBackAWorldItHadMovedAside(@TempDir Path outside)
            throws IOException {
        storage.createWorld(key, sampleWorld());
        WorldKey bobs = new WorldKey(UserId.of("bob"), "demo");
        storage.createWorld(bobs, sampleWorld());
        Path worlds = root.resolve("users/ann/worlds");
        // Stopped while writing its staging folder.
        Path staging = Files.createDirectories(worlds.resolve(".new-demo-0b1c5a9e-5a52-4d0e-9c8e-3c1f3a3a1f11/agents"));
        Files.writeString(staging.resolve("half"), "{");
        // Stopped after the new world was in place, before the old one was deleted.
        TestData.copyTree(worlds.resolve("demo"), worlds.resolve(".old-demo-7f0c2d4e-1111-4c4c-8888-000000000001"));
        // Stopped between moving "gone" aside and moving its replacement in: "gone" must come back.
        storage.createWorld(new WorldKey(UserId.of("ann"), "gone"), sampleWorld());
        Files.move(worlds.resolve("gone"), worlds.resolve(".old-gone-7f0c2d4e-2222-4c4c-8888-000000000002"));
        Files.createDirectory(worlds.resolve(".new-gone-7f0c2d4e-3333-4c4c-8888-000000000003"));
        // A leftover's name on a link: the link goes, what it points to stays.
        Path precious = Files.writeString(outside.resolve("precious.txt"), "keep me");
        Files.createSymbolicLink(root.resolve("users/bob/worlds/.new-x-7f0c2d4e-4444-4c4c-8888-000000000004"), outside);

        List<String> removed = ((FileUserStorage) storage).removeInterruptedClones();

        assertEquals(List.of(
                "users/ann/worlds/.new-demo-0b1c5a9e-5a52-4d0e-9c8e-3c1f3a3a1f11",
                "users/ann/worlds/.new-gone-7f0c2d4e-3333-4c4c-8888-000000000003",
                "users/ann/worlds/.old-demo-7f0c2d4e-1111-4c4c-8888-000000000001",
                "users/bob/worlds/.new-x-7f0c2d4e-4444-4c4c-8888-000000000004"), removed.stream().sorted().toList());
        try (Stream<Path> s = Files.list(worlds)) {
            assertEquals(List.of("demo", "gone"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        assertEquals(List.of("demo"), storage.listWorlds(bobs.userId()));
        assertEquals(sampleWorld(), storage.loadWorld(key));
        assertEquals(sampleWorld().agents(), storage.loadWorld(new WorldKey(UserId.of("ann"), "gone")).agents());
        assertEquals("keep me", read(precious));
        assertEquals(List.of(), ((FileUserStorage) storage).removeInterruptedClones(), "nothing is left to do");
    }

    @Test
    void aSystemPromptLinkedElsewhereIsNeitherReadNorWritten(@TempDir Path outside) throws IOException {
        storage.createWorld(key, sampleWorld());
        WorldKey bobs = new WorldKey(UserId.of("bob"), "demo");
        storage.createWorld(bobs, sampleWorld());
        storage.saveSystemPrompt(bobs, "ada", "Bob's private prompt.");
        Path prompt = root.resolve("users/ann/worlds/demo/agents/ada/system-prompt.md");
        Files.delete(prompt);
        // Even a link that stays inside the data root would show one user another's files.
        Files.createSymbolicLink(prompt, root.resolve("users/bob/worlds/demo/agents/ada/system-prompt.md"));

        assertRefusesLink(outside, "users/ann/worlds/demo/agents/ada/system-prompt.md",
                () -> storage.loadWorld(key));
        assertRefusesLink(outside, "users/ann/worlds/demo/agents/ada/system-prompt.md",
                () -> storage.saveSystemPrompt(key, "ada", "overwritten"));
        assertEquals("Bob's private prompt.", read(root.resolve("users/bob/worlds/demo/agents/ada/system-prompt.md")));
        assertTrue(Files.isSymbolicLink(prompt), "the link is left for a person to look at");
    }

    @Test
    void aWorldConfigLinkedElsewhereIsNotRead(@TempDir Path outside) throws IOException {
        storage.createWorld(key, sampleWorld());
        Path config = root.resolve("users/ann/worlds/demo/config.json");
        Files.move(config, outside.resolve("config.json"));
        Files.createSymbolicLink(config, outside.resolve("config.json"));

        assertTrue(storage.worldExists(key), "the world is there, and loading it says what is wrong");
        assertRefusesLink(outside, "users/ann/worlds/demo/config.json", () -> storage.loadWorld(key));
    }

    @Test
    void aWorldFolderLinkedWithinTheDataRootIsStillUsed() throws IOException {
        storage.createWorld(new WorldKey(UserId.of("ann"), "real"), sampleWorld());
        Files.createSymbolicLink(root.resolve("users/ann/worlds/demo"), root.resolve("users/ann/worlds/real"));

        assertEquals("You are Ada.", storage.loadWorld(key).agent("ada").orElseThrow().systemPrompt());
        storage.saveSystemPrompt(key, "ada", "Changed.");
        assertEquals("Changed.", read(root.resolve("users/ann/worlds/real/agents/ada/system-prompt.md")));
    }

    @Test
    void aMemoryLinkedOutsideIsNeitherReadNorWritten(@TempDir Path outside) throws IOException {
        storage.createWorld(key, sampleWorld());
        Path secret = Files.writeString(outside.resolve("secret.json"), "[{\"role\":\"user\",\"content\":\"secret\"}]");
        Path memory = root.resolve("users/ann/worlds/demo/agents/ada/memory.json");
        Files.delete(memory);
        Files.createSymbolicLink(memory, secret);

        assertRefusesLink(outside, "users/ann/worlds/demo/agents/ada/memory.json", () -> storage.loadWorld(key));
        assertRefusesLink(outside, "users/ann/worlds/demo/agents/ada/memory.json",
                () -> storage.saveMemory(key, "ada", List.of()));
        assertEquals("[{\"role\":\"user\",\"content\":\"secret\"}]", read(secret));
    }

    @Test
    void anAgentFolderLinkedOutsideIsNeitherReadNorWritten(@TempDir Path outside) throws IOException {
        storage.createWorld(key, sampleWorld());
        Path agent = root.resolve("users/ann/worlds/demo/agents/ada");
        TestData.copyTree(agent, outside);
        Files.writeString(outside.resolve("system-prompt.md"), "Outside prompt.");
        deleteTree(agent);
        Files.createSymbolicLink(agent, outside);
        String before = listing(outside);

        assertRefusesLink(outside, "users/ann/worlds/demo/agents/ada", () -> storage.loadWorld(key));
        assertRefusesLink(outside, "users/ann/worlds/demo/agents/ada",
                () -> storage.saveSystemPrompt(key, "ada", "overwritten"));
        assertRefusesLink(outside, "users/ann/worlds/demo/agents/ada",
                () -> storage.archiveMemory(key, "ada", List.of()));
        assertRefusesLink(outside, "users/ann/worlds/demo/agents/ada",
                () -> storage.saveAgentConfig(key, sampleWorld().agents().get(0).config()));
        assertEquals(before, listing(outside));
    }

    @Test
    void anArchiveFolderLinkedOutsideIsNotWrittenTo(@TempDir Path outside) throws IOException {
        storage.createWorld(key, sampleWorld());
        Files.createSymbolicLink(root.resolve("users/ann/worlds/demo/agents/ada/archive"), outside);

        assertRefusesLink(outside, "users/ann/worlds/demo/agents/ada/archive",
                () -> storage.archiveMemory(key, "ada", sampleWorld().agents().get(0).memory()));
        assertEquals("", listing(outside));
    }

    @Test
    void anEventLogLinkedOutsideIsNeverReadNorAppendedTo(@TempDir Path outside) throws IOException {
        storage.createWorld(key, sampleWorld());
        Path foreign = Files.writeString(outside.resolve("events.jsonl"), "");
        Path events = root.resolve("users/ann/worlds/demo/events.jsonl");
        Files.createSymbolicLink(events, foreign);

        assertRefusesLink(outside, "users/ann/worlds/demo/events.jsonl", () -> new FileEventLogStore(root, true).open(key));

        Files.delete(events);
        try (EventLog log = new FileEventLogStore(root, true).open(key)) {
            // A link planted while the world is loaded, before its first event.
            Files.createSymbolicLink(events, foreign);
            assertRefusesLink(outside, "users/ann/worlds/demo/events.jsonl",
                    () -> log.append(FileEventLogTest.message("hi")));
            assertEquals(0, log.lastSeq(), "the seq was not used");

            Files.delete(events);
            assertEquals(1, log.append(FileEventLogTest.message("hi")).seq());
            log.sync();
            // And one planted between two bursts.
            Files.move(events, root.resolve("users/ann/worlds/demo/moved.jsonl"));
            Files.createSymbolicLink(events, foreign);
            assertRefusesLink(outside, "users/ann/worlds/demo/events.jsonl",
                    () -> log.append(FileEventLogTest.message("again")));
        }
        assertEquals("", read(foreign));
    }

    static AgentSnapshot sampleAgent(String id) {
        AgentConfig config = new AgentConfig(id, id.toUpperCase(java.util.Locale.ROOT), null, AgentStatus.ACTIVE,
                "default", "", 0.7, 200, true, 0, null, Instant.parse("2026-01-02T00:00:00Z"), null, Map.of());
        return new AgentSnapshot(config, "You are " + id + ".", List.of());
    }

    @Test
    void anAgentIsAddedWholeAndDeletedWithEverythingOfIt() throws IOException {
        storage.createWorld(key, sampleWorld());

        storage.createAgent(key, sampleAgent("bob"));
        storage.archiveMemory(key, "bob", sampleWorld().agents().get(0).memory());

        WorldSnapshot loaded = storage.loadWorld(key);
        assertEquals(List.of("ada", "bob"), loaded.agents().stream().map(AgentSnapshot::id).toList());
        assertEquals(sampleAgent("bob"), loaded.agent("bob").orElseThrow());
        Path agents = root.resolve("users/ann/worlds/demo/agents");
        try (Stream<Path> s = Files.list(agents)) {
            assertEquals(List.of("ada", "bob"), s.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no staging folder is left");
        }

        storage.deleteAgent(key, "bob");

        assertFalse(Files.exists(agents.resolve("bob")));
        try (Stream<Path> s = Files.list(agents)) {
            assertEquals(List.of("ada"), s.map(p -> p.getFileName().toString()).toList());
        }
        assertEquals(sampleWorld(), storage.loadWorld(key));
        storage.deleteAgent(key, "bob");
    }

    @Test
    void anAgentIsAddedToAWorldThatHasNoAgentsFolderYet() {
        storage.createWorld(key, new WorldSnapshot(sampleWorld().config(), List.of()));

        storage.createAgent(key, sampleAgent("bob"));

        assertEquals(List.of(sampleAgent("bob")), storage.loadWorld(key).agents());
    }

    @Test
    void anAgentThatExistsIsNotAddedAgainAndAgentsOfMissingWorldsAreWorldNotFound() {
        storage.createWorld(key, sampleWorld());

        WorldLinkException taken = assertThrows(WorldLinkException.class,
                () -> storage.createAgent(key, sampleAgent("ada")));
        assertEquals(ErrorCode.INVALID_NAME, taken.code());
        assertEquals(sampleWorld(), storage.loadWorld(key));

        WorldKey missing = new WorldKey(UserId.of("ann"), "missing");
        assertEquals(ErrorCode.WORLD_NOT_FOUND, assertThrows(WorldLinkException.class,
                () -> storage.createAgent(missing, sampleAgent("bob"))).code());
        assertEquals(ErrorCode.WORLD_NOT_FOUND, assertThrows(WorldLinkException.class,
                () -> storage.deleteAgent(missing, "bob")).code());
        assertFalse(Files.exists(root.resolve("users/ann/worlds/missing")));
    }

    @Test
    void deletingAWorldRemovesItsFolderButNothingALinkPointsTo(@TempDir Path outside) throws IOException {
        storage.createWorld(key, sampleWorld());
        try (EventLog log = new FileEventLogStore(root, true).open(key)) {
            log.append(new io.worldlink.event.SystemEvent("e1", Instant.now(), 0, "hello", io.worldlink.event.MessageLevel.INFO));
        }
        Path precious = Files.writeString(outside.resolve("precious.txt"), "keep me");
        Files.createSymbolicLink(root.resolve("users/ann/worlds/demo/link"), outside);
        WorldKey other = new WorldKey(UserId.of("ann"), "other");
        storage.createWorld(other, sampleWorld());

        storage.deleteWorld(key);

        assertFalse(storage.worldExists(key));
        try (Stream<Path> s = Files.list(root.resolve("users/ann/worlds"))) {
            assertEquals(List.of("other"), s.map(p -> p.getFileName().toString()).toList(), "nothing is left");
        }
        assertEquals("keep me", read(precious));
        assertTrue(storage.worldExists(other), "the user's other worlds stay");
        storage.deleteWorld(key);
        storage.deleteWorld(new WorldKey(UserId.of("never-existed"), "demo"));
    }

    @Test
    void aWorldFolderThatIsALinkIsRemovedAsALink() throws IOException {
        WorldKey real = new WorldKey(UserId.of("ann"), "real");
        storage.createWorld(real, sampleWorld());
        Files.createSymbolicLink(root.resolve("users/ann/worlds/demo"), root.resolve("users/ann/worlds/real"));

        storage.deleteWorld(key);

        assertFalse(Files.exists(root.resolve("users/ann/worlds/demo"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals(sampleWorld().agents(), storage.loadWorld(real).agents(), "what the link pointed to stays");
    }

    @Test
    void anAgentsFolderLinkedOutsideIsNeitherAddedToNorDeletedThrough(@TempDir Path outside) throws IOException {
        storage.createWorld(key, sampleWorld());
        Path agents = root.resolve("users/ann/worlds/demo/agents");
        deleteTree(agents);
        Files.createDirectories(outside.resolve("eve"));
        Path precious = Files.writeString(outside.resolve("eve/config.json"), "{\"id\": \"eve\"}");
        Files.createSymbolicLink(agents, outside);
        String before = listing(outside);

        assertRefusesLink(outside, "users/ann/worlds/demo/agents", () -> storage.createAgent(key, sampleAgent("bob")));
        assertRefusesLink(outside, "users/ann/worlds/demo/agents", () -> storage.deleteAgent(key, "eve"));

        assertEquals(before, listing(outside));
        assertEquals("{\"id\": \"eve\"}", read(precious));
    }

    @Test
    void anAgentFolderLinkedOutsideIsNotDeletedThrough(@TempDir Path outside) throws IOException {
        storage.createWorld(key, sampleWorld());
        Path precious = Files.writeString(outside.resolve("memory.json"), "[]");
        Files.createSymbolicLink(root.resolve("users/ann/worlds/demo/agents/eve"), outside);

        assertRefusesLink(outside, "users/ann/worlds/demo/agents/eve", () -> storage.deleteAgent(key, "eve"));
        assertRefusesLink(outside, "users/ann/worlds/demo/agents/eve", () -> storage.createAgent(key,
                sampleAgent("eve")));

        assertEquals("[]", read(precious));
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(1, s.count(), "nothing is written through the link");
        }
    }

    @Test
    void whatADeletionOrAnAgentsCreationLeftAfterACrashIsRemovedOrPassedOver() throws IOException {
        storage.createWorld(key, sampleWorld());
        Path worlds = root.resolve("users/ann/worlds");
        // Stopped after the world was moved out of the way, before its tree was deleted: it must not come back.
        TestData.copyTree(worlds.resolve("demo"), worlds.resolve(".gone-old-7f0c2d4e-5555-4c4c-8888-000000000005"));
        // Stopped while an agent was being written, and while one was being deleted.
        Files.createDirectories(worlds.resolve("demo/agents/.new-bob-7f0c2d4e-6666-4c4c-8888-000000000006"));
        TestData.copyTree(worlds.resolve("demo/agents/ada"),
                worlds.resolve("demo/agents/.gone-cy-7f0c2d4e-7777-4c4c-8888-000000000007"));

        assertEquals(List.of("users/ann/worlds/.gone-old-7f0c2d4e-5555-4c4c-8888-000000000005"),
                ((FileUserStorage) storage).removeInterruptedClones());

        assertEquals(List.of("demo"), storage.listWorlds(key.userId()));
        assertEquals(sampleWorld(), storage.loadWorld(key), "agents being added or deleted are not read");
    }

    private void assertRefusesLink(Path outside, String name, Executable action) {
        StorageException e = assertThrows(StorageException.class, action);
        assertEquals(name + " is a symbolic link, and WorldLink does not follow symbolic links inside a world. "
                + "Replace it with the file or folder itself.", e.getMessage());
        assertFalse(e.getMessage().contains(root.toString()) || e.getMessage().contains(outside.toString()),
                e.getMessage());
    }

    // Every file under a folder with its content, to show that nothing there changed.
    private static String listing(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted().skip(1).toList()) {
                sb.append(dir.relativize(p)).append('\n');
                if (Files.isRegularFile(p)) {
                    sb.append(read(p)).append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
