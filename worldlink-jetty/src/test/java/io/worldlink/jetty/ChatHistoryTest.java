package io.worldlink.jetty;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.worldlink.Chat;
import io.worldlink.LoggedEvents;
import io.worldlink.LoggedEvents.Logged;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.client.ChatHistory;
import io.worldlink.client.Confirmation;
import io.worldlink.client.WorldLinkClient;
import io.worldlink.event.WorldEvent;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chat's history in pages (docs/protocol-chats.md, "History in pages"), on a real server with real
 * WebSocket clients: a select sends the newest 200 events and says where they start, chat-history pages
 * back through the rest once each, in order; a replay after a reconnect that would be longer is cut the
 * same way; bad requests are refused.
 */
class ChatHistoryTest {
    static final int PAGE = 200;
    static final String USER = "ann";

    @TempDir
    Path root;

    WorldLink link;
    WorldLinkServer server;
    WebSocketContainer container;
    final List<WsClient> clients = new ArrayList<>();
    WorldLinkClient javaClient;

    void serve(Consumer<WorldLink.Builder> custom) throws Exception {
        TestData.withShippedTemplates(root);
        container = ContainerProvider.getWebSocketContainer();
        WorldLink.Builder b = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .chatModel("offline", ScriptedModel.answering(r -> "Noted.")).trustClaimedUserIds(true)
                .rateLimit(1000, 1000);
        custom.accept(b);
        link = b.build();
        server = WorldLinkServer.builder(link).port(0).build().start();
    }

    @AfterEach
    void stop() throws Exception {
        if (javaClient != null) {
            javaClient.close();
        }
        for (WsClient c : clients) {
            c.close();
        }
        server.close();
        link.close();
        LifeCycle.stop(container);
    }

    WsClient join(JsonObject extra) throws Exception {
        WsClient c = WsClient.connect(container, server.webSocketUri());
        clients.add(c);
        JsonObject p = payload("templateName", "fast-world", "worldName", "w", "userId", USER);
        extra.entrySet().forEach(e -> p.add(e.getKey(), e.getValue()));
        c.request("world-select", p);
        c.expect("connection-confirmed");
        return c;
    }

    /** Says {@code turns} messages in the client's chat, each waiting for its turn to end. */
    static void talk(WsClient c, int turns, String text) {
        for (int i = 0; i < turns; i++) {
            c.request("chat-send", payload("message", text + " " + i));
            c.untilIdle();
        }
    }

    /** @return the frames a request brought, up to the answer of a ping sent after it */
    static List<JsonObject> answerOf(WsClient c, String type, JsonObject p) {
        c.request(type, p);
        String ping = c.request("ping", new JsonObject());
        List<JsonObject> frames = c.until(f -> type(f).equals("pong") && f.get("replyTo").getAsString().equals(ping));
        return frames.subList(0, frames.size() - 1);
    }

    static List<Long> seqsOf(List<JsonObject> frames) {
        return frames.stream().filter(f -> type(f).equals("event-stream") && f.has("seq"))
                .map(f -> f.get("seq").getAsLong()).toList();
    }

    static List<Long> newest(List<Long> seqs, int n) {
        return seqs.subList(Math.max(0, seqs.size() - n), seqs.size());
    }

    @Test
    void aSelectSendsTheNewestPageAndPagingBackBringsTheRestOnceInOrder() throws Exception {
        serve(b -> { });
        WsClient writer = join(payload());
        talk(writer, 110, "message");
        writer.request("chat-create", payload("name", "other"));
        String other = payloadOf(writer.until(f -> type(f).equals("chat-selected")).get(0)).get("chatId")
                .getAsString();
        talk(writer, 2, "elsewhere");
        List<Long> chat = LoggedEvents.seqsOf(LoggedEvents.of(root, USER, "w"), Chat.FIRST_ID);
        List<Long> otherChat = LoggedEvents.seqsOf(LoggedEvents.of(root, USER, "w"), other);
        assertTrue(chat.size() > PAGE + 50, "a long chat: " + chat.size());

        WsClient reader = join(payload());
        List<JsonObject> selected = answerOf(reader, "chat-select", payload("chatId", Chat.FIRST_ID));
        JsonObject answer = selected.get(0);
        assertEquals("chat-selected", type(answer));
        assertTrue(payloadOf(answer).get("hasEarlier").getAsBoolean());
        List<Long> history = seqsOf(selected);
        assertEquals(newest(chat, PAGE), history, "the newest 200 events of the chat, in order");
        assertEquals(history.get(0), payloadOf(answer).get("earliestSeq").getAsLong());

        List<Long> all = new ArrayList<>(history);
        long before = history.get(0);
        int limit = 50;
        while (true) {
            List<JsonObject> frames = answerOf(reader, "chat-history", payload("chatId", Chat.FIRST_ID,
                    "beforeSeq", before, "limit", limit));
            assertEquals(1, frames.size(), "one frame: " + frames);
            JsonObject page = payloadOf(frames.get(0));
            assertEquals("chat-history", type(frames.get(0)));
            assertEquals(Chat.FIRST_ID, page.get("chatId").getAsString());
            List<Long> seqs = new ArrayList<>();
            for (JsonElement e : page.getAsJsonArray("events")) {
                JsonObject event = e.getAsJsonObject();
                assertEquals(Chat.FIRST_ID, event.get("chatId").getAsString());
                seqs.add(event.get("seq").getAsLong());
            }
            assertTrue(seqs.size() <= limit);
            all.addAll(0, seqs);
            if (!page.get("hasEarlier").getAsBoolean()) {
                assertFalse(page.has("earliestSeq"));
                break;
            }
            assertEquals(limit, seqs.size());
            assertEquals(seqs.get(0), page.get("earliestSeq").getAsLong());
            before = seqs.get(0);
            limit = PAGE;
        }
        assertEquals(chat, all, "every event of the chat once, in order");

        // A short chat comes whole, as often as it is asked for.
        for (int i = 0; i < 2; i++) {
            List<JsonObject> shortChat = answerOf(reader, "chat-select", payload("chatId", other));
            assertFalse(payloadOf(shortChat.get(0)).get("hasEarlier").getAsBoolean());
            assertEquals(otherChat, seqsOf(shortChat));
        }
        JsonObject below = payloadOf(answerOf(reader, "chat-history", payload("beforeSeq",
                otherChat.get(otherChat.size() - 1))).get(0));
        assertEquals(otherChat.subList(0, otherChat.size() - 1), pageSeqs(below));
        answerOf(reader, "chat-select", payload("chatId", Chat.FIRST_ID));

        // The chat the connection is in, when the request names none.
        List<JsonObject> own = answerOf(reader, "chat-history", payload("beforeSeq", history.get(1)));
        assertEquals(List.of(history.get(0)), newest(pageSeqs(payloadOf(own.get(0))), 1));
    }

    /** @return the seqs of a chat-history answer's events */
    static List<Long> pageSeqs(JsonObject page) {
        List<Long> seqs = new ArrayList<>();
        page.getAsJsonArray("events").forEach(e -> seqs.add(e.getAsJsonObject().get("seq").getAsLong()));
        return seqs;
    }

    @Test
    void aReplayLongerThanAPageSendsTheNewestAndSaysWhereTheyStart() throws Exception {
        serve(b -> { });
        WsClient writer = join(payload());
        talk(writer, 80, "message");
        List<Logged> log = LoggedEvents.of(root, USER, "w");
        List<Long> replayable = log.stream().map(Logged::seq).toList();

        WsClient back = WsClient.connect(container, server.webSocketUri());
        clients.add(back);
        List<JsonObject> frames = answerOf(back, "world-select", payload("templateName", "fast-world",
                "worldName", "w", "userId", USER, "chatId", Chat.FIRST_ID, "lastSeq", 0));
        JsonObject confirmed = payloadOf(frames.get(0));
        assertTrue(confirmed.get("hasEarlier").getAsBoolean());
        List<Long> replay = seqsOf(frames);
        assertEquals(newest(replayable, PAGE), replay, "the newest 200 of the world's and the chat's events");
        assertEquals(replay.get(0), confirmed.get("earliestSeq").getAsLong());

        // What was left out of the chat is there to page back from that seq.
        JsonObject page = payloadOf(answerOf(back, "chat-history", payload("beforeSeq", replay.get(0))).get(0));
        List<Long> chat = LoggedEvents.seqsOf(log, Chat.FIRST_ID);
        List<Long> earlier = chat.stream().filter(s -> s < replay.get(0)).toList();
        assertEquals(newest(earlier, PAGE), pageSeqs(page));

        // A short replay is whole, and says so.
        long last = replayable.get(replayable.size() - 1);
        WsClient near = WsClient.connect(container, server.webSocketUri());
        clients.add(near);
        List<JsonObject> shortReplay = answerOf(near, "world-select", payload("templateName", "fast-world",
                "worldName", "w", "userId", USER, "chatId", Chat.FIRST_ID, "lastSeq", last - 5));
        assertFalse(payloadOf(shortReplay.get(0)).get("hasEarlier").getAsBoolean());
        assertEquals(newest(replayable, 5), seqsOf(shortReplay));
        // A select without lastSeq asks for no replay: nothing is said of one.
        WsClient fresh = WsClient.connect(container, server.webSocketUri());
        clients.add(fresh);
        fresh.select("fast-world", "w", USER);
        assertFalse(payloadOf(fresh.expect("connection-confirmed")).has("hasEarlier"));
    }

    @Test
    void aPageHoldsNoMoreThanAQuarterOfWhatAClientsQueueMayHold() throws Exception {
        serve(b -> b.maxQueuedChars(80_000));
        WsClient writer = join(payload());
        talk(writer, 12, "x".repeat(4_000));
        List<Long> chat = LoggedEvents.seqsOf(LoggedEvents.of(root, USER, "w"), Chat.FIRST_ID);

        WsClient reader = join(payload());
        List<JsonObject> selected = answerOf(reader, "chat-select", payload("chatId", Chat.FIRST_ID));
        assertTrue(payloadOf(selected.get(0)).get("hasEarlier").getAsBoolean());
        List<Long> history = seqsOf(selected);
        int chars = selected.stream().filter(f -> type(f).equals("event-stream"))
                .mapToInt(f -> payloadOf(f).get("event").toString().length()).sum();
        assertTrue(chars <= 20_000, "within a quarter of the queue's 80,000 characters: " + chars);
        assertTrue(history.size() < chat.size() && !history.isEmpty(), history.toString());
        assertEquals(newest(chat, history.size()), history);

        List<Long> all = new ArrayList<>(history);
        JsonObject page;
        do {
            page = payloadOf(answerOf(reader, "chat-history", payload("beforeSeq", all.get(0))).get(0));
            assertTrue(page.get("events").toString().length() <= 20_000 + 5_000, "one event past the budget at most");
            all.addAll(0, pageSeqs(page));
        } while (page.get("hasEarlier").getAsBoolean());
        assertEquals(chat, all);
    }

    @Test
    void badPageRequestsAreRefusedWithAReason() throws Exception {
        serve(b -> { });
        WsClient c = join(payload());
        talk(c, 2, "message");
        for (JsonObject bad : List.of(payload(), payload("beforeSeq", 0), payload("beforeSeq", -3),
                payload("beforeSeq", "12"), payload("beforeSeq", 1.5), payload("beforeSeq", 5, "limit", 0),
                payload("beforeSeq", 5, "limit", PAGE + 1), payload("beforeSeq", 5, "limit", "ten"))) {
            String id = c.request("chat-history", bad);
            JsonObject refusal = c.expect("system-message");
            assertEquals(id, refusal.get("replyTo").getAsString());
            assertEquals("INVALID_MESSAGE", code(refusal), bad + " → " + refusal);
            assertFalse(payloadOf(refusal).get("content").getAsString().isBlank());
        }
        c.request("chat-history", payload("chatId", "no-such-chat", "beforeSeq", 5));
        assertEquals("CHAT_NOT_FOUND", code(c.expect("system-message")));
        c.request("chat-history", payload("chatId", "../x", "beforeSeq", 5));
        assertEquals("INVALID_NAME", code(c.expect("system-message")));
    }

    @Test
    void theJavaClientFetchesEarlierPages() throws Exception {
        serve(b -> { });
        WsClient writer = join(payload());
        talk(writer, 70, "message");
        List<Long> chat = LoggedEvents.seqsOf(LoggedEvents.of(root, USER, "w"), Chat.FIRST_ID);

        javaClient = WorldLinkClient.builder(server.webSocketUri()).build();
        Confirmation confirmed = javaClient.selectWorld("fast-world", "w", USER, Chat.FIRST_ID)
                .get(10, TimeUnit.SECONDS);
        assertEquals(0, confirmed.earliestSeq(), "no replay was asked for, so none was cut");
        List<Long> all = new ArrayList<>();
        long before = confirmed.lastSeq() + 1;
        ChatHistory page;
        do {
            page = javaClient.chatHistory(before, 64).get(10, TimeUnit.SECONDS);
            assertEquals(Chat.FIRST_ID, page.chatId());
            all.addAll(0, page.events().stream().map(WorldEvent::seq).toList());
            before = page.events().get(0).seq();
        } while (page.hasEarlier());
        assertEquals(chat, all);
    }
}
