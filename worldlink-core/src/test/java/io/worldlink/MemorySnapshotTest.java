package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory is derived state: a turn writes no memory file, a snapshot is written when the world goes quiet
 * and when it closes, and a world that a crash stopped rebuilds from its log what the snapshot lacks.
 * A crash is a copy of the data root taken while the world runs, loaded by another WorldLink.
 */
class MemorySnapshotTest {
    private static final Duration NEVER = Duration.ofHours(1);

    @TempDir
    Path root;
    @TempDir
    Path crashed;
    private final List<WorldLink> links = new ArrayList<>();
    private int memoryChars = 64 * 1024;

    @AfterEach
    void closeLinks() {
        links.forEach(WorldLink::close);
    }

    private WorldLink link(Path dataRoot, UserStorage storage, Duration quiet, int cap) {
        WorldLink link = WorldLink.builder().dataRoot(dataRoot).storage(storage).environment(Map.of())
                .offlinePace(Duration.ZERO).trustClaimedUserIds(true).saveDelay(quiet).memory(10, cap)
                .maxMemoryChars(memoryChars).build();
        links.add(link);
        return link;
    }

    private static TestClient in(WorldLink link, String world) {
        TestClient c = new TestClient(link);
        c.select("default-world", world, "ann");
        c.expect("connection-confirmed");
        return c;
    }

    private static JsonObject turn(TestClient c, String message) {
        c.request("chat-send", payload("message", message));
        List<JsonObject> frames = c.untilIdle();
        return frames.get(frames.size() - 1);
    }

    private static String createChat(TestClient c) {
        c.request("chat-create", payload("name", "second"));
        List<JsonObject> frames = c.until(f -> type(f).equals("chat-created"));
        c.until(f -> type(f).equals("chat-selected"));
        return payloadOf(frames.get(frames.size() - 1)).get("chatId").getAsString();
    }

    // A new connection in a chat: unlike chat-select, it gets no history, whose idles would end turn() early.
    private static TestClient inChat(WorldLink link, String world, String chatId) {
        TestClient c = new TestClient(link);
        c.request("world-select", payload("templateName", "default-world", "worldName", world, "userId", "ann",
                "chatId", chatId));
        c.expect("connection-confirmed");
        return c;
    }

    private Path world(Path dataRoot, String world) {
        return dataRoot.resolve("users/ann/worlds/" + world);
    }

    // Each agent's memory, then its archive, as "role sender chatId: content" lines; and each chat's file.
    private Map<String, List<String>> memories(Path dataRoot, String world) throws IOException {
        Map<String, List<String>> out = new TreeMap<>();
        Path chats = world(dataRoot, world).resolve("chats");
        if (Files.isDirectory(chats)) {
            try (Stream<Path> files = Files.list(chats)) {
                for (Path f : files.sorted().toList()) {
                    JsonObject chat = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
                    out.put("chat " + f.getFileName(), List.of(chat.get("name").getAsString(),
                            chat.get("messageCount").getAsString(), chat.get("createdAt").getAsString(),
                            chat.get("updatedAt").getAsString()));
                }
            }
        }
        try (Stream<Path> agents = Files.list(world(dataRoot, world).resolve("agents"))) {
            for (Path agent : agents.sorted().toList()) {
                String id = agent.getFileName().toString();
                out.put(id, lines(agent.resolve("memory.json")));
                List<String> archived = new ArrayList<>();
                Path archive = agent.resolve("archive");
                if (Files.isDirectory(archive)) {
                    try (Stream<Path> files = Files.list(archive)) {
                        for (Path f : files.sorted().toList()) {
                            archived.addAll(lines(f));
                        }
                    }
                }
                out.put(id + " archive", archived);
            }
        }
        return out;
    }

    private static List<String> lines(Path messages) throws IOException {
        List<String> out = new ArrayList<>();
        for (JsonElement e : JsonParser.parseString(Files.readString(messages)).getAsJsonArray()) {
            JsonObject m = e.getAsJsonObject();
            out.add(m.get("role").getAsString() + " " + m.get("sender").getAsString() + " "
                    + (m.has("chatId") ? m.get("chatId").getAsString() : "-") + ": " + m.get("content").getAsString());
        }
        return out;
    }

    private long memorySeq(Path dataRoot, String world) throws IOException {
        JsonObject config = JsonParser.parseString(Files.readString(world(dataRoot, world).resolve("config.json")))
                .getAsJsonObject();
        JsonObject metadata = config.getAsJsonObject("metadata");
        return metadata != null && metadata.has("memorySeq") ? metadata.get("memorySeq").getAsLong() : -1;
    }

    // The crash: the data root as it is now, while the world runs, loaded by another WorldLink and closed.
    private Map<String, List<String>> afterACrash(String world) throws IOException {
        TestData.copyTree(root, crashed);
        Map<String, List<String>> onDisk = memories(crashed, world);
        WorldLink second = link(crashed, UserStorage.files(crashed), NEVER, 8);
        in(second, world);
        second.close();
        Map<String, List<String>> rebuilt = memories(crashed, world);
        assertNotEquals(onDisk, rebuilt, "the crash left the memory files behind the log");
        return rebuilt;
    }

    @Test
    void memoryAfterACrashIsTheMemoryTheLogImpliesPerChatAndPastTheCap() throws IOException {
        TestData.withShippedTemplates(root);
        WorldLink link = link(root, UserStorage.files(root), NEVER, 8);
        TestClient c = in(link, "w");
        for (int i = 0; i < 3; i++) {
            turn(c, "first chat, message " + i);
        }
        // An edit writes a snapshot: the replay starts after it.
        c.request("world-update", payload("name", "Renamed"));
        c.until(f -> type(f).equals("world-updated"));
        long snapshot = memorySeq(root, "w");
        assertTrue(snapshot > 0, "the edit wrote the snapshot's seq");
        String second = createChat(c);
        for (int i = 0; i < 3; i++) {
            turn(c, "second chat, message " + i);
        }
        c.request("chat-rename", payload("chatId", second, "name", "Renamed after the snapshot"));
        c.until(f -> type(f).equals("chat-updated"));
        TestClient first = inChat(link, "w", "chat-1");
        for (int i = 3; i < 6; i++) {
            turn(first, "first chat, message " + i);
        }
        assertEquals(snapshot, memorySeq(root, "w"), "no turn wrote a snapshot");

        Map<String, List<String>> rebuilt = afterACrash("w");
        link.close();
        Map<String, List<String>> live = memories(root, "w");
        assertEquals(live, rebuilt, "the memory and the chats the log implies");
        // Each turn is a person's message and two replies.
        assertEquals(List.of("first chat, message 0", "18"), live.get("chat chat-1.json").subList(0, 2), live.toString());
        assertEquals(List.of("Renamed after the snapshot", "9"), live.get("chat " + second + ".json").subList(0, 2));
        assertFalse(live.get("ada archive").isEmpty(), "the cap moved messages to the archive");
        assertTrue(live.get("ada").stream().anyMatch(m -> m.contains(" " + second + ": ")), "second chat remembered");
        assertTrue(live.get("ada").stream().anyMatch(m -> m.contains(" chat-1: ")), "first chat remembered");
    }

    @Test
    void memoryCappedInCharactersAcrossChatsIsTheMemoryTheLogImpliesAfterACrash() throws IOException {
        TestData.withShippedTemplates(root);
        memoryChars = 2048;
        WorldLink link = link(root, UserStorage.files(root), NEVER, 8);
        TestClient c = in(link, "w");
        // Four turns of 600 characters in each of two chats: within the cap of 8 messages a chat, and past
        // 2,048 characters over both.
        for (int i = 0; i < 4; i++) {
            turn(c, "first chat " + i + " " + "a".repeat(600));
        }
        c.request("world-update", payload("name", "Renamed"));
        c.until(f -> type(f).equals("world-updated"));
        String second = createChat(c);
        for (int i = 0; i < 4; i++) {
            turn(c, "second chat " + i + " " + "b".repeat(600));
        }

        Map<String, List<String>> rebuilt = afterACrash("w");
        link.close();
        Map<String, List<String>> live = memories(root, "w");
        assertEquals(live, rebuilt, "the memory the log implies, capped the same way");
        for (String agent : List.of("ada", "ben")) {
            long chars = 0;
            for (String m : live.get(agent)) {
                chars += m.substring(m.indexOf(": ") + 2).length();
            }
            assertTrue(chars <= 2048, agent + " remembers " + chars + " characters in " + live.get(agent).size()
                    + " messages");
            assertTrue(live.get(agent).get(live.get(agent).size() - 1).startsWith("assistant " + agent + " " + second),
                    "the newest message stays: " + live.get(agent));
            assertTrue(live.get(agent + " archive").get(0).contains("first chat 0 "),
                    "the oldest message is archived, not lost: " + live.get(agent + " archive"));
        }
    }

    @Test
    void chatDeleteAndClearMemorySurviveACrash() throws IOException {
        TestData.withShippedTemplates(root);
        WorldLink link = link(root, UserStorage.files(root), NEVER, 8);
        TestClient c = in(link, "w");
        turn(c, "in the first chat");
        String second = createChat(c);
        turn(c, "in the second chat");
        c.request("chat-delete", payload("chatId", second));
        c.until(f -> type(f).equals("chat-selected"));
        c.request("agent-update", payload("agentName", "ada", "updates", payload("clearMemory", true)));
        c.until(f -> type(f).equals("agent-updated"));
        turn(inChat(link, "w", "chat-1"), "after the edits");

        Map<String, List<String>> rebuilt = afterACrash("w");
        link.close();
        assertEquals(memories(root, "w"), rebuilt);
        for (String agent : List.of("ada", "ben")) {
            assertTrue(rebuilt.get(agent).stream().noneMatch(m -> m.contains(" " + second + ": ")),
                    agent + " forgot the deleted chat: " + rebuilt.get(agent));
        }
        assertTrue(rebuilt.get("ada").stream().noneMatch(m -> m.contains("in the first chat")), "ada's memory was cleared");
        assertTrue(rebuilt.get("ada").stream().anyMatch(m -> m.contains("after the edits")));
        assertTrue(rebuilt.get("ben").stream().anyMatch(m -> m.contains("in the first chat")));
    }

    @Test
    void turnsWriteNoMemoryFileAndCloseWritesTheSnapshot() throws IOException {
        TestData.withShippedTemplates(root);
        WatchedStorage storage = new WatchedStorage(root);
        WorldLink link = link(root, storage, NEVER, 200);
        TestClient c = in(link, "w");
        for (int i = 0; i < 4; i++) {
            turn(c, "turn " + i);
        }
        assertEquals(0, storage.memoryWrites.get(), "no memory file was written by a turn");
        assertEquals(0, storage.chatWrites.get(), "nor a chat's");
        link.close();
        Map<String, List<String>> memories = memories(root, "w");
        assertEquals(4 * 2, memories.get("ada").size(), "every turn is in the memory: " + memories.get("ada"));
        assertTrue(memorySeq(root, "w") > 0);
        assertEquals(1, storage.chatWrites.get(), "the chat is written with the snapshot");
    }

    @Test
    void aQuietWorldWritesItsSnapshot() throws Exception {
        TestData.withShippedTemplates(root);
        WatchedStorage storage = new WatchedStorage(root);
        WorldLink link = link(root, storage, Duration.ofMillis(50), 200);
        TestClient c = in(link, "w");
        turn(c, "the first turn writes the world's first snapshot");
        long idleSeq = turn(c, "the second turn waits for the world to be quiet").get("seq").getAsLong();
        while (true) {
            WorldConfig saved = storage.worldConfigs.poll(FrameQueue.WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(saved, "no snapshot within " + FrameQueue.WAIT_SECONDS + " s");
            String seq = saved.metadata().get("memorySeq");
            if (seq != null && Long.parseLong(seq) >= idleSeq) {
                break;
            }
        }
        List<String> ada = memories(root, "w").get("ada");
        assertEquals(4, ada.size(), "both turns, without closing: " + ada);
        assertTrue(ada.get(2).contains("the second turn waits"), ada.toString());
    }

    @Test
    void aWorldThatWasOnlySelectedLeavesNoFiles() {
        TestData.withShippedTemplates(root);
        WorldLink link = link(root, UserStorage.files(root), Duration.ZERO, 200);
        in(link, "w");
        assertFalse(Files.exists(root.resolve("users")), "a select writes nothing");
        link.close();
        assertFalse(Files.exists(root.resolve("users")), "and closing nothing");
    }

    private static Map<String, String> files(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(dir.relativize(p).toString(), Files.readString(p));
            }
        }
        return out;
    }
}
