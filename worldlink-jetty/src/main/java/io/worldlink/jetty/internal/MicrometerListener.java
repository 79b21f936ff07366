package io.worldlink.jetty.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.worldlink.ErrorCode;
import io.worldlink.MetricsListener;
import io.worldlink.WorldLink;
import io.worldlink.model.Usage;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * Records what WorldLink tells a {@link MetricsListener} in a Micrometer registry. Every meter whose labels
 * are an enum is made up front, so a callback only increments or records; the meters of a provider and
 * model are made the first time a call to them ends. No label ever holds a user id, a world name or an
 * address: only enums, and provider and model names, which the host's configuration bounds.
 */
public final class MicrometerListener implements MetricsListener {
    /** The model label of an agent that names none: its provider's default model is asked. */
    private static final String DEFAULT_MODEL = "default";

    // Buckets that fit each figure, instead of Micrometer's generic ones: fewer series, and their edges
    // where an operator would set an alert.
    private static final Duration[] TURN_BUCKETS = seconds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300);
    private static final Duration[] CALL_BUCKETS = seconds(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120);
    private static final Duration[] FIRST_CHUNK_BUCKETS = seconds(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30);
    private static final Duration[] SYNC_BUCKETS = seconds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1);

    private final MeterRegistry registry;
    private final Counter opened;
    private final Map<CloseReason, Counter> closed = new EnumMap<>(CloseReason.class);
    private final Map<ErrorCode, Counter> refused = new EnumMap<>(ErrorCode.class);
    private final Counter turnsStarted;
    private final Counter turnsEnded;
    private final Counter turnsStopped;
    private final Timer turnDuration;
    private final Counter framesSent;
    private final Counter charactersSent;
    private final Counter eventsLogged;
    private final Counter syncs;
    private final Timer syncDuration;
    private final Map<String, Map<String, ModelMeters>> models = new ConcurrentHashMap<>();

    /** @param registry where the meters go */
    public MicrometerListener(MeterRegistry registry) {
        this.registry = registry;
        this.opened = Counter.builder("worldlink.connections.opened").description("Connections accepted")
                .register(registry);
        for (CloseReason reason : CloseReason.values()) {
            closed.put(reason, Counter.builder("worldlink.connections.closed").tag("reason", reason.name())
                    .description("Connections ended, by why").register(registry));
        }
        for (ErrorCode code : ErrorCode.values()) {
            refused.put(code, Counter.builder("worldlink.requests.refused").tag("code", code.name())
                    .description("Requests answered with an error, or dropped (RATE_LIMITED), by the error's code")
                    .register(registry));
        }
        this.turnsStarted = Counter.builder("worldlink.turns.started").description("Turns started")
                .register(registry);
        this.turnsEnded = Counter.builder("worldlink.turns.ended").description("Turns ended, stopped ones included")
                .register(registry);
        this.turnsStopped = Counter.builder("worldlink.turns.stopped").description("Turns a client stopped")
                .register(registry);
        this.turnDuration = Timer.builder("worldlink.turn.duration").serviceLevelObjectives(TURN_BUCKETS)
                .description("From a turn's message to its idle").register(registry);
        this.framesSent = Counter.builder("worldlink.frames.sent").description("Frames sent to clients")
                .register(registry);
        this.charactersSent = Counter.builder("worldlink.characters.sent")
                .description("Characters of the frames sent to clients").register(registry);
        this.eventsLogged = Counter.builder("worldlink.log.events")
                .description("Events appended to the worlds' event logs").register(registry);
        this.syncs = Counter.builder("worldlink.log.syncs").description("Syncs of the worlds' event logs")
                .register(registry);
        this.syncDuration = Timer.builder("worldlink.log.sync.duration").serviceLevelObjectives(SYNC_BUCKETS)
                .description("How long a sync of an event log took").register(registry);
    }

    /**
     * Adds the gauges that read what the WorldLink holds when the registry is scraped.
     *
     * @param link the WorldLink this listener is told of
     */
    public void gauges(WorldLink link) {
        gauge(link, "worldlink.connections.open", "Open connections", s -> s.connections());
        gauge(link, "worldlink.worlds.loaded", "Worlds in memory", s -> s.loadedWorlds());
        gauge(link, "worldlink.model.calls.active", "Model calls under way", s -> s.activeModelCalls());
        gauge(link, "worldlink.queued.characters", "Characters held for clients over all connections: frames and "
                + "exports waiting to be sent, requests waiting their turn", s -> s.queuedCharacters());
        gauge(link, "worldlink.subscriptions", "Open event bus subscriptions of this process",
                s -> s.subscriptions());
        gauge(link, "worldlink.users.tracked", "Users with a connection, or whose folder waits to be deleted",
                s -> s.trackedUsers());
    }

    private void gauge(WorldLink link, String name, String description, ToDoubleFunction<WorldLink.Stats> figure) {
        // Held strongly: a host may keep only the server, and a gauge whose WorldLink was collected reads NaN.
        Gauge.builder(name, link, l -> figure.applyAsDouble(l.stats())).description(description)
                .strongReference(true).register(registry);
    }

    @Override
    public void connectionOpened() {
        opened.increment();
    }

    @Override
    public void connectionClosed(CloseReason reason) {
        closed.get(reason).increment();
    }

    @Override
    public void requestRefused(ErrorCode code) {
        refused.get(code).increment();
    }

    @Override
    public void turnStarted() {
        turnsStarted.increment();
    }

    @Override
    public void turnEnded(Duration duration, boolean stopped) {
        turnsEnded.increment();
        if (stopped) {
            turnsStopped.increment();
        }
        turnDuration.record(duration);
    }

    @Override
    public void modelCallEnded(String provider, String model, CallOutcome outcome, Duration firstChunk,
            Duration duration, Usage usage) {
        ModelMeters m = meters(provider, model.isEmpty() ? DEFAULT_MODEL : model);
        m.calls.get(outcome).increment();
        m.durations.get(outcome).record(duration);
        if (firstChunk != null) {
            m.firstChunk.record(firstChunk);
        }
        if (usage.inputTokens() > 0) {
            m.inputTokens.increment(usage.inputTokens());
        }
        if (usage.outputTokens() > 0) {
            m.outputTokens.increment(usage.outputTokens());
        }
    }

    @Override
    public void frameSent(int characters) {
        framesSent.increment();
        charactersSent.increment(characters);
    }

    @Override
    public void eventsLogged(int events, Duration sync) {
        eventsLogged.increment(events);
        syncs.increment();
        syncDuration.record(sync);
    }

    // A plain get first: after a provider and model's first call this takes no lock.
    private ModelMeters meters(String provider, String model) {
        Map<String, ModelMeters> byModel = models.get(provider);
        if (byModel == null) {
            byModel = models.computeIfAbsent(provider, p -> new ConcurrentHashMap<>());
        }
        ModelMeters m = byModel.get(model);
        return m != null ? m : byModel.computeIfAbsent(model, x -> new ModelMeters(registry, provider, model));
    }

    /** The meters of one provider and model. */
    private static final class ModelMeters {
        final Map<CallOutcome, Counter> calls = new EnumMap<>(CallOutcome.class);
        final Map<CallOutcome, Timer> durations = new EnumMap<>(CallOutcome.class);
        final Timer firstChunk;
        final Counter inputTokens;
        final Counter outputTokens;

        ModelMeters(MeterRegistry registry, String provider, String model) {
            for (CallOutcome outcome : CallOutcome.values()) {
                calls.put(outcome, Counter.builder("worldlink.model.calls").tag("provider", provider)
                        .tag("model", model).tag("outcome", outcome.name())
                        .description("Model calls ended, by provider, model and outcome").register(registry));
                durations.put(outcome, Timer.builder("worldlink.model.call.duration").tag("provider", provider)
                        .tag("model", model).tag("outcome", outcome.name()).serviceLevelObjectives(CALL_BUCKETS)
                        .description("From a model call to its end").register(registry));
            }
            this.firstChunk = Timer.builder("worldlink.model.first.chunk").tag("provider", provider)
                    .tag("model", model).serviceLevelObjectives(FIRST_CHUNK_BUCKETS)
                    .description("From a model call to its first piece of text").register(registry);
            this.inputTokens = tokens(registry, provider, model, "input");
            this.outputTokens = tokens(registry, provider, model, "output");
        }

        private static Counter tokens(MeterRegistry registry, String provider, String model, String type) {
            return Counter.builder("worldlink.model.tokens").tag("provider", provider).tag("model", model)
                    .tag("type", type).description("Tokens the models reported, sent to them (input) or made "
                            + "by them (output)").register(registry);
        }
    }

    private static Duration[] seconds(double... edges) {
        Duration[] out = new Duration[edges.length];
        for (int i = 0; i < edges.length; i++) {
            out[i] = Duration.ofNanos(Math.round(edges[i] * 1e9));
        }
        return out;
    }
}
