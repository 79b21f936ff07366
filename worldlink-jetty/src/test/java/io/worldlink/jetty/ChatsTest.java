package io.worldlink.jetty;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.Chat;
import io.worldlink.TestData;
import io.worldlink.Identity;
import io.worldlink.WorldLink;
import io.worldlink.client.ClientListener;
import io.worldlink.client.Confirmation;
import io.worldlink.client.WorldLinkClient;
import io.worldlink.model.ChatListener;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.Usage;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chats (docs/protocol-chats.md) on a real server on port 0, with real WebSocket clients (Jetty's, and
 * WorldLink's own Java client) and real HTTP requests.
 */
class ChatsTest {
    @TempDir
    Path root;

    final HttpClient http = HttpClient.newHttpClient();
    final List<WsClient> clients = new ArrayList<>();
    final BlockingQueue<ChatRequest> requests = new LinkedBlockingQueue<>();
    // A signed user, whose worlds outlive a restart of the server.
    final String user = "ann";
    WorldLink link;
    WorldLinkServer server;
    WebSocketContainer container;

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        container = ContainerProvider.getWebSocketContainer();
        serve(ScriptedModel.answering(r -> {
            requests.add(r);
            return "Noted.";
        }));
    }

    void serve(ScriptedModel model) throws Exception {
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .chatModel("offline", model).trustClaimedUserIds(true).maxChatsPerWorld(3).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
    }

    void restart(ScriptedModel model) throws Exception {
        for (WsClient c : clients) {
            c.close();
        }
        clients.clear();
        server.close();
        link.close();
        serve(model);
    }

    @AfterEach
    void stop() throws Exception {
        for (WsClient c : clients) {
            c.close();
        }
        server.close();
        link.close();
        LifeCycle.stop(container);
    }

    WsClient client() throws Exception {
        WsClient c = WsClient.connect(container, server.webSocketUri());
        clients.add(c);
        return c;
    }

    WsClient in(String chatId) throws Exception {
        WsClient c = client();
        JsonObject p = payload("templateName", "fast-world", "worldName", "w", "userId", user);
        if (chatId != null) {
            p.addProperty("chatId", chatId);
        }
        c.request("world-select", p);
        c.expect("connection-confirmed");
        return c;
    }

    /** Creates a chat from a client: it is told so, and moves into it. */
    static String create(WsClient c, String name) {
        String id = c.request("chat-create", payload("name", name));
        JsonObject created = c.expect("chat-created");
        assertEquals(id, created.get("replyTo").getAsString());
        c.expect("event-stream");
        String chatId = payloadOf(created).get("chatId").getAsString();
        assertEquals(chatId, payloadOf(c.expect("chat-selected")).get("chatId").getAsString());
        return chatId;
    }

    static String said(List<JsonObject> frames) {
        StringBuilder sb = new StringBuilder();
        frames.forEach(f -> sb.append(f).append('\n'));
        return sb.toString();
    }

    HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    Path world() {
        return root.resolve("users").resolve(user).resolve("worlds").resolve("w");
    }

    @Test
    void twoChatsOfOneWorldKeepSeparateContexts() throws Exception {
        WsClient c = in(null);
        c.request("chat-send", payload("message", "The password is swordfish."));
        c.untilIdle();
        String b = create(c, "Fresh start");
        requests.clear();
        c.request("chat-send", payload("message", "What is the password?"));
        List<JsonObject> turn = c.untilIdle();
        assertFalse(said(turn).contains("swordfish"), "nothing of chat A reaches chat B's clients");

        ChatRequest sent = requests.poll(10, TimeUnit.SECONDS);
        assertNotNull(sent);
        for (ChatMessage m : sent.messages()) {
            assertFalse(m.content().contains("swordfish"), "what the model is sent in chat B: " + m);
        }
        JsonObject listed = payloadOf(reply(c, "chat-list", payload(), "chat-listed"));
        assertEquals(b, listed.get("chatId").getAsString());
        JsonArray chats = listed.getAsJsonArray("chats");
        assertEquals(b, chats.get(0).getAsJsonObject().get("id").getAsString(), "newest first");
        assertEquals(Chat.FIRST_ID, chats.get(1).getAsJsonObject().get("id").getAsString());
        assertEquals(2, chats.get(0).getAsJsonObject().get("messageCount").getAsInt());
    }

    JsonObject reply(WsClient c, String type, JsonObject payload, String answer) {
        String id = c.request(type, payload);
        JsonObject f = c.expect(answer);
        assertEquals(id, f.get("replyTo").getAsString());
        return f;
    }

    @Test
    void twoClientsInTwoChatsOfOneWorldChatAtOnce() throws Exception {
        ScriptedModel held = ScriptedModel.held();
        restart(held);
        WsClient ann = in(null);
        WsClient bob = in(null);
        String b = create(bob, "Bob's");
        assertEquals("chat-created", type(ann.next()), "every client of the world sees a new chat");
        ann.expect("event-stream");

        ann.request("chat-send", payload("message", "ann asks"));
        ChatListener annCall = held.nextCall();
        bob.request("chat-send", payload("message", "bob asks"));
        ChatListener bobCall = held.nextCall();
        bobCall.onChunk("for bob");
        bobCall.onComplete(Usage.NONE);
        List<JsonObject> bobTurn = bob.untilIdle();
        annCall.onChunk("for ann");
        annCall.onComplete(Usage.NONE);
        List<JsonObject> annTurn = ann.untilIdle();

        assertTrue(said(bobTurn).contains("for bob"), said(bobTurn));
        assertTrue(said(annTurn).contains("for ann"), said(annTurn));
        assertFalse(said(annTurn).contains("bob asks") || said(annTurn).contains("for bob"), said(annTurn));
        assertFalse(said(bobTurn).contains("ann asks") || said(bobTurn).contains("for ann"), said(bobTurn));
        assertTrue(annTurn.stream().anyMatch(f -> type(f).equals("chat-updated")
                && payloadOf(f).get("chatId").getAsString().equals(b)), "ann sees bob's chat counted");
    }

    @Test
    void deletingAChatRemovesItsMessagesFromEveryMemoryOnDiskAndMovesItsClients() throws Exception {
        WsClient ann = in(null);
        ann.request("chat-send", payload("message", "keep me"));
        ann.untilIdle();
        WsClient bob = in(null);
        String b = create(bob, "Doomed");
        bob.request("chat-send", payload("message", "delete me"));
        bob.untilIdle();

        String request = ann.request("chat-delete", payload("chatId", b));
        List<JsonObject> seen = ann.until(f -> type(f).equals("chat-deleted"));
        JsonObject deleted = seen.get(seen.size() - 1);
        assertEquals(request, deleted.get("replyTo").getAsString());
        ann.expect("event-stream");
        assertEquals(Chat.FIRST_ID, payloadOf(deleted).get("fallbackChatId").getAsString());
        List<JsonObject> moved = bob.until(f -> type(f).equals("chat-selected"));
        assertEquals("chat-deleted", type(moved.get(0)));
        assertEquals(Chat.FIRST_ID, payloadOf(moved.get(moved.size() - 1)).get("chatId").getAsString());
        assertTrue(said(bob.until(f -> said(List.of(f)).contains("Noted."))).contains("keep me"),
                "bob gets the history of the chat he was moved to");

        String memory = Files.readString(world().resolve("agents/quick/memory.json"));
        assertFalse(memory.contains("delete me"), memory);
        assertFalse(memory.contains(b), memory);
        assertTrue(memory.contains("keep me"), memory);
        assertFalse(Files.exists(world().resolve("chats/" + b + ".json")));

        assertEquals("CHAT_NOT_FOUND", code(reply(ann, "chat-select", payload("chatId", b), "system-message")));
        assertEquals("INVALID_NAME", code(reply(ann, "chat-select", payload("chatId", "../../x"), "system-message")));
    }

    @Test
    void aReconnectWithItsLastSeqIsReplayedTheRightChat() throws Exception {
        WsClient c = in(null);
        c.request("chat-send", payload("message", "in the first chat"));
        c.untilIdle();
        String b = create(c, "Second");
        JsonObject confirmed;
        long lastSeq;
        try (WsClient other = in(Chat.FIRST_ID)) {
            other.request("chat-send", payload("message", "while you were away"));
            other.untilIdle();
            c.request("chat-send", payload("message", "in the second chat"));
            List<JsonObject> turn = c.untilIdle();
            lastSeq = turn.get(0).get("seq").getAsLong() - 1;
        }
        c.close();

        WsClient back = client();
        back.request("world-select", payload("templateName", "fast-world", "worldName", "w", "userId", user,
                "chatId", b, "lastSeq", lastSeq));
        confirmed = payloadOf(back.expect("connection-confirmed"));
        assertEquals(b, confirmed.get("chatId").getAsString());
        assertEquals(2, confirmed.getAsJsonArray("chats").size());
        List<JsonObject> replay = back.untilIdle();
        assertTrue(said(replay).contains("in the second chat"), said(replay));
        assertFalse(said(replay).contains("while you were away"), "nothing of the other chat: " + said(replay));

        WsClient plain = client();
        plain.select("fast-world", "w", user);
        assertEquals(b, payloadOf(plain.expect("connection-confirmed")).get("chatId").getAsString(),
                "a client that names no chat is in the newest");
    }

    @Test
    void aClientWhoseChatWasDeletedWhileAwayGetsTheWholeHistoryOfTheChatItLandsIn() throws Exception {
        WsClient c = in(null);
        c.request("chat-send", payload("message", "said in the first chat"));
        c.untilIdle();
        String b = create(c, "Second");
        c.request("chat-send", payload("message", "said in the second chat"));
        long lastSeq = c.untilIdle().stream().filter(f -> f.has("seq")).mapToLong(f -> f.get("seq").getAsLong())
                .max().orElseThrow();
        c.close();
        try (WsClient other = in(b)) {
            other.request("chat-delete", payload("chatId", b));
            other.expect("chat-deleted");
        }

        WsClient back = client();
        back.request("world-select", payload("templateName", "fast-world", "worldName", "w", "userId", user,
                "chatId", b, "lastSeq", lastSeq));
        JsonObject confirmed = payloadOf(back.expect("connection-confirmed"));
        assertEquals(Chat.FIRST_ID, confirmed.get("chatId").getAsString());
        List<JsonObject> replay = back.until(f -> said(List.of(f)).contains("said in the first chat"));
        assertFalse(said(replay).contains("said in the second chat"), said(replay));
    }

    @Test
    void theJavaClientCreatesSwitchesAndResumesChats() throws Exception {
        BlockingQueue<Chat> selected = new LinkedBlockingQueue<>();
        try (WorldLinkClient client = WorldLinkClient.builder(server.webSocketUri()).listener(new ClientListener() {
            @Override
            public void onChatSelected(Chat chat) {
                selected.add(chat);
            }
        }).build()) {
            Confirmation first = client.selectWorld("fast-world", "w", user).get(10, TimeUnit.SECONDS);
            assertEquals(Chat.FIRST_ID, first.chatId());
            client.chat("apples are red").get(10, TimeUnit.SECONDS);
            Chat b = client.createChat("Pears").get(10, TimeUnit.SECONDS);
            assertEquals(b.id(), selected.poll(10, TimeUnit.SECONDS).id());
            assertEquals(b.id(), client.chatId());
            client.chat("pears are green").get(10, TimeUnit.SECONDS);
            assertEquals(List.of(b.id(), Chat.FIRST_ID), client.listChats().get(10, TimeUnit.SECONDS).stream()
                    .map(Chat::id).toList());
            assertEquals("Pear talk", client.renameChat(b.id(), "Pear talk").get(10, TimeUnit.SECONDS).name());
            client.selectChat(Chat.FIRST_ID).get(10, TimeUnit.SECONDS);
            assertEquals(Chat.FIRST_ID, client.chatId());
            String export = client.exportChat(b.id()).get(10, TimeUnit.SECONDS);
            assertTrue(export.contains("pears are green") && !export.contains("apples are red"), export);
            String all = client.exportWorld().get(10, TimeUnit.SECONDS);
            assertTrue(all.contains("pears are green") && all.contains("apples are red"), all);
        }
        try (WorldLinkClient again = WorldLinkClient.builder(server.webSocketUri()).build()) {
            String b = again.selectWorld("fast-world", "w", user).get(10, TimeUnit.SECONDS).chatId();
            assertNotEquals(Chat.FIRST_ID, b, "the newest chat is the one spoken in last");
            assertEquals(Chat.FIRST_ID, again.selectWorld("fast-world", "w", user, Chat.FIRST_ID)
                    .get(10, TimeUnit.SECONDS).chatId());
        }
    }

    @Test
    void restServesChatsTheirExportAndAChatStream() throws Exception {
        link.createWorld(Identity.of(user), user, "w", "fast-world", null).get(10, TimeUnit.SECONDS);
        String base = "/api/users/" + user + "/worlds/w/chats";
        HttpResponse<String> created = send("POST", base, "{\"name\": \"Over HTTP\"}");
        assertEquals(201, created.statusCode(), created.body());
        JsonObject chat = JsonParser.parseString(created.body()).getAsJsonObject();
        String id = chat.get("id").getAsString();
        assertEquals(base + "/" + id, created.headers().firstValue("Location").orElseThrow());
        for (String field : List.of("worldId", "name", "description", "createdAt", "updatedAt", "messageCount")) {
            assertTrue(chat.has(field), field);
        }

        HttpResponse<String> stream = send("POST", "/api/users/" + user + "/worlds/w/chat",
                "{\"message\": \"streamed over http\", \"chatId\": \"" + id + "\"}");
        assertEquals(200, stream.statusCode(), stream.body());
        assertTrue(stream.body().contains("Noted."), stream.body());
        HttpResponse<String> astray = send("POST", "/api/users/" + user + "/worlds/w/chat",
                "{\"message\": \"for a chat that is gone\", \"chatId\": \"chat-gone\"}");
        assertTrue(astray.body().contains("CHAT_NOT_FOUND"), astray.body());
        assertFalse(astray.body().contains("Noted."), "no chat answered: " + astray.body());

        JsonArray chats = JsonParser.parseString(send("GET", base, null).body()).getAsJsonObject().getAsJsonArray("chats");
        assertEquals(id, chats.get(0).getAsJsonObject().get("id").getAsString());
        assertEquals(2, chats.get(0).getAsJsonObject().get("messageCount").getAsInt());
        String export = send("GET", base + "/" + id + "/export", null).body();
        assertTrue(export.contains("streamed over http"), export);

        HttpResponse<String> renamed = send("PATCH", base + "/" + id, "{\"name\": \"Renamed\"}");
        assertEquals("Renamed", JsonParser.parseString(renamed.body()).getAsJsonObject().get("name").getAsString());
        assertEquals("Renamed", JsonParser.parseString(send("GET", base + "/" + id, null).body()).getAsJsonObject()
                .get("name").getAsString());
        assertEquals(201, send("POST", base, "{}").statusCode());
        assertEquals(429, send("POST", base, "{}").statusCode(), "a world has at most 3 chats here");
        assertEquals(204, send("DELETE", base + "/" + id, null).statusCode());
        assertEquals(404, send("GET", base + "/" + id, null).statusCode());
        assertEquals(404, send("GET", base + "/" + id + "/export", null).statusCode());
        assertEquals(400, send("PATCH", base + "/" + Chat.FIRST_ID, "{\"name\": \"" + "x".repeat(101) + "\"}")
                .statusCode());
    }

    @Test
    void anExistingSingleConversationWorldLoadsWithItsHistoryAsItsFirstChat() throws Exception {
        WsClient c = in(null);
        c.request("chat-send", payload("message", "from the old days"));
        c.untilIdle();
        restart(ScriptedModel.answering(r -> {
            requests.add(r);
            return "Noted.";
        }));
        // As a world from before chats: no chat files, no chatId in its log or its memory.
        try (Stream<Path> files = Files.list(world().resolve("chats"))) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(world().resolve("chats"));
        for (Path file : List.of(world().resolve("events.jsonl"), world().resolve("agents/quick/memory.json"))) {
            String text = Files.readString(file).replaceAll(",\\s*\"chatId\":\\s*\"chat-1\"", "");
            assertFalse(text.contains("chatId"), text);
            Files.writeString(file, text);
        }

        WsClient back = client();
        back.request("world-select", payload("templateName", "fast-world", "worldName", "w", "userId", user,
                "lastSeq", 0));
        JsonObject confirmed = payloadOf(back.expect("connection-confirmed"));
        assertEquals(Chat.FIRST_ID, confirmed.get("chatId").getAsString());
        JsonObject first = confirmed.getAsJsonArray("chats").get(0).getAsJsonObject();
        assertEquals("from the old days", first.get("name").getAsString());
        assertEquals(2, first.get("messageCount").getAsInt());
        assertTrue(said(back.untilIdle()).contains("from the old days"), "its history is the first chat's");

        requests.clear();
        back.request("chat-send", payload("message", "and now?"));
        back.untilIdle();
        ChatRequest sent = requests.poll(10, TimeUnit.SECONDS);
        assertTrue(sent.messages().stream().anyMatch(m -> m.content().contains("from the old days")),
                "its memory is the first chat's context");
    }
}
