package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.worldlink.event.MessageLevel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host application's side (seed 004): notifications to a world, a user, everyone; who is connected. */
class HostApiTest {
    @TempDir
    Path root;

    WorldLink link;

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .trustClaimedUserIds(true).build();
    }

    @AfterEach
    void tearDown() {
        link.close();
    }

    TestClient in(String user, String world) {
        TestClient c = new TestClient(link);
        c.select("fast-world", world, user);
        c.expect("connection-confirmed");
        return c;
    }

    static String notice(TestClient c) {
        JsonObject f = c.expect("system-message");
        assertEquals("warning", payloadOf(f).get("level").getAsString());
        assertTrue(f.has("seq"), "a notice is a durable event");
        assertEquals("system", payloadOf(c.expect("event-stream")).get("eventType").getAsString());
        return payloadOf(f).get("content").getAsString();
    }

    @Test
    void notifiesOneUsersWorldsOrEveryone() throws Exception {
        TestClient annA = in("ann", "a");
        TestClient annB = in("ann", "b");
        TestClient bob = in("bob", "a");

        assertEquals(2, link.notifyUser("ann", "Maintenance at noon", MessageLevel.WARNING).get(5, TimeUnit.SECONDS));
        assertEquals("Maintenance at noon", notice(annA));
        assertEquals("Maintenance at noon", notice(annB));
        bob.request("ping", new JsonObject());
        assertEquals("pong", bob.expect("pong").get("type").getAsString(), "bob got nothing");

        assertEquals(3, link.broadcast("Restarting soon", MessageLevel.WARNING).get(5, TimeUnit.SECONDS));
        for (TestClient c : List.of(annA, annB, bob)) {
            assertEquals("Restarting soon", notice(c));
        }
    }

    @Test
    void notifiesAWorldThatIsNotLoadedSoItsClientsSeeItWhenTheyCome() throws Exception {
        link.createWorld(Identity.of("ann"), "ann", "quiet", "fast-world", null).get(5, TimeUnit.SECONDS);
        assertEquals(List.of(), link.loadedWorlds());

        link.notifyWorld("ann", "quiet", "Your report is ready", MessageLevel.WARNING).get(5, TimeUnit.SECONDS);

        TestClient later = new TestClient(link);
        later.request("world-select", payload("templateName", "", "worldName", "quiet", "userId", "ann", "lastSeq", 0));
        later.expect("connection-confirmed");
        assertEquals("Your report is ready", notice(later));
    }

    @Test
    void aMissingWorldIsWorldNotFound() {
        ExecutionException e = assertThrows(ExecutionException.class, () -> link.notifyWorld("ann", "nowhere", "x",
                MessageLevel.INFO).get(5, TimeUnit.SECONDS));
        assertEquals(ErrorCode.WORLD_NOT_FOUND, assertInstanceOf(WorldLinkException.class, e.getCause()).code());
    }

    static Throwable failure(java.util.concurrent.CompletableFuture<?> future) {
        return assertThrows(ExecutionException.class, () -> future.get(5, TimeUnit.SECONDS)).getCause();
    }

    static void invalidName(java.util.concurrent.CompletableFuture<?> future) {
        assertEquals(ErrorCode.INVALID_NAME, assertInstanceOf(WorldLinkException.class, failure(future)).code());
    }

    @Test
    void theAsynchronousMethodsFailTheirFutureInsteadOfThrowing() {
        Identity ann = Identity.of("ann");
        invalidName(link.export(ann, "../ann", "a"));
        invalidName(link.export(ann, "ann", "../a"));
        assertInstanceOf(WorldLinkException.class, failure(link.export(Identity.refused("bad token"), "ann", "a")));
        assertInstanceOf(NullPointerException.class, failure(link.export(null, "ann", "a")));
        invalidName(link.notifyWorld("../ann", "a", "x", MessageLevel.INFO));
        invalidName(link.notifyWorld("ann", "../a", "x", MessageLevel.INFO));
        invalidName(link.notifyUser("../ann", "x", MessageLevel.INFO));
        invalidName(link.notifyUser(null, "x", MessageLevel.INFO));
        assertInstanceOf(NullPointerException.class, failure(link.broadcast(null, MessageLevel.INFO)));
        assertInstanceOf(NullPointerException.class, failure(link.broadcast("x", null)));
    }

    @Test
    void tellsEachConnectionsWorldAndListsLoadedWorlds() {
        String anon = UUID.randomUUID().toString();
        TestClient a = in(anon, "one");
        TestClient idle = new TestClient(link);

        assertEquals(2, link.stats().connections());
        assertEquals(new WorldKey(UserId.of(anon), "one"), a.connection.world());
        assertNull(idle.connection.world());
        assertEquals(Set.of("one"), link.loadedWorlds().stream().map(WorldKey::worldId).collect(Collectors.toSet()));
    }
}
