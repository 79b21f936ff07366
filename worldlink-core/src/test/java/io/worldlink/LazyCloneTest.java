package io.worldlink;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A world cloned by world-select is written at its first durable write, not at the select: a world only
 * selected leaves no file, yet it is listed, readable and counted against its user's quota while it is
 * loaded.
 */
class LazyCloneTest {
    @TempDir
    Path root;
    final List<WorldLink> links = new ArrayList<>();
    WorldLink link;

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        link = build(b -> { });
    }

    @AfterEach
    void tearDown() {
        links.forEach(WorldLink::close);
    }

    WorldLink build(Consumer<WorldLink.Builder> custom) {
        WorldLink.Builder b = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .trustClaimedUserIds(true).saveDelay(Duration.ofHours(1));
        custom.accept(b);
        WorldLink l = b.build();
        links.add(l);
        return l;
    }

    static JsonObject select(TestClient c, String world, String user) {
        c.select("fast-world", world, user);
        return c.next();
    }

    static TestClient in(WorldLink link, String world, String user) {
        TestClient c = new TestClient(link);
        JsonObject confirmed = select(c, world, user);
        assertEquals("connection-confirmed", type(confirmed), confirmed.toString());
        return c;
    }

    Path folder(String user, String world) {
        return root.resolve("users").resolve(user).resolve("worlds").resolve(world);
    }

    static String epochOf(JsonObject confirmed) {
        return payloadOf(confirmed).get("worldEpoch").getAsString();
    }

    @Test
    void aWorldOnlySelectedIsListedAndReadWhileLoadedAndLeavesNoFileBehind() throws Exception {
        String anonymous = UUID.randomUUID().toString();
        TestClient ann = in(link, "looked-at", "ann");
        TestClient anon = in(link, "glanced", anonymous);

        assertFalse(Files.exists(root.resolve("users")), "no user folder, for a signed or an anonymous user");
        assertEquals(List.of("looked-at"), link.worlds(Identity.of("ann"), "ann"));
        ann.request("world-list", new JsonObject());
        assertEquals("[\"looked-at\"]", payloadOf(ann.expect("world-listed")).get("worlds").toString());
        WorldSnapshot read = link.world(Identity.of("ann"), "ann", "looked-at");
        assertEquals(List.of("quick"), read.agents().stream().map(AgentSnapshot::id).toList());
        assertEquals("fast-world", read.config().metadata().get("originalTemplate"));

        ann.connection.closed();
        anon.connection.closed();
        // A new select of the world waits for the old one to close: what it finds is a new clone.
        TestClient again = new TestClient(link);
        JsonObject confirmed = select(again, "looked-at", "ann");
        assertEquals(0, payloadOf(confirmed).get("lastSeq").getAsLong());
        again.connection.closed();
        link.close();

        assertFalse(Files.exists(root.resolve("users")), "nothing was ever written");
        WorldLink next = build(b -> { });
        assertEquals(List.of(), next.worlds(Identity.of("ann"), "ann"), "a world left unwritten is gone");
        WorldLinkException gone = assertInstanceOf(WorldLinkException.class,
                failure(() -> next.world(Identity.of("ann"), "ann", "looked-at")));
        assertEquals(ErrorCode.WORLD_NOT_FOUND, gone.code());
    }

    @Test
    void theFirstMessageWritesTheCloneWithItsLogAndTheEpochItsClientsWereGiven() throws Exception {
        TestClient c = new TestClient(link);
        JsonObject confirmed = select(c, "talked-in", "ann");
        c.request("chat-send", payload("message", "hello"));
        c.untilIdle();

        Path world = folder("ann", "talked-in");
        assertTrue(Files.isRegularFile(world.resolve("config.json")));
        assertTrue(Files.isRegularFile(world.resolve("agents/quick/system-prompt.md")));
        String log = Files.readString(world.resolve("events.jsonl"));
        assertTrue(log.contains("\"hello\""), log);
        link.close();

        WorldSnapshot stored = UserStorage.files(root).loadWorld(new WorldKey(UserId.of("ann"), "talked-in"));
        assertEquals(epochOf(confirmed), stored.config().metadata().get("worldEpoch"),
                "the life its clients were told of");
        assertEquals("fast-world", stored.config().metadata().get("originalTemplate"));
        assertEquals(2, stored.agents().get(0).memory().size(), "the message and the reply, saved at close");
        assertFalse(stored.config().isTemplate());
    }

    @Test
    void aChangeOfAnyKindWritesTheWorldAndAnUnwrittenWorldCannotBeCreatedAgain() throws Exception {
        in(link, "renamed", "ann");
        WorldLinkException taken = assertInstanceOf(WorldLinkException.class, failure(() ->
                link.createWorld(Identity.of("ann"), "ann", "renamed", "fast-world", null).get(5, TimeUnit.SECONDS)));
        assertEquals(ErrorCode.INVALID_NAME, taken.code(), "it exists while it is selected");
        assertFalse(Files.exists(folder("ann", "renamed")));

        link.updateWorld(Identity.of("ann"), "ann", "renamed", new WorldUpdate("Renamed", null, null))
                .get(5, TimeUnit.SECONDS);

        assertTrue(Files.isRegularFile(folder("ann", "renamed").resolve("config.json")));
        assertEquals("Renamed", UserStorage.files(root).loadWorld(new WorldKey(UserId.of("ann"), "renamed")).config()
                .name());
    }

    @Test
    void selectedWorldsCountAgainstTheQuotaSoWritingToEachCannotPassIt() throws Exception {
        WorldLink small = build(b -> b.maxWorldsPerUser(5, 2));
        String user = UUID.randomUUID().toString();
        TestClient one = in(small, "one", user);
        TestClient two = in(small, "two", user);

        TestClient three = new TestClient(small);
        JsonObject refused = select(three, "three", user);
        assertEquals("connection-error", type(refused));
        assertEquals("QUOTA_EXCEEDED", code(refused));
        assertTrue(payloadOf(refused).get("error").getAsString().contains("(one, two)"), refused.toString());

        for (TestClient c : List.of(one, two)) {
            c.request("chat-send", payload("message", "mine now"));
            c.untilIdle();
        }
        assertEquals(List.of("one", "two"), small.worlds(Identity.of(user), user));
        assertTrue(Files.isDirectory(folder(user, "one")) && Files.isDirectory(folder(user, "two")));
        assertFalse(Files.exists(folder(user, "three")));
        assertEquals("QUOTA_EXCEEDED", code(select(three, "three", user)), "still full, now on disk");
    }

    @Test
    void aClonerThatWritesTheWorldItselfHasItStoredAtTheSelect() {
        UserStorage storage = UserStorage.files(root);
        WorldCloner copy = WorldCloner.fromTemplates(TemplateStore.files(root));
        WorldLink eager = build(b -> b.storage(storage).cloner((templateId, target, worldName) -> {
            WorldSnapshot clone = copy.cloneTemplate(templateId, target, worldName);
            storage.createWorld(target, clone);
            return clone;
        }));
        in(eager, "eager", "ann");
        assertTrue(Files.isRegularFile(folder("ann", "eager").resolve("config.json")));
    }

    interface Call {
        Object run() throws Exception;
    }

    static Throwable failure(Call call) {
        try {
            call.run();
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }
}
