package io.worldlink.jetty.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the server should be sent traffic: it has started and is not stopping, and the data root takes
 * writes. A load balancer or an orchestrator asks {@code /health/ready}; a full disk, a read-only mount or
 * a data root that is not a folder take the server out of rotation instead of failing every chat.
 */
public final class Readiness {
    private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);
    // One fixed name, overwritten by each probe: probes at once share it, and a crash leaves one small file.
    private static final String PROBE = ".worldlink-ready";
    private static final byte[] PROBE_CONTENT = "ready\n".getBytes(StandardCharsets.US_ASCII);

    private final Path dataRoot;
    private volatile boolean serving;
    private final AtomicBoolean failing = new AtomicBoolean();

    /** @param dataRoot the folder that must take writes, or {@code null} to check none */
    public Readiness(Path dataRoot) {
        this.dataRoot = dataRoot;
    }

    /** @param serving whether the server has started and is not stopping */
    public void serving(boolean serving) {
        this.serving = serving;
    }

    /**
     * Checks, by writing and removing a small file under the data root: the only test that a full disk or a
     * read-only mount fail alike, whoever the process runs as.
     *
     * @return why the server is not ready, in a sentence for its client, or {@code null} when it is
     */
    public String problem() {
        if (!serving) {
            return "The server is not serving: it is starting or stopping.";
        }
        if (dataRoot == null) {
            return null;
        }
        try {
            // The storage creates the data root when it first writes; so may the probe.
            Files.createDirectories(dataRoot);
            Path probe = dataRoot.resolve(PROBE);
            Files.write(probe, PROBE_CONTENT);
            Files.deleteIfExists(probe);
            if (failing.compareAndSet(true, false)) {
                LOG.info("The data root {} takes writes again: ready", dataRoot.toAbsolutePath());
            }
            return null;
        } catch (IOException e) {
            // Logged once when it starts, not at every probe; the client is not told the server's paths.
            if (failing.compareAndSet(false, true)) {
                LOG.warn("The data root {} takes no writes ({}): not ready until it does", dataRoot.toAbsolutePath(),
                        e.toString());
            }
            return "The data root takes no writes (" + e.getClass().getSimpleName() + "); see the server's log.";
        }
    }
}
