package io.worldlink.jetty;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.worldlink.ErrorCode;
import io.worldlink.MetricsListener;
import io.worldlink.WorldLink;
import io.worldlink.jetty.internal.MicrometerListener;
import io.worldlink.model.Usage;
import java.time.Duration;
import java.util.Objects;

/**
 * WorldLink's figures, and the JVM's, in a Prometheus registry (Micrometer's): the listener to hand to
 * {@link WorldLink.Builder#metrics}, and what {@link WorldLinkServer.Builder#metrics} serves at
 * {@code /metrics}. Create it before the WorldLink, which tells it of connections, turns, model calls,
 * frames and log writes; the server then adds the gauges that read what the WorldLink holds.
 *
 * <pre>{@code
 * try (WorldLinkMetrics metrics = WorldLinkMetrics.create();
 *      WorldLink link = WorldLink.builder().metrics(metrics).build();
 *      WorldLinkServer server = WorldLinkServer.builder(link).metrics(metrics).build().start()) {
 *     // GET /metrics
 * }
 * }</pre>
 *
 * Thread-safe. Its labels never hold a user id, a world name or an address, so the number of series
 * stays bounded by the host's configuration (its providers and models).
 */
public final class WorldLinkMetrics implements MetricsListener, AutoCloseable {
    private final PrometheusMeterRegistry registry;
    private final MicrometerListener listener;
    private final JvmGcMetrics gc;
    private WorldLink bound;

    private WorldLinkMetrics() {
        this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        this.listener = new MicrometerListener(registry);
        new JvmMemoryMetrics().bindTo(registry);
        this.gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
    }

    /**
     * Creates the metrics in a registry of their own, with the JVM's figures (memory, garbage collection,
     * threads, processor, uptime, classes).
     *
     * @return metrics that record nothing until a WorldLink is built with them
     */
    public static WorldLinkMetrics create() {
        return new WorldLinkMetrics();
    }

    /**
     * Returns the registry, for a host that adds meters of its own or serves them elsewhere.
     *
     * @return the registry; {@link PrometheusMeterRegistry#scrape()} gives what {@code /metrics} serves
     */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /**
     * Adds the gauges that read the WorldLink's {@link WorldLink#stats()} at each scrape: open connections,
     * loaded worlds, model calls under way, queued characters, subscriptions, tracked users. {@link
     * WorldLinkServer.Builder#metrics} calls it; a host that serves the registry itself calls it once the
     * WorldLink is built.
     *
     * @param link the WorldLink built with these metrics
     * @return this
     * @throws IllegalStateException when the gauges already read another WorldLink
     */
    public synchronized WorldLinkMetrics bind(WorldLink link) {
        Objects.requireNonNull(link, "link");
        if (bound == null) {
            listener.gauges(link);
            bound = link;
        } else if (bound != link) {
            throw new IllegalStateException("These metrics already read the stats of another WorldLink; create "
                    + "one WorldLinkMetrics for each WorldLink.");
        }
        return this;
    }

    /** Stops listening to the JVM's garbage collections and closes the registry. */
    @Override
    public void close() {
        gc.close();
        registry.close();
    }

    /** Counts a connection accepted. */
    @Override
    public void connectionOpened() {
        listener.connectionOpened();
    }

    /** Counts a connection ended, by why. */
    @Override
    public void connectionClosed(CloseReason reason) {
        listener.connectionClosed(reason);
    }

    /** Counts a request refused, by its error code. */
    @Override
    public void requestRefused(ErrorCode code) {
        listener.requestRefused(code);
    }

    /** Counts a turn started. */
    @Override
    public void turnStarted() {
        listener.turnStarted();
    }

    /** Counts a turn ended, and records how long it took. */
    @Override
    public void turnEnded(Duration duration, boolean stopped) {
        listener.turnEnded(duration, stopped);
    }

    /** Counts a model call ended, and records its durations and tokens. */
    @Override
    public void modelCallEnded(String provider, String model, CallOutcome outcome, Duration firstChunk,
            Duration duration, Usage usage) {
        listener.modelCallEnded(provider, model, outcome, firstChunk, duration, usage);
    }

    /** Counts a frame sent and its characters. */
    @Override
    public void frameSent(int characters) {
        listener.frameSent(characters);
    }

    /** Counts events logged and a sync, and records how long the sync took. */
    @Override
    public void eventsLogged(int events, Duration sync) {
        listener.eventsLogged(events, sync);
    }
}
