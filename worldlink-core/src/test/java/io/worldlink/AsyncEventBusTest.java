package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.worldlink.LoggedEvents.Logged;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients over a bus that delivers on its own threads, late, twice, out of order or not at all (as a bus
 * between processes may): each still sees every durable event of its world and of its chat once, in seq
 * order, and a reply's streamed chunks after the message that started the reply, also when it joins or
 * changes chats mid-conversation. Checked against the world's event log on disk.
 */
class AsyncEventBusTest {
    static final String WORLD = "shared";

    @TempDir
    Path root;

    WorldLink link;
    TestBuses.ThreadedBus bus;

    @AfterEach
    void tearDown() throws Exception {
        if (link != null) {
            link.close();
        }
        if (bus != null) {
            bus.close();
        }
    }

    WorldLink build(EventBus eventBus) {
        link = WorldLink.builder().dataRoot(TestData.withShippedTemplates(root)).environment(Map.of())
                .offlinePace(Duration.ofMillis(2)).anonymousGracePeriod(Duration.ofMinutes(1)).eventBus(eventBus)
                .build();
        return link;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"in-process", "late", "twice", "chaos 14", "chaos 15", "chaos 16"})
    void clientsJoiningAndSwitchingChatsMidConversationSeeEachDurableEventOnceInOrder(String kind) {
        bus = switch (kind) {
            case "late" -> TestBuses.late(Duration.ofMillis(3));
            case "twice" -> TestBuses.twice();
            case "in-process" -> null;
            default -> TestBuses.chaos(Long.parseLong(kind.substring("chaos ".length())));
        };
        build(bus == null ? EventBus.inProcess() : bus);
        String user = UUID.randomUUID().toString();

        Client a = new Client(link, user, null, -1);
        String one = a.send("one");
        Client b = new Client(link, user, null, 0);
        a.idleOf(one);
        b.idleOf(one);

        a.request("chat-create", payload("name", "second"));
        String second = payloadOf(a.waitFor(f -> type(f).equals("chat-selected"))).get("chatId").getAsString();
        String two = a.send("two");
        b.request("chat-select", payload("chatId", second));
        Client c = new Client(link, user, second, 0);
        Client d = new Client(link, user, second, -1);
        a.idleOf(two);
        b.idleOf(two);
        c.idleOf(two);
        d.idleOf(two);

        a.request("chat-select", payload("chatId", Chat.FIRST_ID));
        a.waitFor(f -> type(f).equals("chat-selected"));
        String three = a.send("three");
        c.request("chat-select", payload("chatId", Chat.FIRST_ID));
        a.idleOf(three);
        c.idleOf(three);
        String four = b.send("four");
        d.request("chat-select", payload("chatId", Chat.FIRST_ID));
        d.waitFor(f -> type(f).equals("chat-selected"));
        d.request("chat-select", payload("chatId", second));
        b.idleOf(four);
        d.idleOf(four);

        link.notifyWorld(user, WORLD, "the end", MessageLevel.INFO).join();
        List<Logged> log = log(user);
        for (Client client : List.of(a, b, c, d)) {
            client.waitFor(f -> type(f).equals("event-stream") && "the end".equals(content(f)));
            client.check(log);
        }
        assertTrue(log.size() > 10, "a conversation: " + log.size() + " events");
    }

    @Test
    void aClientWhoseReplayReadTheLogBeforeTheBusDeliveredGetsNothingTwice() throws Exception {
        TestBuses.HeldBus held = new TestBuses.HeldBus();
        bus = held;
        build(held);
        String user = UUID.randomUUID().toString();
        Client a = new Client(link, user, null, -1);
        a.request("chat-send", payload("message", "one"));
        // The whole turn is in the log, and the bus has delivered none of it.
        WorldEvent published;
        do {
            published = held.published.poll(FrameQueue.WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(published, "the turn did not end");
        } while (!(published instanceof WorldActionEvent w && w.action().equals(WorldActionEvent.IDLE)));
        String one = String.valueOf(((WorldActionEvent) published).details().get("messageId"));
        Client b = new Client(link, user, null, 0);
        b.idleOf(one);
        int replayed = b.seen.size();

        held.release();
        a.idleOf(one);
        link.notifyWorld(user, WORLD, "the end", MessageLevel.INFO).join();
        a.waitFor(f -> type(f).equals("event-stream") && "the end".equals(content(f)));
        JsonObject end = b.waitFor(f -> type(f).equals("event-stream") && "the end".equals(content(f)));
        List<JsonObject> live = b.seen.subList(replayed, b.seen.size());
        assertEquals(Set.of(end.get("seq").getAsLong()), live.stream().filter(f -> f.has("seq"))
                .map(f -> f.get("seq").getAsLong()).collect(java.util.stream.Collectors.toSet()),
                "only the notice came live: " + live);
        assertTrue(live.stream().noneMatch(f -> type(f).equals("chat-response")), "no chunk of the replayed turn");
        List<Logged> log = log(user);
        a.check(log);
        b.check(log);
    }

    @Test
    void aLongGapIsReadBackInPagesWhileWhatArrivesMeanwhileIsHeldWithinItsBound() throws Exception {
        TestBuses.HeldBus held = new TestBuses.HeldBus();
        bus = held;
        ExecutorService worldPool = Executors.newSingleThreadExecutor();
        try {
            link = WorldLink.builder().dataRoot(TestData.withShippedTemplates(root)).environment(Map.of())
                    .syncWrites(false).worldExecutor(worldPool).eventBus(held).build();
            String user = UUID.randomUUID().toString();
            Client a = new Client(link, user, null, -1);
            int notices = 5300;
            for (int i = 0; i < notices; i++) {
                link.notifyWorld(user, WORLD, "notice " + i, MessageLevel.INFO).join();
            }
            // The world's thread is held up: the log cannot be read back until the bus has delivered everything.
            CountDownLatch busy = new CountDownLatch(1);
            worldPool.execute(() -> {
                try {
                    busy.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            held.release(e -> "notice 0".equals(content(e))).get(FrameQueue.WAIT_SECONDS, TimeUnit.SECONDS);
            busy.countDown();
            a.waitFor(f -> type(f).equals("event-stream") && ("notice " + (notices - 1)).equals(content(f)));

            List<String> got = a.seen.stream().filter(f -> type(f).equals("event-stream")).map(f -> content(f))
                    .toList();
            List<String> expected = new ArrayList<>();
            for (int i = 0; i < notices; i++) {
                expected.add("notice " + i);
            }
            assertEquals(expected, got, "every notice once, in order: the lost one read back, and those past "
                    + "what may be held read back too");
            a.check(log(user));
        } finally {
            link.close();
            link = null;
            worldPool.shutdownNow();
        }
    }

    static String content(WorldEvent e) {
        return e instanceof io.worldlink.event.SystemEvent s ? s.content() : null;
    }

    static String content(JsonObject f) {
        JsonElement c = payloadOf(f).getAsJsonObject("event").getAsJsonObject("payload").get("content");
        return c == null ? null : c.getAsString();
    }

    List<Logged> log(String user) {
        return LoggedEvents.of(root, user, WORLD);
    }

    /** A connection that keeps every frame it was sent, in order. */
    static final class Client {
        final TestClient client;
        final long lastSeq;
        final List<JsonObject> seen = new ArrayList<>();

        Client(WorldLink link, String user, String chatId, long lastSeq) {
            this.client = new TestClient(link);
            this.lastSeq = lastSeq;
            JsonObject p = payload("templateName", "default-world", "worldName", WORLD, "userId", user);
            if (chatId != null) {
                p.addProperty("chatId", chatId);
            }
            if (lastSeq >= 0) {
                p.addProperty("lastSeq", lastSeq);
            }
            client.request("world-select", p);
            waitFor(f -> type(f).equals("connection-confirmed"));
        }

        String request(String type, JsonObject p) {
            return client.request(type, p);
        }

        /** @return the id of the message event */
        String send(String message) {
            String id = client.request("chat-send", payload("message", message));
            JsonObject echo = waitFor(f -> f.has("replyTo") && f.get("replyTo").getAsString().equals(id));
            assertEquals("event-stream", type(echo), echo.toString());
            return payloadOf(echo).getAsJsonObject("event").get("id").getAsString();
        }

        void idleOf(String messageId) {
            waitFor(f -> FrameQueue.isIdle(f) && messageId.equals(payloadOf(f).getAsJsonObject("event")
                    .getAsJsonObject("payload").get("messageId").getAsString()));
        }

        JsonObject waitFor(Predicate<JsonObject> wanted) {
            for (JsonObject f : seen) {
                if (wanted.test(f)) {
                    return f;
                }
            }
            while (true) {
                JsonObject f = client.next();
                seen.add(f);
                if (wanted.test(f)) {
                    return f;
                }
            }
        }

        /**
         * Checks what the client was sent against the log: the world's events (no chat) once each, in seq
         * order, from where it joined; in each stretch in one chat, the chat's events from where its history
         * (or replay) starts, once each, in order, and the last stretch up to the end; each chunk after the
         * message that started its reply (unless that was before a join without replay) and before the
         * reply's own message.
         */
        void check(List<Logged> log) {
            Map<String, Logged> byId = new HashMap<>();
            log.forEach(e -> byId.put(e.id(), e));
            List<Long> world = new ArrayList<>();
            long worldStart = -1;
            long joinFloor = -1;
            List<String> chats = new ArrayList<>();
            List<Long> starts = new ArrayList<>();
            List<List<Long>> stretches = new ArrayList<>();
            Set<String> ids = new HashSet<>();
            for (JsonObject f : seen) {
                JsonObject p = payloadOf(f);
                switch (type(f)) {
                    case "connection-confirmed" -> {
                        joinFloor = p.get("lastSeq").getAsLong();
                        worldStart = lastSeq >= 0 ? lastSeq : joinFloor;
                        chats.add(p.get("chatId").getAsString());
                        starts.add(worldStart);
                        stretches.add(new ArrayList<>());
                    }
                    case "chat-selected" -> {
                        chats.add(p.get("chatId").getAsString());
                        starts.add(0L);
                        stretches.add(new ArrayList<>());
                    }
                    case "event-stream" -> {
                        if (!f.has("seq")) {
                            break;
                        }
                        JsonObject event = p.getAsJsonObject("event");
                        ids.add(event.get("id").getAsString());
                        JsonElement chat = event.get("chatId");
                        if (chat == null) {
                            world.add(f.get("seq").getAsLong());
                        } else {
                            assertEquals(chats.get(chats.size() - 1), chat.getAsString(), "an event of another chat: " + f);
                            stretches.get(stretches.size() - 1).add(f.get("seq").getAsLong());
                        }
                    }
                    case "chat-response" -> {
                        Logged reply = byId.get(p.get("messageId").getAsString());
                        if (reply == null) {
                            break;
                        }
                        assertFalse(ids.contains(reply.id()), "a chunk after its reply's message: " + f + "\n" + seen);
                        Logged start = byId.get(reply.replyTo());
                        assertNotNull(start, reply.toString());
                        assertTrue(ids.contains(start.id()) || (lastSeq < 0 && start.seq() <= joinFloor),
                                "a chunk before the message its reply answers (" + start + "): " + f);
                    }
                    default -> { }
                }
            }
            long from = worldStart;
            assertEquals(log.stream().filter(e -> e.chatId() == null && e.seq() > from).map(Logged::seq).toList(),
                    world, "the world's events");
            for (int i = 0; i < stretches.size(); i++) {
                String chat = chats.get(i);
                long start = starts.get(i);
                List<Long> expected = log.stream().filter(e -> chat.equals(e.chatId()) && e.seq() > start)
                        .map(Logged::seq).toList();
                List<Long> got = stretches.get(i);
                if (i < stretches.size() - 1) {
                    assertTrue(got.size() <= expected.size(), "more than the chat has: " + got);
                    expected = expected.subList(0, got.size());
                }
                assertEquals(expected, got, "chat " + chat + ", stretch " + i);
            }
        }
    }
}
