package io.worldlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** A builder refuses a bad value where it is given, before build() makes any thread pool. */
class BuilderTest {
    @TempDir
    Path root;

    static void refused(String expected, Executable setter) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, setter);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void settersRefuseABadValueAtOnce() {
        WorldLink.Builder b = WorldLink.builder();
        refused("frame limit must be at least 256, was 10", () -> b.maxFrameChars(10));
        refused("queue limit must be at least 256", () -> b.maxQueuedChars(-1));
        refused("total queue limit must be at least 256, was 100", () -> b.maxTotalQueuedChars(100));
        refused("request rate must be positive", () -> b.rateLimit(0, 1));
        refused("request rate must be positive", () -> b.rateLimit(Double.NaN, 1));
        refused("request burst must be at least 1", () -> b.rateLimit(1, 0));
        refused("memory window must be at least 0, was -1", () -> b.memory(-1, 200));
        refused("memory cap must be at least 4, was 2", () -> b.memory(10, 2));
        refused("memory's character cap must be at least 1024, was 1000", () -> b.maxMemoryChars(1000));
        refused("model call limit must be at least 1, was 0", () -> b.maxConcurrentModelCalls(0));
        refused("model calls that may wait must be at least 1, was 0", () -> b.maxWaitingModelCalls(0));
        refused("log size limit must be at least 1 byte, was 0", () -> b.maxLogBytes(0));
        refused("offline pace must not be negative", () -> b.offlinePace(Duration.ofMillis(-1)));
        NullPointerException npe = assertThrows(NullPointerException.class, () -> b.modelTimeouts(null,
                Duration.ofSeconds(1)));
        assertEquals("firstByte", npe.getMessage());
        assertEquals("environment", assertThrows(NullPointerException.class, () -> b.environment(null)).getMessage());
    }

    @Test
    void aBadCombinationRefusedByBuildLeavesNoThreadBehind() {
        List<String> before = NoThreadSurvivesCloseTest.worldLinkThreads();
        WorldLink.Builder b = WorldLink.builder().dataRoot(root).environment(Map.of()).maxFrameChars(100_000)
                .maxQueuedChars(50_000);
        refused("queue limit (50000) must be at least the frame limit (100000)", b::build);
        refused("The default provider \"nowhere\"", WorldLink.builder().dataRoot(root).environment(Map.of())
                .defaultProvider("nowhere")::build);
        assertEquals(before, NoThreadSurvivesCloseTest.worldLinkThreads());
    }
}
