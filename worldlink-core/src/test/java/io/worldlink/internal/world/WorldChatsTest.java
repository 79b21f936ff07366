package io.worldlink.internal.world;

import static io.worldlink.internal.world.WorldHarness.get;
import static io.worldlink.internal.world.WorldHarness.replies;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.Chat;
import io.worldlink.ErrorCode;
import io.worldlink.MemoryMessage;
import io.worldlink.WorldLinkException;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.SenderType;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.model.ChatCall;
import io.worldlink.model.ChatListener;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.Usage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chats in the core: separate contexts, per-chat turns and stop, deletion, files, and a world from before chats. */
class WorldChatsTest {
    @TempDir
    Path root;
    WorldHarness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void twoChatsWithTheSameAgentsKeepSeparateContexts() {
        h = WorldHarness.of(root, "ada");
        h.turn(h.world.chat(Chat.FIRST_ID, null, "My secret word is pineapple.", null));
        h.model.requests.clear();
        Chat b = get(h.world.createChat(null, "Second thoughts"));
        h.turn(h.world.chat(b.id(), null, "What is my secret word?", null));

        ChatRequest sent = h.model.requests.poll();
        assertNotNull(sent);
        for (ChatMessage m : sent.messages()) {
            assertFalse(m.content().contains("pineapple"), "chat B's request holds nothing of chat A: " + m);
        }
        assertEquals("What is my secret word?", ScriptedModel.last(sent));

        h.model.requests.clear();
        h.turn(h.world.chat(Chat.FIRST_ID, null, "And now?", null));
        ChatRequest back = h.model.requests.poll();
        assertTrue(back.messages().stream().anyMatch(m -> m.content().contains("pineapple")),
                "chat A still has its own context");
        assertTrue(back.messages().stream().noneMatch(m -> m.content().contains("secret word?")),
                "and nothing of chat B");

        get(h.world.close());
        List<MemoryMessage> memory = h.storage.loadWorld(h.key).agent("ada").orElseThrow().memory();
        assertTrue(memory.stream().allMatch(m -> m.chatId() != null), "every memory message names its chat");
        assertEquals(2, memory.stream().filter(m -> b.id().equals(m.chatId())).count());
    }

    @Test
    void aNewChatIsNamedAfterItsFirstMessageAndStoredAsAgentWorldStoresIt() throws Exception {
        h = WorldHarness.of(root, "ada");
        Chat b = get(h.world.createChat(null, null));
        assertEquals(Chat.NEW_NAME, b.name());
        List<WorldEvent> turn = h.turn(h.world.chat(b.id(), null, "  Plan a trip\nto Lisbon in May", null));

        WorldActionEvent update = turn.stream().filter(WorldActionEvent.class::isInstance)
                .map(WorldActionEvent.class::cast).filter(w -> w.action().equals(WorldActionEvent.CHAT_UPDATE))
                .findFirst().orElseThrow();
        assertEquals(WorldActionEvent.IDLE, ((WorldActionEvent) turn.get(turn.size() - 1)).action(),
                "the chat's update comes before the turn's end");
        @SuppressWarnings("unchecked")
        Map<String, Object> chat = (Map<String, Object>) update.details().get("chat");
        assertEquals("Plan a trip", chat.get("name"));
        assertEquals(2, ((Number) chat.get("messageCount")).intValue());
        // The harness writes snapshots after each burst: the turn's is written once the world has run it.
        assertEquals(b.id(), get(h.world.chats()).get(0).id(), "newest first");

        Path file = root.resolve("users/ann/worlds/test/chats/" + b.id() + ".json");
        JsonObject stored = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        for (String field : List.of("id", "worldId", "name", "description", "createdAt", "updatedAt", "messageCount")) {
            assertTrue(stored.has(field), field + " in " + stored);
        }
        assertEquals("Plan a trip", stored.get("name").getAsString());
        assertEquals(2, stored.get("messageCount").getAsInt());
        assertTrue(Files.exists(root.resolve("users/ann/worlds/test/chats/" + Chat.FIRST_ID + ".json")),
                "the first chat gets its file once another chat's is written");
    }

    @Test
    void deletingAChatRemovesItsMessagesFromEveryAgentsMemoryOnDisk() throws Exception {
        h = WorldHarness.of(root, "ada", "ben");
        h.turn(h.world.chat(Chat.FIRST_ID, null, "keep this", null));
        Chat b = get(h.world.createChat(null, "Doomed"));
        h.turn(h.world.chat(b.id(), null, "forget this", null));

        Chat fallback = get(h.world.deleteChat(null, b.id()));
        assertEquals(Chat.FIRST_ID, fallback.id());
        for (String agent : List.of("ada", "ben")) {
            String onDisk = Files.readString(root.resolve("users/ann/worlds/test/agents/" + agent + "/memory.json"));
            assertFalse(onDisk.contains("forget this"), onDisk);
            assertFalse(onDisk.contains(b.id()), onDisk);
            assertTrue(onDisk.contains("keep this"), onDisk);
        }
        assertFalse(Files.exists(root.resolve("users/ann/worlds/test/chats/" + b.id() + ".json")));
        assertEquals(List.of(Chat.FIRST_ID), get(h.world.chats()).stream().map(Chat::id).toList());
        assertEquals(ErrorCode.CHAT_NOT_FOUND, failure(h.world.chat(b.id(), null, "hello?", null)).code());

        Chat replacement = get(h.world.deleteChat(null, Chat.FIRST_ID));
        assertNotEquals(Chat.FIRST_ID, replacement.id(), "a world keeps a chat: deleting its last makes a new one");
        assertEquals(List.of(replacement.id()), get(h.world.chats()).stream().map(Chat::id).toList());
    }

    @Test
    void clientsNamesAndLimitsAreCheckedAndNothingChangesOnARefusal() {
        h = WorldHarness.of(root, "ada");
        assertEquals(ErrorCode.INVALID_NAME, failure(h.world.chat("../../etc", null, "hi", null)).code());
        assertEquals(ErrorCode.CHAT_NOT_FOUND, failure(h.world.chat("chat-404", null, "hi", null)).code());
        assertEquals(ErrorCode.INVALID_NAME, failure(h.world.createChat(null, "x".repeat(101))).code());
        assertEquals(ErrorCode.INVALID_NAME, failure(h.world.renameChat(null, Chat.FIRST_ID, "bad\u0000name")).code());
        for (int i = 1; i < 5; i++) {
            get(h.world.createChat(null, "chat " + i));
        }
        WorldLinkException full = failure(h.world.createChat(null, "one too many"));
        assertEquals(ErrorCode.QUOTA_EXCEEDED, full.code());
        assertEquals(5, get(h.world.chats()).size());
        assertEquals("Renamed", get(h.world.renameChat(null, Chat.FIRST_ID, "  Renamed ")).name());
    }

    @Test
    void turnsOfTwoChatsRunSideBySideAndStopEndsOnlyItsOwn() throws Exception {
        HeldModel held = new HeldModel();
        h = new WorldHarness(root, 5, 10, 200, List.of(WorldHarness.agent("ada", true)), held);
        Chat b = get(h.world.createChat(null, "B"));
        MessageEvent inA = get(h.world.chat(Chat.FIRST_ID, null, "long answer please", null));
        MessageEvent inB = get(h.world.chat(b.id(), null, "another long answer", null));
        Held first = held.next();
        Held second = held.next();
        boolean inOrder = ScriptedModel.last(first.request).equals("long answer please");
        Held callA = inOrder ? first : second;
        Held callB = inOrder ? second : first;
        assertEquals("long answer please", ScriptedModel.last(callA.request));
        assertEquals("another long answer", ScriptedModel.last(callB.request), "ada answers in B while busy in A");
        callA.listener.onChunk("Once upon ");
        callB.listener.onChunk("In B ");

        assertEquals(1, get(h.world.stop(b.id(), null)));
        assertTrue(callB.cancelled.get(10, TimeUnit.SECONDS), "B's model call is cancelled");
        WorldActionEvent idleB = idleOf(inB);
        assertEquals(b.id(), idleB.chatId());

        callA.listener.onChunk("a time.");
        callA.listener.onComplete(new Usage(1, 2, 3));
        WorldActionEvent idleA = idleOf(inA);
        assertEquals(Chat.FIRST_ID, idleA.chatId());
        assertFalse(callA.cancelled.isDone(), "A's reply was not stopped");
    }

    @Test
    void aWorldFromBeforeChatsLoadsWithItsHistoryAsItsFirstChat() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        List<WorldEvent> legacy = List.of(
                new MessageEvent("m1", t, "HUMAN", SenderType.HUMAN, 0, "Tell me about owls", null, false),
                new MessageEvent("r1", t, "ada", SenderType.AGENT, 0, "Owls are birds.", "m1", false),
                new WorldActionEvent("i1", t, 0, WorldActionEvent.IDLE, null, Map.of("messageId", "m1")));
        h = new WorldHarness(root, 5, 10, 200, List.of(WorldHarness.agent("ada", true)), null, legacy);

        List<Chat> chats = get(h.world.chats());
        assertEquals(1, chats.size());
        assertEquals(Chat.FIRST_ID, chats.get(0).id());
        assertEquals("Tell me about owls", chats.get(0).name());
        assertEquals(2, chats.get(0).messageCount());
        assertFalse(Files.exists(root.resolve("users/ann/worlds/test/chats")), "loading writes nothing");

        List<WorldEvent> history = new java.util.concurrent.CopyOnWriteArrayList<>();
        get(h.world.selectChat(Chat.FIRST_ID, WorldHarness.WHOLE, (view, page) -> history.addAll(page.events())));
        assertEquals(List.of("m1", "r1", "i1"), history.stream().map(WorldEvent::id).toList());

        assertEquals(List.of("ada"), replies(h.turn(h.world.chat(Chat.FIRST_ID, null, "More", null))));
        get(h.world.chats());
        assertTrue(Files.exists(root.resolve("users/ann/worlds/test/chats/" + Chat.FIRST_ID + ".json")),
                "the first chat is stored once it is spoken in");
    }

    private WorldActionEvent idleOf(MessageEvent start) {
        while (true) {
            WorldEvent e = h.poll();
            if (e instanceof WorldActionEvent w && w.action().equals(WorldActionEvent.IDLE)
                    && start.id().equals(w.details().get("messageId"))) {
                return w;
            }
        }
    }

    private static WorldLinkException failure(CompletableFuture<?> f) {
        try {
            f.get(WorldHarness.WAIT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return assertInstanceOf(WorldLinkException.class, e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A model call a test answers by hand. */
    record Held(ChatRequest request, ChatListener listener, CompletableFuture<Boolean> cancelled) {}

    /** A model whose calls wait for the test. */
    static final class HeldModel implements ChatModel {
        final BlockingQueue<Held> calls = new LinkedBlockingQueue<>();

        @Override
        public ChatCall stream(ChatRequest request, ChatListener listener) {
            Held held = new Held(request, listener, new CompletableFuture<>());
            calls.add(held);
            return () -> held.cancelled.complete(true);
        }

        Held next() throws InterruptedException {
            Held held = calls.poll(WorldHarness.WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(held, "no model call");
            return held;
        }
    }
}
