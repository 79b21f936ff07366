package io.worldlink.internal.protocol;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.Connection;
import io.worldlink.FrameQueue;
import io.worldlink.Identity;
import io.worldlink.TestClient;
import io.worldlink.TestData;
import io.worldlink.Transport;
import io.worldlink.WorldLink;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server-wide budget of characters waiting to be sent: who is closed and what is refused past it, and
 * that every way a connection ends gives back what it held, so that the count cannot drift.
 */
class QueueBudgetTest {
    @TempDir
    Path root;

    final List<WorldLink> links = new ArrayList<>();

    WorldLink build(Consumer<WorldLink.Builder> custom) {
        TestData.withShippedTemplates(root);
        WorldLink.Builder b = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .anonymousGracePeriod(Duration.ZERO).rateLimit(1000, 1000).maxConnectionsPerUser(100);
        custom.accept(b);
        WorldLink link = b.build();
        links.add(link);
        return link;
    }

    @AfterEach
    void tearDown() {
        links.forEach(WorldLink::close);
    }

    /**
     * A client on a fake transport. One that reads ends each send before the test sees its frame, so that
     * what the test counts is what the server still holds. One that is held ends a send only when the test
     * says so: until then the frame is in flight and whatever comes after it waits in its queue, as for a
     * client that stopped reading.
     */
    static final class Client extends FrameQueue implements Transport {
        final BlockingQueue<String> sent = new LinkedBlockingQueue<>();
        final BlockingQueue<Consumer<Throwable>> pending = new LinkedBlockingQueue<>();
        final CompletableFuture<TestClient.Closed> closed = new CompletableFuture<>();
        final boolean reading;
        final String address;
        final Connection connection;

        Client(WorldLink link, boolean reading, String address) {
            this.reading = reading;
            this.address = address;
            this.connection = link.connect(this, Identity.ANONYMOUS);
        }

        static Client reading(WorldLink link) {
            return new Client(link, true, null);
        }

        static Client held(WorldLink link) {
            return new Client(link, false, null);
        }

        @Override
        public void send(String text, Consumer<Throwable> done) {
            if (reading) {
                done.accept(null);
                frames.add(JsonParser.parseString(text).getAsJsonObject());
            } else {
                pending.add(done);
                sent.add(text);
            }
        }

        @Override
        public void sendText(String frame) {
            connection.receive(frame);
        }

        @Override
        public String remoteAddress() {
            return address;
        }

        @Override
        public void close(int code, String reason) {
            closed.complete(new TestClient.Closed(code, reason));
        }

        /** @return the next frame handed to the transport */
        String nextRaw() throws InterruptedException {
            String frame = sent.poll(10, TimeUnit.SECONDS);
            assertNotNull(frame, "no frame within 10 s");
            return frame;
        }

        /** @return the next frame handed to the transport, parsed */
        JsonObject nextSent() throws InterruptedException {
            return JsonParser.parseString(nextRaw()).getAsJsonObject();
        }

        /** Ends the send in flight, with an error or none. */
        void finish(Throwable error) {
            Consumer<Throwable> done = pending.poll();
            assertNotNull(done, "a send is in flight");
            done.accept(error);
        }
    }

    static String anon() {
        return UUID.randomUUID().toString();
    }

    @Test
    void pastTheBudgetTheClientsThatAreBehindAreClosedWhileTheOneThatReadsGetsEverything() throws Exception {
        long budget = 200_000;
        // The cap of one connection is far above the budget: only the budget can close these.
        WorldLink link = build(b -> b.maxTotalQueuedChars(budget).maxQueuedChars(10_000_000));
        String user = anon();
        Client reader = Client.reading(link);
        reader.select("fast-world", "w", user);
        reader.expect("connection-confirmed");
        List<Client> stuck = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Client c = Client.held(link);
            c.select("fast-world", "w", user);
            stuck.add(c);
        }
        long bound = budget + 6L * QueueBudget.BEHIND_CHARS;

        int turns = 0;
        while (stuck.stream().anyMatch(c -> !c.closed.isDone())) {
            assertTrue(turns < 40, "the clients that do not read are closed within 40 turns");
            String message = "z".repeat(30_000) + turns++;
            reader.request("chat-send", payload("message", message));
            List<JsonObject> turn = reader.untilIdle();
            assertEquals(message, payloadOf(turn.get(0)).getAsJsonObject("event").getAsJsonObject("payload")
                    .get("content").getAsString(), "the reader gets each message whole");
            long total = link.stats().queuedCharacters();
            assertTrue(total <= bound, total + " characters wait, more than the budget and 8 Ki a connection: "
                    + bound);
        }
        assertTrue(turns > 1, "one 30,000-character message for each does not pass the budget");

        for (Client c : stuck) {
            TestClient.Closed closed = c.closed.get(5, TimeUnit.SECONDS);
            assertEquals(1013, closed.code());
            assertTrue(closed.reason().contains("more than 200000 characters for its clients, and this one is behind"),
                    closed.reason());
        }
        assertFalse(reader.closed.isDone());
        assertEquals(0, link.stats().queuedCharacters(), "the closed clients gave back what waited for them");
        reader.request("chat-send", payload("message", "after"));
        assertTrue(reader.untilIdle().size() > 2, "the reader goes on");
        assertEquals(1, link.stats().connections());
    }

    @Test
    void pastTheBudgetTheConnectionsThatHoldTheMostAreClosedFirstNotTheOneThatKeepsUp() throws Exception {
        long budget = 280_000;
        WorldLink link = build(b -> b.maxTotalQueuedChars(budget));
        // Three clients that stopped reading, parked in a world that has gone quiet, hold most of the budget.
        String parkedUser = anon();
        Client writer = Client.reading(link);
        writer.select("fast-world", "parked", parkedUser);
        writer.expect("connection-confirmed");
        List<Client> parked = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Client c = Client.held(link);
            c.select("fast-world", "parked", parkedUser);
            assertEquals("connection-confirmed", type(c.nextSent()));
            parked.add(c);
        }
        for (int i = 0; i < 2; i++) {
            writer.request("chat-send", payload("message", "p".repeat(30_000) + i));
            writer.untilIdle();
        }
        writer.connection.closed();
        long parkedChars = link.stats().queuedCharacters();
        // Within the budget, but not with 50,000 more; with one of them gone, it is.
        assertTrue(parkedChars > budget - 45_000 && parkedChars < budget && parkedChars * 2 / 3 + 60_000 < budget,
                parkedChars + " characters");
        assertFalse(parked.stream().anyMatch(c -> c.closed.isDone()));

        // A client that reads, in a world of its own, gets a frame that takes the total past the budget.
        Client reader = Client.reading(link);
        reader.select("fast-world", "mine", anon());
        reader.expect("connection-confirmed");
        String message = "r".repeat(50_000);
        reader.request("chat-send", payload("message", message));
        List<JsonObject> turn = reader.untilIdle();
        assertEquals(message, payloadOf(turn.get(0)).getAsJsonObject("event").getAsJsonObject("payload")
                .get("content").getAsString());
        assertFalse(reader.closed.isDone(), "the client that keeps up is not closed for the others' backlog");
        assertEquals(1, parked.stream().filter(c -> c.closed.isDone()).count(),
                "one parked client is closed, enough to bring the total within the budget");
        for (Client c : parked) {
            if (c.closed.isDone()) {
                assertEquals(1013, c.closed.get().code());
                assertTrue(c.closed.get().reason().contains("and this one is behind"), c.closed.get().reason());
            }
        }
        assertTrue(link.stats().queuedCharacters() <= budget);
    }

    @Test
    void anExportCountsAgainstTheBudgetAndIsRefusedWhenTheBudgetCannotTakeIt() throws Exception {
        WorldLink link = build(b -> b.maxTotalQueuedChars(250_000));
        String user = anon();
        Client writer = Client.reading(link);
        writer.select("fast-world", "w", user);
        writer.expect("connection-confirmed");
        for (int i = 0; i < 3; i++) {
            writer.request("chat-send", payload("message", "m".repeat(50_000)));
            writer.untilIdle();
        }

        Client slow = Client.held(link);
        slow.select("fast-world", "w", user);
        assertEquals("connection-confirmed", type(slow.nextSent()));
        slow.finish(null);
        slow.request("world-export", new JsonObject());
        String export = slow.nextRaw();
        assertEquals("world-exported", type(JsonParser.parseString(export).getAsJsonObject()));
        assertTrue(export.length() > 150_000 && export.length() < 250_000, export.length() + " characters");
        assertEquals(export.length(), link.stats().queuedCharacters(), "the export in flight is what waits");

        // Another export does not fit beside it: refused, and its client stays.
        writer.request("world-export", new JsonObject());
        JsonObject refused = writer.expect("system-message");
        assertEquals("QUOTA_EXCEEDED", code(refused));
        assertTrue(payloadOf(refused).get("content").getAsString().contains("holds as much as it may for its "
                + "clients (250000 characters), so this frame"), refused.toString());
        assertFalse(writer.closed.isDone());

        // Once the first is sent, the budget takes the second.
        slow.finish(null);
        assertEquals(0, link.stats().queuedCharacters());
        writer.request("world-export", new JsonObject());
        assertTrue(payloadOf(writer.expect("world-exported")).get("markdown").getAsString().length() > 150_000);

        // An export in flight when its connection closes is given back once: the late end of its send
        // changes nothing.
        slow.request("world-export", new JsonObject());
        assertEquals(slow.nextRaw().length(), link.stats().queuedCharacters());
        slow.connection.closed();
        assertEquals(0, link.stats().queuedCharacters());
        slow.finish(null);
        assertEquals(0, link.stats().queuedCharacters());
    }

    @Test
    void requestsThatWaitTheirTurnCountAgainstTheBudget() throws Exception {
        WorldLink link = build(b -> b.maxTotalQueuedChars(200_000));
        String user = anon();
        Client slow = Client.held(link);
        slow.select("fast-world", "w", user);
        assertEquals("connection-confirmed", type(slow.nextSent()));
        slow.finish(null);
        Client other = Client.reading(link);
        other.select("fast-world", "w", user);
        other.expect("connection-confirmed");
        // An export that is never read holds the connection's requests: each one after it waits its turn.
        slow.request("world-export", new JsonObject());
        String export = slow.nextRaw();
        // The world is done with the export (its next task answers another client): what follows its end runs
        // where it ends.
        other.request("chat-list", new JsonObject());
        other.expect("chat-listed");
        String big = "w".repeat(60_000);
        for (int i = 0; i < 3; i++) {
            slow.request("chat-send", payload("message", big));
        }
        long held = link.stats().queuedCharacters();
        assertTrue(held > export.length() + 3 * 60_000 && held <= 200_000, "three requests wait: " + held);

        // The fourth takes the total past the budget: the connection holds the most, so it is closed.
        slow.request("chat-send", payload("message", big));
        TestClient.Closed closed = slow.closed.get(5, TimeUnit.SECONDS);
        assertEquals(1013, closed.code());
        assertTrue(closed.reason().contains("and this one is behind"), closed.reason());
        assertEquals(0, link.stats().queuedCharacters(), "the requests that waited were given back");
    }

    @Test
    void everyWayAConnectionEndsGivesBackWhatWaitedForIt() throws Exception {
        WorldLink link = build(b -> b.maxConnectionsPerAddress(1).maxFrameChars(1024));
        String user = anon();
        Client reader = Client.reading(link);
        reader.select("fast-world", "w", user);
        reader.expect("connection-confirmed");
        List<Client> held = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            Client h = Client.held(link);
            h.select("fast-world", "w", user);
            // The greeting stays in flight: everything after it waits in the connection's queue.
            assertEquals("connection-confirmed", type(h.nextSent()));
            held.add(h);
        }
        for (int i = 0; i < 3; i++) {
            reader.request("chat-send", payload("message", "q".repeat(600) + i));
            reader.untilIdle();
        }
        // A refused connection's refusal counts too, while it is in flight.
        Client first = new Client(link, false, "10.0.0.1");
        Client refused = new Client(link, false, "10.0.0.1");
        assertEquals("connection-error", type(refused.nextSent()));
        assertTrue(link.stats().queuedCharacters() > 30 * 3 * 600, "frames wait: " + link.stats().queuedCharacters());

        for (int i = 0; i < held.size(); i++) {
            Client h = held.get(i);
            switch (i % 5) {
                // The host says its transport closed.
                case 0 -> h.connection.closed();
                // The send in flight fails: the transport broke.
                case 1 -> h.finish(new IOException("connection reset"));
                // The server closes it: a frame over the size limit (1009).
                case 2 -> {
                    h.connection.receive("x".repeat(2_000));
                    assertEquals(1009, h.closed.get(5, TimeUnit.SECONDS).code());
                }
                // Closed, then its send in flight ends after all, well or badly: given back once only.
                case 3 -> {
                    h.connection.closed();
                    h.finish(null);
                }
                default -> {
                    h.connection.closed();
                    h.finish(new IOException("connection reset"));
                }
            }
        }
        refused.connection.closed();
        first.connection.closed();
        reader.connection.closed();
        link.close();
        assertEquals(0, link.stats().connections());
        assertEquals(0, link.stats().queuedCharacters(), "every connection gave back what it held, and no more");
    }
}
