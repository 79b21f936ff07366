package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.WorldLink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The server's builder refuses a bad value where it is given. */
class ServerBuilderTest {
    @TempDir
    Path root;

    static void refused(String expected, Executable setter) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, setter);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @Test
    void settersRefuseABadValueAtOnce() {
        try (WorldLink link = WorldLink.builder().dataRoot(root).environment(Map.of()).build()) {
            WorldLinkServer.Builder b = WorldLinkServer.builder(link);
            refused("port must be from 0 to 65535, was 70000", () -> b.port(70000));
            refused("port must be from 0 to 65535, was -1", () -> b.port(-1));
            refused("frame limit must be at least 1 byte, was 0", () -> b.maxFrameBytes(0));
            refused("stop timeout must not be negative", () -> b.stopTimeout(Duration.ofSeconds(-1)));
            assertEquals("host", assertThrows(NullPointerException.class, () -> b.host(null)).getMessage());
            assertEquals("path", assertThrows(NullPointerException.class, () -> b.path(null)).getMessage());
        }
    }
}
