package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.worldlink.model.Usage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a host that measures WorldLink is told, event by event. */
class MetricsListenerTest {
    @TempDir
    Path root;

    final BlockingQueue<String> told = new LinkedBlockingQueue<>();
    final AtomicInteger frames = new AtomicInteger();
    final AtomicLong logged = new AtomicLong();
    WorldLink link;

    final MetricsListener recorder = new MetricsListener() {
        @Override
        public void connectionOpened() {
            told.add("opened");
        }

        @Override
        public void connectionClosed(CloseReason reason) {
            told.add("closed " + reason);
        }

        @Override
        public void requestRefused(ErrorCode code) {
            told.add("refused " + code);
        }

        @Override
        public void turnStarted() {
            told.add("turn started");
        }

        @Override
        public void turnEnded(Duration duration, boolean stopped) {
            told.add("turn ended" + (stopped ? " stopped" : ""));
        }

        @Override
        public void modelCallEnded(String provider, String model, CallOutcome outcome, Duration firstChunk,
                Duration duration, Usage usage) {
            told.add("call " + provider + " " + outcome + (usage.totalTokens() > 0 ? " with tokens" : ""));
        }

        @Override
        public void frameSent(int characters) {
            frames.incrementAndGet();
        }

        @Override
        public void eventsLogged(int events, Duration sync) {
            logged.addAndGet(events);
        }
    };

    @BeforeEach
    void setUp() {
        TestData.withShippedTemplates(root);
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .anonymousGracePeriod(Duration.ZERO).maxConnectionsPerAddress(1).maxFrameChars(1024).maxQueuedChars(20_000)
                .selectTimeout(Duration.ofSeconds(2)).metrics(recorder).build();
    }

    @AfterEach
    void tearDown() {
        link.close();
    }

    String next() throws InterruptedException {
        String s = told.poll(10, TimeUnit.SECONDS);
        assertTrue(s != null, "nothing more was told");
        return s;
    }

    List<String> drain(int n) throws InterruptedException {
        List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(next());
        }
        return out.stream().sorted().toList();
    }

    @Test
    void aTurnItsModelCallsFramesAndLogWritesAreTold() throws Exception {
        TestClient c = new TestClient(link);
        assertEquals("opened", next());
        c.request("world-select", payload("templateName", "fast-world", "worldName", "w",
                "userId", UUID.randomUUID().toString()));
        c.expect("connection-confirmed");
        c.request("chat-send", payload("message", "hello"));
        c.untilIdle();
        assertEquals(List.of("call offline COMPLETE with tokens", "turn ended", "turn started"), drain(3));
        assertTrue(frames.get() >= 4, "frames: " + frames.get());
        assertTrue(logged.get() >= 3, "the message, the reply and idle were logged: " + logged.get());

        c.connection.receive("not json");
        c.next();
        assertEquals("refused INVALID_JSON", next());
        c.connection.closed();
        assertEquals("closed NORMAL", next());
    }

    @Test
    void eachReasonForClosingAConnectionIsTold() throws Exception {
        TestClient idle = new TestClient(link, Identity.ANONYMOUS, true, "10.0.0.1");
        TestClient second = new TestClient(link, Identity.ANONYMOUS, true, "10.0.0.1");
        assertEquals(List.of("closed QUOTA", "opened", "opened", "refused QUOTA_EXCEEDED"), drain(4));
        assertEquals("closed IDLE", next(), "no world selected in time");

        TestClient big = new TestClient(link);
        big.connection.receive("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
        assertEquals(List.of("closed OVERSIZE", "opened"), drain(2));

        // A link whose clients have all the time they need to select a world: this client's select must not
        // race the short select timeout above, however slow the machine.
        WorldLink patient = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .anonymousGracePeriod(Duration.ZERO).maxFrameChars(1024).maxQueuedChars(20_000).metrics(recorder).build();
        TestClient stuck = new TestClient(patient, Identity.ANONYMOUS, false);
        stuck.request("world-select", payload("templateName", "default-world", "worldName", "w",
                "userId", UUID.randomUUID().toString()));
        List<String> seen = new java.util.ArrayList<>();
        for (int i = 0; !seen.contains("closed SLOW_CLIENT"); i++) {
            if (i < 20) {
                stuck.request("chat-send", payload("message", "fill the queue " + i));
            }
            String s = told.poll(10, TimeUnit.SECONDS);
            assertTrue(s != null, "told only " + seen);
            seen.add(s);
        }
        patient.close();
    }
}
