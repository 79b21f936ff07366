package io.worldlink;

import static io.worldlink.FrameQueue.payload;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.internal.model.FakeOpenAiServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The threads of WorldLink, its pools and its built-in models, end with close(): none is static. */
class NoThreadSurvivesCloseTest {
    @TempDir
    Path root;

    static List<String> worldLinkThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("worldlink-")).sorted().toList();
    }

    @Test
    void aTurnWithThePacedOfflineModelAndAnHttpModelLeavesNoThreadAfterClose() throws Exception {
        try (FakeOpenAiServer server = new FakeOpenAiServer()) {
            WorldLink link = WorldLink.builder().dataRoot(root)
                    .environment(Map.of("OPENAI_COMPATIBLE_BASE_URL", server.base("normal").toString()))
                    .offlinePace(Duration.ofMillis(1)).trustClaimedUserIds(true)
                    .allowModels("offline").allowModels("openai-compatible").build();
            Identity ann = Identity.of("ann");
            link.createWorld(ann, "ann", "Threads", null, null).get(10, TimeUnit.SECONDS);
            link.createAgent(ann, "ann", "threads", new NewAgent("Ada", "You are Ada.", "offline", null, null, null))
                    .get(10, TimeUnit.SECONDS);
            link.createAgent(ann, "ann", "threads", new NewAgent("Bo", "You are Bo.", "openai-compatible", null, null,
                    null)).get(10, TimeUnit.SECONDS);
            TestClient c = new TestClient(link, ann, true);
            c.select("", "threads", "ann");
            c.expect("connection-confirmed");

            c.request("chat-send", payload("message", "@Ada hello"));
            assertTrue(c.untilIdle().toString().contains("Ada here"), "the paced offline model answered");
            c.request("chat-send", payload("message", "@Bo hello"));
            assertTrue(c.untilIdle().toString().contains("Hello world"), "the HTTP model answered");
            assertTrue(worldLinkThreads().stream().anyMatch(n -> n.startsWith("worldlink-timer")));

            link.close();

            assertEquals(List.of(), worldLinkThreads());
        }
    }

    static java.util.Set<String> httpClientThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("HttpClient-")).collect(java.util.stream.Collectors.toSet());
    }

    @Test
    void aWorldLinkWhoseAgentsCallNoHttpModelStartsNoHttpClient() throws Exception {
        TestData.withShippedTemplates(root);
        java.util.Set<String> before = httpClientThreads();
        WorldLink link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .trustClaimedUserIds(true).build();
        TestClient c = new TestClient(link, Identity.of("ann"), true);
        c.select("fast-world", "quiet", "ann");
        c.expect("connection-confirmed");
        c.request("chat-send", payload("message", "hello"));
        c.untilIdle();
        link.close();

        java.util.Set<String> started = httpClientThreads();
        started.removeAll(before);
        assertEquals(java.util.Set.of(), started, "the HTTP models' client is made at their first call only");
    }
}
