package io.worldlink.jetty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadinessTest {
    @TempDir
    Path root;

    @Test
    void readyOnlyBetweenStartAndStop() {
        Readiness r = new Readiness(root.resolve("data"));
        assertEquals("The server is not serving: it is starting or stopping.", r.problem());
        r.serving(true);
        assertNull(r.problem(), "a data root that does not exist yet is made, as the storage would");
        r.serving(false);
        assertEquals("The server is not serving: it is starting or stopping.", r.problem());
    }
}
