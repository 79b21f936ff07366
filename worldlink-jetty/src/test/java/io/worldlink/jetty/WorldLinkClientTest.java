package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.ErrorCode;
import io.worldlink.HmacTokens;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.WorldLinkException;
import io.worldlink.client.AgentInfo;
import io.worldlink.client.ChatResponse;
import io.worldlink.client.ClientListener;
import io.worldlink.client.Confirmation;
import io.worldlink.client.ConnectionState;
import io.worldlink.client.WorldLinkClient;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java client against a real server, including a server restart in the middle of a conversation. */
class WorldLinkClientTest {
    static final String SECRET = "a-client-test-secret-that-is-long-enough";
    static final long WAIT = 10;

    @TempDir
    Path root;

    WorldLink link;
    WorldLinkServer server;
    final List<WorldLinkClient> clients = new ArrayList<>();

    /** Everything a listener received, in order. */
    static final class Recorder implements ClientListener {
        final BlockingQueue<WorldEvent> events = new LinkedBlockingQueue<>();
        final BlockingQueue<ChatResponse> responses = new LinkedBlockingQueue<>();
        final BlockingQueue<ConnectionState> states = new LinkedBlockingQueue<>();
        final BlockingQueue<Confirmation> confirmations = new LinkedBlockingQueue<>();

        @Override
        public void onConfirmed(Confirmation confirmation) {
            confirmations.add(confirmation);
        }

        @Override
        public void onEvent(WorldEvent event) {
            events.add(event);
        }

        @Override
        public void onChatResponse(ChatResponse response) {
            responses.add(response);
        }

        @Override
        public void onStateChanged(ConnectionState state) {
            states.add(state);
        }

        /** @return the events up to the idle that ends the turn of this message */
        List<WorldEvent> turn(MessageEvent start) throws InterruptedException {
            List<WorldEvent> seen = new ArrayList<>();
            while (true) {
                WorldEvent e = events.poll(WAIT, TimeUnit.SECONDS);
                assertTrue(e != null, "the turn did not end");
                seen.add(e);
                if (e instanceof WorldActionEvent w && w.action().equals(WorldActionEvent.IDLE)
                        && start.id().equals(w.details().get("messageId"))) {
                    return seen;
                }
            }
        }

        Confirmation nextConfirmation() throws InterruptedException {
            Confirmation c = confirmations.poll(WAIT, TimeUnit.SECONDS);
            assertTrue(c != null, "no connection-confirmed within " + WAIT + " s");
            return c;
        }

        void awaitState(ConnectionState wanted) throws InterruptedException {
            while (true) {
                ConnectionState s = states.poll(WAIT, TimeUnit.SECONDS);
                assertTrue(s != null, "never reached " + wanted);
                if (s == wanted) {
                    return;
                }
            }
        }
    }

    WorldLink newLink() {
        return WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .anonymousGracePeriod(Duration.ZERO).authenticator(HmacTokens.withSecret(SECRET)).build();
    }

    void startServer(int port) throws Exception {
        link = newLink();
        server = WorldLinkServer.builder(link).port(port).build().start();
    }

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        startServer(0);
    }

    @AfterEach
    void stop() {
        clients.forEach(WorldLinkClient::close);
        server.close();
        link.close();
    }

    WorldLinkClient client(ClientListener listener, String token) {
        return client(server, listener, token);
    }

    WorldLinkClient client(WorldLinkServer to, ClientListener listener, String token) {
        WorldLinkClient c = WorldLinkClient.builder(to.webSocketUri()).listener(listener).token(token)
                .backoff(Duration.ofMillis(50), Duration.ofMillis(400)).requestTimeout(Duration.ofSeconds(WAIT)).build();
        clients.add(c);
        return c;
    }

    static <T> T get(CompletableFuture<T> f) throws Exception {
        return f.get(WAIT, TimeUnit.SECONDS);
    }

    static WorldLinkException failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT, TimeUnit.SECONDS));
        return assertInstanceOf(WorldLinkException.class, e.getCause());
    }

    @Test
    void selectsChatsUpdatesReloadsAndExports() throws Exception {
        Recorder r = new Recorder();
        WorldLinkClient c = client(r, null);

        Confirmation confirmed = get(c.selectWorld("default-world", "demo", UUID.randomUUID().toString()));
        assertEquals(List.of("ada", "ben"), confirmed.agents().stream().map(AgentInfo::id).toList());
        assertEquals(ConnectionState.CONNECTED, c.state());

        MessageEvent sent = get(c.send("Hello from Java"));
        assertEquals("Hello from Java", sent.content());
        List<WorldEvent> turn = r.turn(sent);
        assertEquals(3, turn.stream().filter(MessageEvent.class::isInstance).count(), "the message and two replies");
        List<ChatResponse> complete = new ArrayList<>();
        for (ChatResponse resp : r.responses) {
            if (resp.complete()) {
                complete.add(resp);
            }
        }
        assertEquals(2, complete.size());
        assertTrue(complete.get(0).usage().totalTokens() > 0);

        AgentInfo ben = get(c.updateAgent("ben", false, "You are Ben, brief.", Map.of("temperature", 0.1), true));
        assertEquals("inactive", ben.status());
        assertEquals(0.1, ben.temperature());
        assertEquals(0, ben.memorySize());
        assertEquals(2, get(c.reloadWorld()));
        get(c.subscribe(Set.of("message", "sse"), "ada"));
        assertTrue(get(c.exportWorld()).contains("> Hello from Java"));
        assertTrue(get(c.ping()).endsWith("Z"));
    }

    @Test
    void serverErrorsFailTheRequestWithTheirCode() throws Exception {
        WorldLinkClient c = client(ClientListener.NONE, null);
        assertEquals(ErrorCode.NO_WORLD_SELECTED, failure(c.send("too early")).code());
        assertEquals(ErrorCode.INVALID_NAME, failure(c.selectWorld("fast-world", "../x",
                UUID.randomUUID().toString())).code());
        assertEquals(ErrorCode.AUTH_REQUIRED, failure(c.selectWorld("fast-world", "w", "ann")).code());
        get(c.selectWorld("fast-world", "w", UUID.randomUUID().toString()));
        assertEquals(ErrorCode.INVALID_SENDER, failure(c.send("hi", "system")).code());
        assertEquals(ErrorCode.AGENT_NOT_FOUND, failure(c.updateAgent("zed", true, null, null, false)).code());
    }

    @Test
    void aServerRestartInTheMiddleOfAConversationLosesNothingAndRepeatsNothing() throws Exception {
        String token = HmacTokens.withSecret(SECRET).mint("ann", Duration.ofHours(1));
        Recorder r = new Recorder();
        WorldLinkClient c = client(r, token);
        get(c.selectWorld("fast-world", "talk", "ann"));
        MessageEvent first = get(c.send("before the restart"));
        List<WorldEvent> seen = new ArrayList<>(r.turn(first));
        int port = server.port();

        server.close();
        link.close();
        r.awaitState(ConnectionState.RECONNECTING);
        startServer(port);

        // Someone else talks in the world while the client may still be away.
        WorldLinkClient other = client(ClientListener.NONE, token);
        get(other.selectWorld("", "talk", "ann"));
        MessageEvent during = get(other.send("while you were away"));
        r.awaitState(ConnectionState.CONNECTED);
        seen.addAll(r.turn(during));
        MessageEvent after = get(c.send("after the restart"));
        seen.addAll(r.turn(after));
        Confirmation before = r.nextConfirmation();
        Confirmation resumed = r.nextConfirmation();
        assertEquals(before.worldEpoch(), resumed.worldEpoch(), "a restart is not a new life");
        assertFalse(resumed.newLife());

        List<Long> seqs = seen.stream().filter(WorldEvent::isDurable).map(WorldEvent::seq).toList();
        for (int i = 1; i < seqs.size(); i++) {
            assertEquals(seqs.get(i - 1) + 1, seqs.get(i), "no gap and no repeat: " + seqs);
        }
        assertTrue(seen.stream().anyMatch(e -> e instanceof MessageEvent m && m.content().equals("while you were away")));
    }

    static long newestSeq(List<WorldEvent> events) {
        return events.stream().filter(WorldEvent::isDurable).mapToLong(WorldEvent::seq).max().orElseThrow();
    }

    static void assertCountsFrom(long first, List<WorldEvent> events) {
        List<Long> seqs = events.stream().filter(WorldEvent::isDurable).map(WorldEvent::seq).toList();
        for (int i = 0; i < seqs.size(); i++) {
            assertEquals(first + i, seqs.get(i), "every seq once and in order from " + first + ": " + seqs);
        }
    }

    @Test
    void aWorldCreatedAgainWhileTheClientWasAwayIsReceivedFromItsStart() throws Exception {
        String user = UUID.randomUUID().toString();
        Recorder r = new Recorder();
        WorldLinkClient c = client(r, null);
        Confirmation firstLife = get(c.selectWorld("fast-world", "w", user));
        assertFalse(firstLife.newLife(), "a world selected anew has no past life here");
        r.turn(get(c.send("one")));
        long oldSeq = newestSeq(r.turn(get(c.send("two"))));
        int port = server.port();

        // The server goes away: the anonymous user's last connection closes, and the folder with it.
        server.close();
        link.close();
        r.awaitState(ConnectionState.RECONNECTING);
        assertTrue(Files.notExists(root.resolve("users").resolve(user)), "the anonymous user's folder was deleted");
        startServer(port);

        // The same user creates the world again: its new life counts seqs from 1, below what the client saw.
        WorldLinkClient other = client(ClientListener.NONE, null);
        get(other.selectWorld("fast-world", "w", user));
        MessageEvent again = get(other.send("in the new life"));
        assertTrue(again.seq() < oldSeq, "the new life is shorter than the old one");

        // Whether the client came back before the new life began or after, it gets all of it.
        List<WorldEvent> newLife = r.turn(again);
        assertCountsFrom(1, newLife);
        assertTrue(newLife.contains(again), "the new life's message: " + newLife);
        assertEquals(firstLife, r.nextConfirmation());
        Confirmation resumed = r.nextConfirmation();
        assertTrue(resumed.newLife(), "the listener learns that what it showed belongs to a past life");
        assertNotEquals(firstLife.worldEpoch(), resumed.worldEpoch());
    }

    @Test
    void aWorldCreatedAgainThatPassedTheSeqTheClientSawIsReceivedFromItsStart() throws Exception {
        String token = HmacTokens.withSecret(SECRET).mint("ann", Duration.ofHours(1));
        Recorder r = new Recorder();
        WorldLinkClient c = client(r, token);
        Confirmation firstLife = get(c.selectWorld("fast-world", "again", "ann"));
        long oldSeq = newestSeq(r.turn(get(c.send("the first life"))));
        // Started while the first server still holds its port, so this one never gets it: the client
        // cannot follow here.
        WorldLink elsewhereLink = newLink();
        WorldLinkServer elsewhere = WorldLinkServer.builder(elsewhereLink).port(0).build().start();
        int port = server.port();
        server.close();
        link.close();
        r.awaitState(ConnectionState.RECONNECTING);

        // While the client is away, the world is deleted and created again, and its new life goes past
        // the seq the client saw: only the epoch tells the lives apart.
        long newSeq;
        try (elsewhereLink; elsewhere) {
            try (Stream<Path> files = Files.walk(root.resolve("users/ann/worlds/again"))) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(f);
                }
            }
            Recorder o = new Recorder();
            WorldLinkClient other = client(elsewhere, o, token);
            get(other.selectWorld("fast-world", "again", "ann"));
            o.turn(get(other.send("the second life")));
            newSeq = newestSeq(o.turn(get(other.send("still the second life"))));
            other.close();
        }
        assertTrue(newSeq > oldSeq, "the new life passed the old one");
        startServer(port);

        assertEquals(firstLife, r.nextConfirmation());
        Confirmation resumed = r.nextConfirmation();
        assertTrue(resumed.newLife(), "the listener learns about the new life");
        assertNotEquals(firstLife.worldEpoch(), resumed.worldEpoch());
        List<WorldEvent> replayed = new ArrayList<>();
        while (replayed.isEmpty() || replayed.get(replayed.size() - 1).seq() < newSeq) {
            WorldEvent e = r.events.poll(WAIT, TimeUnit.SECONDS);
            assertTrue(e != null, "the new life was not replayed: " + replayed);
            replayed.add(e);
        }
        assertCountsFrom(1, replayed);
    }

    @Test
    void aWorldRestoredFromAnOlderCopyIsReceivedFromItsStart() throws Exception {
        String token = HmacTokens.withSecret(SECRET).mint("ann", Duration.ofHours(1));
        Recorder r = new Recorder();
        WorldLinkClient c = client(r, token);
        get(c.selectWorld("fast-world", "kept", "ann"));
        List<WorldEvent> backedUp = r.turn(get(c.send("backed up")));
        Path log = root.resolve("users/ann/worlds/kept/events.jsonl");
        byte[] backup = Files.readAllBytes(log);
        r.turn(get(c.send("lost")));
        int port = server.port();

        // The world goes back to the copy: same life, but fewer events than the client saw.
        server.close();
        link.close();
        r.awaitState(ConnectionState.RECONNECTING);
        Files.write(log, backup);
        startServer(port);

        // The server replays the world from its start, then the client's next message follows the copy.
        Confirmation before = r.nextConfirmation();
        Confirmation restored = r.nextConfirmation();
        assertTrue(restored.newLife(), "the listener learns that what it showed is not the world's history any more");
        assertEquals(before.worldEpoch(), restored.worldEpoch());
        List<WorldEvent> replayed = new ArrayList<>();
        for (int i = 0; i < backedUp.size(); i++) {
            WorldEvent e = r.events.poll(WAIT, TimeUnit.SECONDS);
            assertTrue(e != null, "the world was not replayed from its start: " + replayed);
            replayed.add(e);
        }
        assertEquals(backedUp, replayed);
        List<WorldEvent> after = r.turn(get(c.send("after the restore")));
        assertCountsFrom(newestSeq(backedUp) + 1, after);
    }

    @Test
    void withoutReconnectADropClosesTheClient() throws Exception {
        Recorder r = new Recorder();
        WorldLinkClient c = WorldLinkClient.builder(server.webSocketUri()).listener(r).reconnect(false).build();
        clients.add(c);
        get(c.selectWorld("fast-world", "w", UUID.randomUUID().toString()));
        server.close();
        r.awaitState(ConnectionState.CLOSED);
        assertEquals(ConnectionState.CLOSED, c.state());
    }

    @Test
    void closingLeavesNoClientThreadBehind() throws Exception {
        WorldLinkClient c = client(ClientListener.NONE, null);
        get(c.selectWorld("fast-world", "w", UUID.randomUUID().toString()));
        get(c.send("hello"));
        c.close();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("worldlink-client")) {
                t.join(TimeUnit.SECONDS.toMillis(WAIT));
                assertTrue(!t.isAlive(), t.getName() + " is still running");
            }
        }
        assertEquals(ConnectionState.CLOSED, c.state());
    }
}
