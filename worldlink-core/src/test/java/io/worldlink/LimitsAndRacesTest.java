package io.worldlink;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.worldlink.event.EventLog;
import io.worldlink.event.EventLogStore;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.SenderType;
import io.worldlink.internal.StorageException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Trust": every resource a client can make the server hold has a limit, names cannot pass for others,
 * races with the grace period lose nothing, and a turn always ends with {@code idle}.
 */
class LimitsAndRacesTest {
    @TempDir
    Path root;

    WatchedStorage storage;
    final List<WorldLink> links = new ArrayList<>();

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        storage = new WatchedStorage(root);
    }

    @AfterEach
    void tearDown() {
        links.forEach(WorldLink::close);
    }

    WorldLink build(UserStorage store, Consumer<WorldLink.Builder> custom) {
        WorldLink.Builder b = WorldLink.builder().dataRoot(root).storage(store).environment(Map.of())
                .offlinePace(Duration.ZERO).anonymousGracePeriod(Duration.ZERO);
        custom.accept(b);
        WorldLink l = b.build();
        links.add(l);
        return l;
    }

    WorldLink build(Consumer<WorldLink.Builder> custom) {
        return build(storage, custom);
    }

    static String anon() {
        return UUID.randomUUID().toString();
    }

    static JsonObject select(TestClient c, String template, String world, String user) {
        c.select(template, world, user);
        return c.next();
    }

    // A storage that runs a hook around chosen calls: to hold a load, or to fail a write.
    interface Hook {
        Object call(String method, Object[] args, java.util.concurrent.Callable<Object> real) throws Exception;
    }

    static <T> T hooked(Class<T> type, T target, Hook hook) {
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            try {
                return hook.call(m.getName(), args, () -> {
                    try {
                        return m.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw (Exception) e.getCause();
                    }
                });
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }));
    }

    @Test
    void aUserIsPresentFromTheMomentASelectStartsSoTheirFolderIsNotDeletedUnderTheLoad() throws Exception {
        CountDownLatch loading = new CountDownLatch(1);
        CountDownLatch go = new CountDownLatch(1);
        UserStorage gated = hooked(UserStorage.class, storage, (method, args, real) -> {
            if (method.equals("worldExists") && ((WorldKey) args[0]).worldId().equals("second")) {
                loading.countDown();
                assertTrue(go.await(10, TimeUnit.SECONDS));
            }
            return real.call();
        });
        WorldLink link = build(gated, b -> { });
        String user = anon();
        TestClient first = new TestClient(link);
        assertEquals("connection-confirmed", type(select(first, "fast-world", "first", user)));
        TestClient second = new TestClient(link);
        second.select("fast-world", "second", user);
        assertTrue(loading.await(10, TimeUnit.SECONDS));

        // The user's only world-holding connection leaves while the other one's select is loading.
        first.connection.closed();
        assertNull(storage.deleted.poll(300, TimeUnit.MILLISECONDS), "the folder stays: a select is under way");
        go.countDown();

        assertEquals("connection-confirmed", type(second.next()));
        second.request("chat-send", payload("message", "still here?"));
        second.untilIdle();
        assertTrue(Files.isDirectory(root.resolve("users/" + user + "/worlds/second")));
    }

    @Test
    void aTurnUnderWayWhenTheLastClientLeavesFinishesAndIsSaved() {
        WorldLink link = build(b -> b.offlinePace(Duration.ofMillis(20)).trustClaimedUserIds(true));
        TestClient c = new TestClient(link);
        assertEquals("connection-confirmed", type(select(c, "default-world", "w", "ann")));
        c.request("chat-send", payload("message", "Tell me about Java"));
        c.until(f -> type(f).equals("chat-response"));
        c.connection.closed();

        // Whoever comes back sees the whole turn: both replies and its idle, replayed or live.
        TestClient back = new TestClient(link);
        back.request("world-select", payload("worldName", "w", "userId", "ann", "lastSeq", 0));
        back.expect("connection-confirmed");
        List<JsonObject> turn = back.untilIdle();
        List<String> repliers = turn.stream().filter(f -> type(f).equals("event-stream"))
                .map(f -> payloadOf(f).getAsJsonObject("event"))
                .filter(e -> e.get("senderType").getAsString().equals("agent")).map(e -> e.get("sender").getAsString())
                .sorted().toList();
        assertEquals(List.of("ada", "ben"), repliers);
    }

    @Test
    void aFailureOnTheWorldsThreadReachesTheClientsAndTheTurnStillEnds() {
        EventLogStore failing = hooked(EventLogStore.class, EventLogStore.files(root), (method, args, real) -> {
            Object result = real.call();
            if (!method.equals("open")) {
                return result;
            }
            return hooked(EventLog.class, (EventLog) result, (m, a, r) -> {
                if (m.equals("append") && a[0] instanceof MessageEvent e && e.senderType() == SenderType.AGENT) {
                    throw new StorageException("Could not append to events.jsonl (test: disk full).", null);
                }
                return r.call();
            });
        });
        WorldLink link = build(storage, b -> b.eventLogs(failing));
        TestClient c = new TestClient(link);
        assertEquals("connection-confirmed", type(select(c, "fast-world", "w", anon())));
        c.request("chat-send", payload("message", "hello"));
        List<JsonObject> turn = c.untilIdle();
        assertTrue(turn.stream().anyMatch(f -> type(f).equals("system-message")
                && payloadOf(f).get("level").getAsString().equals("error")
                && payloadOf(f).get("content").getAsString().contains("disk full")), turn.toString());
    }

    @Test
    void connectionsPerAddressAndPerServerAreLimitedAndTheRefusedOneIsToldWhy() throws Exception {
        WorldLink link = build(b -> b.maxConnectionsPerAddress(2).maxConnections(3));
        TestClient a1 = new TestClient(link, Identity.ANONYMOUS, true, "10.0.0.1");
        TestClient a2 = new TestClient(link, Identity.ANONYMOUS, true, "10.0.0.1");
        TestClient a3 = new TestClient(link, Identity.ANONYMOUS, true, "10.0.0.1");
        JsonObject refused = a3.next();
        assertEquals("connection-error", type(refused));
        assertEquals("QUOTA_EXCEEDED", code(refused));
        assertEquals(1013, a3.closed.get(5, TimeUnit.SECONDS).code());
        a3.request("ping", new JsonObject());
        assertNull(a3.frames.poll(200, TimeUnit.MILLISECONDS), "a refused connection is not served");

        TestClient b1 = new TestClient(link, Identity.ANONYMOUS, true, "10.0.0.2");
        TestClient b2 = new TestClient(link, Identity.ANONYMOUS, true, "10.0.0.2");
        assertEquals("QUOTA_EXCEEDED", code(b2.next()), "three connections is the server's limit");
        a1.connection.closed();
        TestClient b3 = new TestClient(link, Identity.ANONYMOUS, true, "10.0.0.2");
        b3.request("ping", new JsonObject());
        assertEquals("pong", type(b3.next()), "a closed connection frees its place");
        assertEquals(3, link.stats().connections());
        assertFalse(a2.closed.isDone() || b1.closed.isDone());
    }

    @Test
    void worldsPerUserAndConnectionsPerUserAreLimitedAndNothingIsCreatedPastThem() {
        WorldLink link = build(b -> b.maxWorldsPerUser(5, 2).maxConnectionsPerUser(2));
        String user = anon();
        TestClient c = new TestClient(link);
        assertEquals("connection-confirmed", type(select(c, "fast-world", "one", user)));
        c.request("chat-send", payload("message", "written"));
        c.untilIdle();
        assertEquals("connection-confirmed", type(select(c, "fast-world", "two", user)));
        c.request("chat-send", payload("message", "written too"));
        c.untilIdle();
        JsonObject third = select(c, "fast-world", "three", user);
        assertEquals("connection-error", type(third));
        assertEquals("QUOTA_EXCEEDED", code(third));
        assertFalse(Files.exists(root.resolve("users/" + user + "/worlds/three")));
        assertEquals("connection-confirmed", type(select(c, "fast-world", "one", user)), "an existing world is fine");

        TestClient d = new TestClient(link);
        assertEquals("connection-confirmed", type(select(d, "fast-world", "one", user)));
        TestClient e = new TestClient(link);
        JsonObject tooMany = select(e, "fast-world", "one", user);
        assertEquals("QUOTA_EXCEEDED", code(tooMany));
    }

    @Test
    void loadedWorldsAreLimited() {
        WorldLink link = build(b -> b.maxLoadedWorlds(1));
        TestClient c = new TestClient(link);
        assertEquals("connection-confirmed", type(select(c, "fast-world", "one", anon())));
        TestClient d = new TestClient(link);
        JsonObject refused = select(d, "fast-world", "two", anon());
        assertEquals("QUOTA_EXCEEDED", code(refused));
        assertEquals(1, link.stats().loadedWorlds());
    }

    @Test
    void aConnectionThatSelectsNoWorldIsClosedAfterTheSelectTimeout() throws Exception {
        // Long enough for the other connection's select (a clone and a load) on a busy machine.
        WorldLink link = build(b -> b.selectTimeout(Duration.ofSeconds(2)));
        TestClient idle = new TestClient(link);
        TestClient busy = new TestClient(link);
        assertEquals("connection-confirmed", type(select(busy, "fast-world", "w", anon())));
        assertEquals(1008, idle.closed.get(10, TimeUnit.SECONDS).code());
        assertFalse(busy.closed.isDone());
        idle.request("ping", new JsonObject());
        assertNull(idle.frames.poll(200, TimeUnit.MILLISECONDS), "the closed connection is not served");
    }

    @Test
    void senderNamesCannotPassForTheSystemTheWorldOrAnAgent() {
        WorldLink link = build(b -> { });
        TestClient c = new TestClient(link);
        assertEquals("connection-confirmed", type(select(c, "fast-world", "w", anon())));
        for (String sender : List.of("SYSTEM\u200b", "\uff33\uff39\uff33\uff34\uff25\uff2d", "wor\u200dld", " Quick ",
                "qu\u00adick", "\u200b\u200b", "a\u0007b", "x".repeat(65))) {
            c.request("chat-send", payload("message", "hi", "sender", sender));
            JsonObject refused = c.next();
            assertEquals("INVALID_SENDER", code(refused), sender);
        }
        c.request("chat-send", payload("message", "hi", "sender", "Ann\u200b Lee"));
        JsonObject echo = c.next();
        assertEquals("Ann Lee", payloadOf(echo).getAsJsonObject("event").get("sender").getAsString());
    }

    @Test
    void aLargeExportReachesAClientThatReadsAsOneFrame() {
        WorldLink link = build(b -> b.maxQueuedChars(70_000).rateLimit(1000, 1000));
        TestClient c = new TestClient(link);
        assertEquals("connection-confirmed", type(select(c, "fast-world", "w", anon())));
        String big = "y".repeat(60_000);
        for (int i = 0; i < 5; i++) {
            c.request("chat-send", payload("message", big));
            c.untilIdle();
        }
        c.request("world-export", new JsonObject());
        JsonObject exported = c.expect("world-exported");
        assertTrue(payloadOf(exported).get("markdown").getAsString().length() > 300_000);
        assertFalse(c.closed.isDone(), "a client that reads is not closed for one large frame");
    }

    @Test
    void anonymousFoldersThatAPreviousRunLeftBehindAreRemovedAtStart() {
        String leftover = anon();
        TestData.copyTree(root.resolve("worlds/fast-world"), root.resolve("users/" + leftover + "/worlds/w"));
        TestData.copyTree(root.resolve("worlds/fast-world"), root.resolve("users/ann/worlds/w"));

        build(b -> { });

        assertEquals(leftover, storage.awaitDeleted().value());
        assertFalse(Files.exists(root.resolve("users/" + leftover)));
        assertTrue(Files.exists(root.resolve("users/ann/worlds/w")), "a signed user's world stays");
    }

    @Test
    void aCloneThatACrashInterruptedLeavesNothingAfterTheNextStart() {
        Path staging = root.resolve("users/ann/worlds/.new-w-" + UUID.randomUUID());
        TestData.copyTree(root.resolve("worlds/fast-world"), staging);
        WorldLink link = WorldLink.builder().dataRoot(root).environment(Map.of()).build();
        links.add(link);
        assertFalse(Files.exists(staging));
    }

    @Test
    void aLeftoverAnonymousUserWhoComesBackWithinTheGracePeriodKeepsTheWorld() {
        String leftover = anon();
        TestData.copyTree(root.resolve("worlds/fast-world"), root.resolve("users/" + leftover + "/worlds/w"));
        WorldLink link = build(b -> b.anonymousGracePeriod(Duration.ofMinutes(5)));
        TestClient c = new TestClient(link);
        c.request("world-select", payload("worldName", "w", "userId", leftover));
        assertEquals("connection-confirmed", type(c.next()));
        assertEquals(1, link.stats().trackedUsers());
    }
}
