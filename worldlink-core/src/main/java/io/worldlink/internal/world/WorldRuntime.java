package io.worldlink.internal.world;

import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.AgentStatus;
import io.worldlink.ChatCall;
import io.worldlink.ChatListener;
import io.worldlink.ChatMessage;
import io.worldlink.ChatModel;
import io.worldlink.ChatRequest;
import io.worldlink.ErrorCode;
import io.worldlink.EventBus;
import io.worldlink.EventLog;
import io.worldlink.MemoryMessage;
import io.worldlink.MessageEvent;
import io.worldlink.MessageLevel;
import io.worldlink.MetricsListener;
import io.worldlink.Names;
import io.worldlink.NewAgent;
import io.worldlink.SenderType;
import io.worldlink.SseEvent;
import io.worldlink.SystemEvent;
import io.worldlink.Usage;
import io.worldlink.UserStorage;
import io.worldlink.WorldActionEvent;
import io.worldlink.WorldConfig;
import io.worldlink.WorldEvent;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.WorldUpdate;
import io.worldlink.internal.Durations;
import io.worldlink.internal.Ids;
import io.worldlink.internal.Json;
import io.worldlink.internal.ModelJson;
import io.worldlink.internal.model.ModelRegistry;
import io.worldlink.internal.store.Templates;
import io.worldlink.internal.world.Routing.SenderClass;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One loaded world: its agents, their memories and the rules of ROUTING.md. Every routing decision,
 * memory change and agent update runs on the world's own {@link SerialExecutor}, one at a time and in
 * order; model calls run outside it, on the shared {@link ModelDispatcher}, and feed their chunks back
 * into it. Worlds never wait for each other. The public methods are thread-safe and return at once.
 */
public final class WorldRuntime {
    /**
     * @param memoryWindow how many recent memory messages a model is sent (default 10)
     * @param memoryCap how many messages a memory holds before the oldest move to the archive (default 200)
     * @param saveDelay how long memory and call counts may wait to be written, so that the changes of a
     *     turn are written together (the event log is written at once regardless); zero writes after
     *     each burst of events
     * @param replyTimeout how long a model may send nothing before its reply is stopped with an error
     * @param clock the time source
     * @param modelPolicy what clients may change of an agent's model settings
     * @param worldPolicy how many agents a world may have, and how long its names and prompts may be
     * @param resumeTurns whether a turn that a crash cut off is taken up again when its world loads
     * @param resumeWithin how old such a turn may be to be taken up again; an older one is ended
     */
    public record Settings(int memoryWindow, int memoryCap, Duration saveDelay, Duration replyTimeout, Clock clock,
            ModelPolicy modelPolicy, WorldPolicy worldPolicy, boolean resumeTurns, Duration resumeWithin) {
        /** Checks the limits. */
        public Settings {
            if (memoryWindow < 0 || memoryCap < 4 || saveDelay.isNegative() || replyTimeout.isNegative()
                    || replyTimeout.isZero()) {
                throw new IllegalArgumentException(
                        "memoryWindow must be >= 0, memoryCap >= 4, saveDelay >= 0, replyTimeout > 0");
            }
        }
    }

    /**
     * What every world of one WorldLink shares.
     *
     * @param storage where worlds are stored
     * @param bus where their events go
     * @param models the chat models
     * @param dispatcher the shared model call limit
     * @param worldPool the pool that world executors run on
     * @param timer for delayed saves
     * @param templates the templates, whose agents' model settings (base URL, key) user worlds never hold
     * @param settings memory limits, save delay and clock
     * @param metrics what is measured
     */
    public record Shared(UserStorage storage, EventBus bus, ModelRegistry models, ModelDispatcher dispatcher,
            Executor worldPool, ScheduledExecutorService timer, Templates templates, Settings settings,
            MetricsListener metrics) {}

    /**
     * A change to an agent, as {@code agent-update} carries it; {@code null} fields stay as they are.
     *
     * @param status the new status
     * @param config fields of the config to change
     * @param systemPrompt the new system prompt
     * @param clearMemory whether to empty the memory (its messages move to the archive)
     */
    public record AgentUpdate(AgentStatus status, JsonObject config, String systemPrompt, boolean clearMemory) {}

    /**
     * The world as a client sees it when it selects it.
     *
     * @param config the world's config
     * @param agents the agents as clients see them
     * @param lastSeq the world's newest seq
     * @param worldEpoch the life of the world that the seqs count in
     */
    public record View(WorldConfig config, List<Map<String, Object>> agents, long lastSeq, String worldEpoch) {}

    /** The metadata field of a world's config that names its life (PROTOCOL.md, Replay). */
    public static final String EPOCH = "worldEpoch";

    private static final System.Logger LOG = System.getLogger(WorldRuntime.class.getName());
    // How far back the log is read for turns that a crash cut off: far more than one turn can log.
    private static final int RECOVERY_WINDOW = 2_000;
    // Agent config fields that say where a model is called and with which key: the template's alone.
    private static final List<String> CREDENTIALS = List.of("apiKey", "baseUrl");

    private final WorldKey key;
    private final UserStorage storage;
    private final EventBus bus;
    private final ModelRegistry models;
    private final ModelDispatcher dispatcher;
    private final ScheduledExecutorService timer;
    private final SerialExecutor exec;
    private final Settings settings;
    private final Templates templates;
    private final MetricsListener metrics;

    // Everything below is touched only on exec.
    private EventLog log;
    private WorldConfig config;
    private final Map<String, AgentState> agents = new LinkedHashMap<>();
    private final Set<Reply> inFlight = new LinkedHashSet<>();
    private final Set<String> dirtyConfigs = new LinkedHashSet<>();
    private final Set<String> dirtyMemories = new LinkedHashSet<>();
    private boolean flushScheduled;
    private boolean closed;
    // The events of the running burst, in order: published once the log has synced them, so that no
    // client ever sees an event that a crash could take back.
    private final List<WorldEvent> unpublished = new ArrayList<>();
    private boolean unsynced;
    private final List<CompletableFuture<Void>> quietWaiters = new ArrayList<>();
    // The agents of the world's template, read when first needed: their base URL and key stay there.
    private Map<String, AgentConfig> templateAgents;
    // While a turn that a crash cut off is walked again: what the log holds of it.
    private InterruptedTurns.Turn resuming;
    // inFlight's size, for readers off the world's thread.
    private volatile int busyReplies;

    private static final class AgentState {
        AgentConfig config;
        String systemPrompt;
        final ArrayList<MemoryMessage> memory;
        boolean limitNoticeSent;

        AgentState(AgentSnapshot s) {
            this.config = s.config();
            this.systemPrompt = s.systemPrompt();
            this.memory = new ArrayList<>(s.memory());
        }
    }

    /** A turn: started by a human or world message, over when nothing it set off is still running. */
    private static final class Turn {
        final String startMessageId;
        final long startedNanos = System.nanoTime();
        int pending;
        boolean stopped;

        Turn(String startMessageId) {
            this.startMessageId = startMessageId;
        }
    }

    private final class Reply implements ChatListener {
        final String agentId;
        final String messageId;
        final MessageEvent answering;
        final SenderClass answeringClass;
        final Turn turn;
        final StringBuilder text = new StringBuilder();
        final AtomicBoolean ended = new AtomicBoolean();
        volatile ChatCall call;
        volatile boolean cancelled;
        volatile long lastHeard = System.nanoTime();
        final long startedNanos = System.nanoTime();
        volatile long firstChunkNanos;
        volatile ScheduledFuture<?> watchdog;

        Reply(String agentId, MessageEvent answering, SenderClass answeringClass, Turn turn) {
            this.agentId = agentId;
            this.messageId = Ids.reply(answering.id(), agentId);
            this.answering = answering;
            this.answeringClass = answeringClass;
            this.turn = turn;
        }

        @Override
        public void onChunk(String chunk) {
            lastHeard = System.nanoTime();
            if (firstChunkNanos == 0) {
                firstChunkNanos = lastHeard;
            }
            exec.execute(() -> chunk(this, chunk));
        }

        @Override
        public void onComplete(Usage usage) {
            if (end()) {
                exec.execute(() -> complete(this, usage == null ? Usage.NONE : usage));
            }
        }

        @Override
        public void onError(Throwable error) {
            if (end()) {
                exec.execute(() -> fail(this, error));
            }
        }

        boolean end() {
            if (ended.compareAndSet(false, true)) {
                dispatcher.release();
                return true;
            }
            return false;
        }

        void cancel() {
            cancelled = true;
            ChatCall c = call;
            if (c != null) {
                c.cancel();
            }
            end();
        }
    }

    private WorldRuntime(WorldKey key, Shared shared) {
        this.key = key;
        this.storage = shared.storage();
        this.bus = shared.bus();
        this.models = shared.models();
        this.dispatcher = shared.dispatcher();
        this.timer = shared.timer();
        this.exec = new SerialExecutor(shared.worldPool(), this::commit);
        this.settings = shared.settings();
        this.templates = shared.templates();
        this.metrics = shared.metrics();
    }

    /**
     * Loads a user's world from storage, on its own executor.
     *
     * @param key the world
     * @param shared what worlds share
     * @return the world, once loaded
     */
    public static CompletableFuture<WorldRuntime> load(WorldKey key, Shared shared) {
        WorldRuntime world = new WorldRuntime(key, shared);
        UserStorage storage = shared.storage();
        CompletableFuture<WorldRuntime> loaded = new CompletableFuture<>();
        world.exec.execute(() -> {
            try {
                world.install(storage.loadWorld(key));
                world.ensureEpoch();
                world.removeCredentials();
                world.log = storage.openEventLog(key);
                world.takeUpInterruptedTurns();
                loaded.complete(world);
            } catch (RuntimeException e) {
                world.closed = true;
                loaded.completeExceptionally(e);
            }
        });
        return loaded;
    }

    /** @return the world's key */
    public WorldKey key() {
        return key;
    }

    /**
     * A person's chat message. The sender may be a display name, never {@code system}, {@code world} or
     * an agent of the world.
     *
     * @param messageId the id to give the message, or {@code null} for a new one
     * @param content the text
     * @param sender the person's name ({@code HUMAN} by default)
     * @return the published message
     */
    public CompletableFuture<MessageEvent> chat(String messageId, String content, String sender) {
        return onWorld(() -> {
            String s = Routing.senderName(sender);
            if (s.equalsIgnoreCase("system") || s.equalsIgnoreCase("world") || agentNamed(s) != null) {
                throw new WorldLinkException(ErrorCode.INVALID_SENDER, "A client cannot send as \"" + s
                        + "\": that name belongs to the system, the world or an agent. Choose another sender name.");
            }
            return accept(messageId, content, s);
        });
    }

    /**
     * @param eventId the id to give the {@code agent-update} event, or {@code null} for a new one
     * @param agentName an agent's id or name
     * @param update the change
     * @return the agent as clients now see it
     */
    public CompletableFuture<Map<String, Object>> updateAgent(String eventId, String agentName, AgentUpdate update) {
        return onWorld(() -> {
            AgentState a = existingAgent(agentName);
            if (update.systemPrompt() != null) {
                settings.worldPolicy().systemPrompt(update.systemPrompt());
            }
            AgentConfig changed = a.config;
            if (update.config() != null) {
                AgentConfig template = templateAgent(a.config.id());
                changed = settings.modelPolicy().apply(changed, models.providerOf(changed.provider()),
                        template == null ? null : template.model(), update.config());
            }
            if (update.status() != null) {
                changed = changed.withStatus(update.status());
            }
            storage.saveAgentConfig(key, changed);
            a.config = changed;
            dirtyConfigs.remove(a.config.id());
            if (update.systemPrompt() != null) {
                storage.saveSystemPrompt(key, a.config.id(), update.systemPrompt());
                a.systemPrompt = update.systemPrompt();
            }
            if (update.clearMemory() && !a.memory.isEmpty()) {
                storage.archiveMemory(key, a.config.id(), List.copyOf(a.memory));
                a.memory.clear();
                storage.saveMemory(key, a.config.id(), List.of());
                dirtyMemories.remove(a.config.id());
            }
            Map<String, Object> view = view(a);
            emit(new WorldActionEvent(idOrNew(eventId), now(), 0, WorldActionEvent.AGENT_UPDATE, a.config.id(),
                    Map.of("agent", view)));
            return view;
        });
    }

    /**
     * Changes the world's name, description or turn limit, and publishes a {@code world-update} event.
     *
     * @param eventId the id to give the event, or {@code null} for a new one
     * @param update the change; at least one of its fields
     * @return the world's new config
     */
    public CompletableFuture<WorldConfig> updateWorld(String eventId, WorldUpdate update) {
        return onWorld(() -> {
            WorldPolicy policy = settings.worldPolicy();
            if (update.isEmpty()) {
                throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "A world update needs name, description or "
                        + "turnLimit. Nothing was changed.");
            }
            String name = update.name() == null ? config.name() : policy.displayName("world name", update.name());
            String description = update.description() == null ? config.description()
                    : policy.description(update.description());
            int turnLimit = update.turnLimit() == null ? config.turnLimit() : policy.turnLimit(update.turnLimit());
            WorldConfig changed = new WorldConfig(config.id(), name, description, turnLimit, config.isTemplate(),
                    config.metadata(), config.extra());
            storage.saveWorldConfig(key, changed);
            config = changed;
            emit(new WorldActionEvent(idOrNew(eventId), now(), 0, WorldActionEvent.WORLD_UPDATE, null,
                    Map.of("world", WorldViews.of(changed))));
            return changed;
        });
    }

    /**
     * Adds an agent to the world, and publishes an {@code agent-create} event. Its name must be free (no
     * agent's id or name, whatever the case) and not one that ROUTING.md gives to people, the system or
     * the world; its provider and model are the host's to allow ({@link ModelPolicy#newAgent}).
     *
     * @param eventId the id to give the event, or {@code null} for a new one
     * @param spec the agent
     * @return the agent as stored
     */
    public CompletableFuture<AgentSnapshot> createAgent(String eventId, NewAgent spec) {
        return onWorld(() -> {
            WorldPolicy policy = settings.worldPolicy();
            String name = policy.displayName("agent name", spec.name());
            String id = Names.toId("agent name", name);
            policy.notReserved(name, id);
            for (AgentState a : agents.values()) {
                AgentConfig c = a.config;
                if (c.id().equals(id) || c.name().equalsIgnoreCase(name) || c.name().equalsIgnoreCase(id)
                        || c.id().equalsIgnoreCase(name)) {
                    throw new WorldLinkException(ErrorCode.INVALID_NAME, "The world has an agent called \"" + c.name()
                            + "\" (id " + c.id() + ") already; choose another name. Nothing was changed.");
                }
            }
            policy.roomForAgent(agents.size());
            String prompt = policy.systemPrompt(spec.systemPrompt() == null ? "" : spec.systemPrompt());
            String provider = spec.provider() == null || spec.provider().isBlank() ? ModelRegistry.DEFAULT
                    : spec.provider();
            AgentConfig config = settings.modelPolicy().newAgent(id, name, provider, models.providerOf(provider),
                    spec.model(), spec.temperature(), spec.maxTokens(), now());
            AgentSnapshot agent = new AgentSnapshot(config, prompt, List.of());
            storage.createAgent(key, agent);
            AgentState state = new AgentState(agent);
            agents.put(id, state);
            emit(new WorldActionEvent(idOrNew(eventId), now(), 0, WorldActionEvent.AGENT_CREATE, id,
                    Map.of("agent", view(state))));
            return agent;
        });
    }

    /**
     * Deletes an agent with its folder, and publishes an {@code agent-delete} event. A reply it is
     * streaming is stopped first, as {@link #stop} stops one: it ends with its text so far, marked stopped.
     *
     * @param eventId the id to give the event, or {@code null} for a new one
     * @param agentName the agent's id or name
     * @return the deleted agent's id
     */
    public CompletableFuture<String> deleteAgent(String eventId, String agentName) {
        return onWorld(() -> {
            String id = existingAgent(agentName).config.id();
            storage.deleteAgent(key, id);
            // Gone from the world before its replies stop, so that nothing is written to its folder again.
            agents.remove(id);
            dirtyConfigs.remove(id);
            dirtyMemories.remove(id);
            for (Reply r : new ArrayList<>(inFlight)) {
                if (r.agentId.equals(id)) {
                    r.cancel();
                    stopped(r, Ids.next());
                }
            }
            emit(new WorldActionEvent(idOrNew(eventId), now(), 0, WorldActionEvent.AGENT_DELETE, id, Map.of()));
            return id;
        });
    }

    /**
     * Reads the world again from storage (what is pending is saved first).
     *
     * @param eventId the id to give the {@code world-reload} event, or {@code null} for a new one
     * @return how many agents it has
     */
    public CompletableFuture<Integer> reload(String eventId) {
        return onWorld(() -> {
            flush();
            install(storage.loadWorld(key));
            removeCredentials();
            templateAgents = null;
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("worldName", config.id());
            details.put("agentCount", agents.size());
            emit(new WorldActionEvent(idOrNew(eventId), now(), 0, WorldActionEvent.WORLD_RELOAD, null, details));
            return agents.size();
        });
    }

    /**
     * Stops the turns in progress, as a person presses "stop" (PROTOCOL.md, "Stopping a turn"): every
     * model call is cancelled, each reply that was streaming ends with the text so far marked stopped,
     * which is logged and remembered but triggers no agent, and each turn ends with {@code idle}.
     *
     * @param eventId the id to give the first event it publishes, or {@code null} for a new one
     * @return how many replies were stopped; 0 when nothing was running
     */
    public CompletableFuture<Integer> stop(String eventId) {
        return onWorld(() -> {
            List<Reply> running = new ArrayList<>(inFlight);
            String firstId = idOrNew(eventId);
            for (Reply r : running) {
                r.cancel();
                stopped(r, r == running.get(0) ? firstId : Ids.next());
            }
            return running.size();
        });
    }

    /**
     * @param content a notice for everyone in the world
     * @param level how serious it is
     * @return the published event
     */
    public CompletableFuture<SystemEvent> notice(String content, MessageLevel level) {
        return onWorld(() -> emit(new SystemEvent(Ids.next(), now(), 0, content, level)));
    }

    /**
     * Joins a client to the world in one step of the world's executor, so that nothing happens in
     * between: {@code onJoin} gets the world as it is now (to greet the client and start its live
     * delivery) and returns where the durable events after {@code afterSeq} are replayed.
     *
     * <p>A client's seq counts in the life of the world it saw ({@code epoch}): when the world has had
     * another life since (deleted and created again), or the client claims a seq the world never
     * reached, it is replayed everything from the start.
     *
     * @param afterSeq the last seq the client has, or -1 for no replay
     * @param epoch the world's epoch that {@code afterSeq} belongs to, or {@code null} when not known
     * @param onJoin greets the client and returns the consumer of the replayed events
     * @return the world as it was when the client joined
     */
    public CompletableFuture<View> join(long afterSeq, String epoch,
            Function<View, Consumer<? super WorldEvent>> onJoin) {
        return onWorld(() -> {
            commit();
            View view = viewNow();
            Consumer<? super WorldEvent> replay = onJoin.apply(view);
            if (afterSeq >= 0) {
                boolean otherLife = (epoch != null && !epoch.equals(view.worldEpoch())) || afterSeq > view.lastSeq();
                log.forEachAfter(otherLife ? 0 : afterSeq, replay);
            }
            return view;
        });
    }

    /** @return the world as Markdown: its config, its agents and the conversation in its event log */
    public CompletableFuture<String> export() {
        return onWorld(() -> {
            List<MessageEvent> conversation = new ArrayList<>();
            log.forEachAfter(0, e -> {
                if (e instanceof MessageEvent m) {
                    conversation.add(m);
                }
            });
            List<AgentSnapshot> snapshot = new ArrayList<>();
            agents.values().forEach(a -> snapshot.add(new AgentSnapshot(a.config, a.systemPrompt, a.memory)));
            return MarkdownExport.render(new WorldSnapshot(config, snapshot), conversation, now());
        });
    }

    /** @return the world as a client sees it */
    public CompletableFuture<View> view() {
        return onWorld(this::viewNow);
    }

    /**
     * Stops the world: cancels running model calls, saves what is pending and closes the event log.
     *
     * @return done when it is stopped
     */
    public CompletableFuture<Void> close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        exec.execute(() -> {
            if (closed) {
                done.complete(null);
                return;
            }
            try {
                for (Reply r : new ArrayList<>(inFlight)) {
                    r.cancel();
                    fail(r, new WorldLinkException(ErrorCode.MODEL_ERROR, "The world was closed while agent "
                            + r.agentId + " was answering (the server is stopping); the reply was cut short."));
                }
                closed = true;
                flush();
            } finally {
                closed = true;
                if (log != null) {
                    commit();
                    log.close();
                }
                quietWaiters.forEach(w -> w.complete(null));
                quietWaiters.clear();
                done.complete(null);
            }
        });
        return done;
    }

    /**
     * Deletes the world for good: its model calls are cancelled without another event (the caller tells
     * its clients), nothing pending is saved, its log is closed, and then storage deletes it all.
     *
     * @return done when the world is deleted from storage
     */
    public CompletableFuture<Void> delete() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        exec.execute(() -> {
            try {
                if (!closed) {
                    closed = true;
                    Set<Turn> cut = new HashSet<>();
                    for (Reply r : inFlight) {
                        r.cancel();
                        ScheduledFuture<?> watchdog = r.watchdog;
                        if (watchdog != null) {
                            watchdog.cancel(false);
                        }
                        callEnded(r, MetricsListener.CallOutcome.STOPPED, Usage.NONE);
                        if (r.turn != null && cut.add(r.turn)) {
                            metrics.turnEnded(Duration.ofNanos(System.nanoTime() - r.turn.startedNanos), true);
                        }
                    }
                    inFlight.clear();
                    busyReplies = 0;
                    unpublished.clear();
                    dirtyConfigs.clear();
                    dirtyMemories.clear();
                    if (log != null) {
                        log.close();
                    }
                    quietWaiters.forEach(w -> w.complete(null));
                    quietWaiters.clear();
                }
                storage.deleteWorld(key);
                done.complete(null);
            } catch (RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    /**
     * @return done when no reply is in flight, so that the world can be closed without cutting a turn
     *     short (at once when none is)
     */
    public CompletableFuture<Void> whenQuiet() {
        if (busyReplies == 0) {
            // Nobody holds the world, so no new turn can start: quiet now stays quiet.
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> quiet = new CompletableFuture<>();
        exec.execute(() -> {
            if (closed || inFlight.isEmpty()) {
                quiet.complete(null);
            } else {
                quietWaiters.add(quiet);
            }
        });
        return quiet;
    }

    // ---- on exec from here on ----

    private <T> CompletableFuture<T> onWorld(Supplier<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        exec.execute(() -> {
            if (closed) {
                result.completeExceptionally(new WorldLinkException(ErrorCode.WORLD_NOT_FOUND,
                        "The world \"" + key.worldId() + "\" is closed; select it again."));
                return;
            }
            try {
                result.complete(action.get());
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    private void install(WorldSnapshot snapshot) {
        config = snapshot.config();
        agents.clear();
        for (AgentSnapshot a : snapshot.agents()) {
            agents.put(a.id(), new AgentState(a));
        }
    }

    private View viewNow() {
        List<Map<String, Object>> views = new ArrayList<>(agents.size());
        agents.values().forEach(a -> views.add(view(a)));
        return new View(config, views, log.lastSeq(), config.metadata().get(EPOCH));
    }

    // A user's world never holds where its agents' models are called or their keys (an older version
    // copied a template's key into every clone, and let clients set the base URL): they are dropped.
    private void removeCredentials() {
        for (AgentState a : agents.values()) {
            if (CREDENTIALS.stream().anyMatch(a.config.extra()::containsKey)) {
                a.config = a.config.withoutExtra(CREDENTIALS);
                storage.saveAgentConfig(key, a.config);
                LOG.log(Level.INFO, "Removed the base URL and key of agent " + a.config.id() + " from " + key
                        + ": they come from the template and the server's settings.");
            }
        }
    }

    private AgentConfig templateAgent(String agentId) {
        if (templateAgents == null) {
            templateAgents = readTemplateAgents();
        }
        return templateAgents.get(agentId);
    }

    private Map<String, AgentConfig> readTemplateAgents() {
        String templateId = config.metadata().get("originalTemplate");
        if (templateId == null || !Names.isValidId(templateId)) {
            return Map.of();
        }
        try {
            Map<String, AgentConfig> byId = new LinkedHashMap<>();
            templates.read(templateId).agents().forEach(t -> byId.put(t.id(), t.config()));
            return byId;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "The template " + templateId + " of " + key + " cannot be read (" + e.getMessage()
                    + "); its agents' model settings are not used.");
            return Map.of();
        }
    }

    // A world made before epochs existed (or written by hand) gets one the first time it is loaded.
    private void ensureEpoch() {
        if (config.metadata().get(EPOCH) == null) {
            Map<String, String> metadata = new LinkedHashMap<>(config.metadata());
            metadata.put(EPOCH, java.util.UUID.randomUUID().toString());
            WorldConfig withEpoch = config.withTemplate(false, metadata);
            storage.saveWorldConfig(key, withEpoch);
            config = withEpoch;
        }
    }

    private static Map<String, Object> view(AgentState a) {
        return AgentViews.of(a.config, a.systemPrompt, a.memory.size());
    }

    private AgentState existingAgent(String agentName) {
        AgentState a = agentNamed(agentName);
        if (a == null) {
            // The name is a client's: only its start is shown back.
            String shown = agentName.length() > 40 ? agentName.substring(0, 40) + "..." : agentName;
            throw new WorldLinkException(ErrorCode.AGENT_NOT_FOUND, "The world \"" + config.id()
                    + "\" has no agent \"" + shown + "\". Its agents are: " + String.join(", ", agents.keySet())
                    + ".");
        }
        return a;
    }

    private AgentState agentNamed(String name) {
        if (name == null) {
            return null;
        }
        AgentState byId = agents.get(name.toLowerCase(Locale.ROOT));
        if (byId != null) {
            return byId;
        }
        for (AgentState a : agents.values()) {
            if (a.config.name().equalsIgnoreCase(name)) {
                return a;
            }
        }
        try {
            return agents.get(Names.toId("agent name", name));
        } catch (WorldLinkException e) {
            return null;
        }
    }

    private static String idOrNew(String id) {
        return id == null ? Ids.next() : id;
    }

    private Instant now() {
        return settings.clock().instant();
    }

    private <E extends WorldEvent> E emit(E event) {
        E logged = event;
        if (event.isDurable()) {
            logged = log.append(event);
            unsynced = true;
        }
        unpublished.add(logged);
        return logged;
    }

    // Ends every burst of the world's tasks: one sync for all the burst's appends, then the events go out.
    private void commit() {
        if (unpublished.isEmpty()) {
            return;
        }
        if (unsynced) {
            unsynced = false;
            long syncStart = System.nanoTime();
            try {
                log.sync();
                int durable = 0;
                for (WorldEvent e : unpublished) {
                    if (e.seq() > 0) {
                        durable++;
                    }
                }
                metrics.eventsLogged(durable, Duration.ofNanos(System.nanoTime() - syncStart));
            } catch (RuntimeException e) {
                // Written but perhaps not on disk: clients still see them, and are told of the risk.
                LOG.log(Level.ERROR, "Could not sync the event log of " + key + ": " + e.getMessage(), e);
                unpublished.add(new SystemEvent(Ids.next(), now(), 0, "The server could not make the latest "
                        + "messages durable (a disk error); they may be lost if the server stops now.",
                        MessageLevel.ERROR));
            }
        }
        List<WorldEvent> burst = List.copyOf(unpublished);
        unpublished.clear();
        for (WorldEvent e : burst) {
            bus.publish(key, e);
        }
    }

    // For events that must reach clients even when the log cannot take them (the end of a turn, an
    // error): logged when possible, else sent without a seq.
    private void emitEvenIfUnlogged(WorldEvent event) {
        try {
            emit(event);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "Could not log " + event.type().wireName() + " event of " + key + ": "
                    + e.getMessage(), e);
            unpublished.add(event);
        }
    }

    // A failure on the world's thread never goes unseen: the world's clients get an error.
    private void reportFailure(String during, RuntimeException e) {
        LOG.log(Level.ERROR, "World " + key + " failed while " + during, e);
        String reason = e instanceof WorldLinkException w ? w.getMessage() : "an internal error (it has been logged)";
        emitEvenIfUnlogged(new SystemEvent(Ids.next(), now(), 0, "Something went wrong while " + during + ": "
                + reason, MessageLevel.ERROR));
    }

    // A person's message starts a turn.
    private MessageEvent accept(String messageId, String content, String sender) {
        if (content == null) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "The message has no text.");
        }
        MessageEvent m = emit(new MessageEvent(idOrNew(messageId), now(), sender, SenderType.HUMAN, 0, content, null,
                false));
        Turn turn = new Turn(m.id());
        metrics.turnStarted();
        try {
            route(m, SenderClass.HUMAN, turn);
        } catch (RuntimeException e) {
            reportFailure("routing a message", e);
        } finally {
            endTurnIfDone(turn);
        }
        return m;
    }

    /** ROUTING.md "Does agent A answer message M?", for every agent, and the memory rules. */
    private void route(MessageEvent m, SenderClass cls, Turn turn) {
        boolean fromPeople = cls == SenderClass.HUMAN || cls == SenderClass.WORLD;
        if (fromPeople) {
            for (AgentState a : agents.values()) {
                remember(a, MemoryMessage.of(MemoryMessage.USER, m.content(), m.sender(), m.id(), null, m.timestamp()));
            }
        }
        Set<String> leading = Routing.paragraphMentions(m.content());
        boolean anyMention = Routing.hasAnyMention(m.content());
        for (AgentState a : new ArrayList<>(agents.values())) {
            AgentConfig c = a.config;
            if (c.status() == AgentStatus.INACTIVE) {
                continue;
            }
            if (cls == SenderClass.AGENT && m.sender().equals(c.id())) {
                continue;
            }
            if (m.turnLimitNotice()) {
                continue;
            }
            if (fromPeople && (c.llmCallCount() != 0 || a.limitNoticeSent)) {
                a.config = c.withCalls(0, c.lastLLMCall(), c.lastActive());
                a.limitNoticeSent = false;
                markConfig(a);
            }
            if (a.config.llmCallCount() >= config.turnLimit()) {
                if (!a.limitNoticeSent) {
                    a.limitNoticeSent = true;
                    publishTurnLimit(a, m);
                }
                continue;
            }
            boolean named = leading.contains(c.id()) || leading.contains(c.name().toLowerCase(Locale.ROOT));
            boolean answers = fromPeople ? (anyMention ? named : true) : named;
            if (!answers) {
                continue;
            }
            if (cls == SenderClass.AGENT) {
                remember(a, MemoryMessage.of(MemoryMessage.USER, m.content(), m.sender(), m.id(),
                        m.replyToMessageId(), m.timestamp()));
            }
            startReply(a, m, cls, turn);
        }
    }

    private void publishTurnLimit(AgentState a, MessageEvent m) {
        if (resuming != null && resuming.noticed().contains(a.config.id())) {
            return;
        }
        int calls = a.config.llmCallCount();
        emit(new MessageEvent(Ids.next(), now(), a.config.id(), SenderType.AGENT, 0, "@human Turn limit reached ("
                + calls + " LLM calls). Please take control of the conversation.", m.id(), true));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("llmCallCount", calls);
        details.put("turnLimit", config.turnLimit());
        emit(new WorldActionEvent(Ids.next(), now(), 0, WorldActionEvent.TURN_LIMIT, a.config.id(), details));
    }

    private void startReply(AgentState a, MessageEvent m, SenderClass cls, Turn turn) {
        if (resuming != null && resuming.answered().contains(a.config.id() + "/" + m.id())) {
            // Its reply is in the log: it counts as the call it was, and the walk reaches the reply itself.
            a.config = a.config.withCalls(a.config.llmCallCount() + 1, a.config.lastLLMCall(), a.config.lastActive());
            markConfig(a);
            return;
        }
        Instant now = now();
        a.config = a.config.withCalls(a.config.llmCallCount() + 1, now, now);
        markConfig(a);
        ChatRequest request = request(a, m);
        Reply reply = new Reply(a.config.id(), m, cls, turn);
        if (turn != null) {
            turn.pending++;
        }
        inFlight.add(reply);
        busyReplies = inFlight.size();
        emit(new SseEvent(Ids.next(), now, a.config.id(), SseEvent.Phase.START, null, reply.messageId, null, null));
        ChatModel model;
        try {
            model = models.resolve(a.config.provider());
        } catch (WorldLinkException e) {
            dispatcher.submit(() -> reply.onError(e));
            return;
        }
        dispatcher.submit(() -> {
            if (reply.cancelled) {
                reply.end();
                return;
            }
            reply.lastHeard = System.nanoTime();
            try {
                reply.call = model.stream(request, reply);
            } catch (RuntimeException e) {
                reply.onError(e);
            }
        });
        watch(reply, settings.replyTimeout().toNanos());
    }

    // Whatever the model, a reply that hears nothing for the reply timeout is stopped, so the turn ends.
    private void watch(Reply r, long delayNanos) {
        r.watchdog = timer.schedule(() -> exec.execute(() -> {
            if (closed || !inFlight.contains(r)) {
                return;
            }
            long quiet = System.nanoTime() - r.lastHeard;
            long limit = settings.replyTimeout().toNanos();
            if (quiet < limit) {
                watch(r, limit - quiet);
                return;
            }
            r.cancel();
            fail(r, new WorldLinkException(ErrorCode.MODEL_ERROR, "The model of agent " + r.agentId
                    + " sent nothing for " + Durations.readable(settings.replyTimeout()) + "; the reply was stopped."),
                    MetricsListener.CallOutcome.TIMEOUT);
        }), delayNanos, TimeUnit.NANOSECONDS);
    }

    private ChatRequest request(AgentState a, MessageEvent m) {
        List<ChatMessage> messages = new ArrayList<>();
        if (!a.systemPrompt.isBlank()) {
            messages.add(new ChatMessage("system", a.systemPrompt));
        }
        // What the agent remembered before the message it answers: the same context whenever it is asked.
        List<MemoryMessage> history = new ArrayList<>(a.memory.size());
        for (MemoryMessage mm : a.memory) {
            if (m.id().equals(mm.messageId())) {
                break;
            }
            history.add(mm);
        }
        for (MemoryMessage mm : history.subList(Math.max(0, history.size() - settings.memoryWindow()), history.size())) {
            messages.add(new ChatMessage(mm.role(), modelText(mm.role(), mm.sender(), mm.content())));
        }
        messages.add(new ChatMessage("user", modelText("user", m.sender(), m.content())));
        Map<String, String> options = new LinkedHashMap<>();
        AgentConfig template = templateAgent(a.config.id());
        if (template != null && template.provider().equals(a.config.provider())) {
            for (String option : CREDENTIALS) {
                String value = template.extraString(option);
                if (value != null) {
                    options.put(option, value);
                }
            }
        }
        return new ChatRequest(a.config.id(), a.config.name(), a.config.model(), messages, a.config.temperature(),
                a.config.maxTokens(), options);
    }

    // The model sees who said what: others' words carry their name, a person's default name does not.
    private static String modelText(String role, String sender, String content) {
        if (!role.equals(MemoryMessage.USER) || sender == null || sender.equalsIgnoreCase("human")) {
            return content;
        }
        return sender + ": " + content;
    }

    private void chunk(Reply r, String text) {
        if (closed || !inFlight.contains(r) || text == null || text.isEmpty()) {
            return;
        }
        r.text.append(text);
        try {
            emit(new SseEvent(Ids.next(), now(), r.agentId, SseEvent.Phase.CHUNK, text, r.messageId, null, null));
        } catch (RuntimeException e) {
            reportFailure("streaming the reply of " + r.agentId, e);
        }
    }

    private void complete(Reply r, Usage usage) {
        if (closed || !inFlight.remove(r)) {
            return;
        }
        busyReplies = inFlight.size();
        callEnded(r, MetricsListener.CallOutcome.COMPLETE, usage);
        try {
            AgentState a = agents.get(r.agentId);
            String name = a == null ? r.agentId : a.config.name();
            boolean autoReply = a == null || a.config.autoReply();
            Routing.Reply finished = Routing.finish(r.text.toString(), r.agentId, name,
                    r.answeringClass == SenderClass.AGENT ? r.answering.sender() : null, autoReply);
            emit(new SseEvent(Ids.next(), now(), r.agentId, SseEvent.Phase.END, finished.content(), r.messageId,
                    usage, null));
            if (finished.content().isEmpty()) {
                return;
            }
            MessageEvent reply = emit(new MessageEvent(r.messageId, now(), r.agentId, SenderType.AGENT, 0,
                    finished.content(), r.answering.id(), false, false, finished.stop()));
            if (a != null) {
                remember(a, MemoryMessage.of(MemoryMessage.ASSISTANT, reply.content(), r.agentId, reply.id(),
                        r.answering.id(), reply.timestamp()));
            }
            if (!finished.stop()) {
                route(reply, SenderClass.AGENT, r.turn);
            }
        } catch (RuntimeException e) {
            reportFailure("finishing the reply of " + r.agentId, e);
        } finally {
            finishInTurn(r);
        }
    }

    private void callEnded(Reply r, MetricsListener.CallOutcome outcome, Usage usage) {
        AgentState a = agents.get(r.agentId);
        long end = System.nanoTime();
        long first = r.firstChunkNanos;
        metrics.modelCallEnded(a == null ? "unknown" : models.providerOf(a.config.provider()),
                a == null ? "" : a.config.model(), outcome, first == 0 ? null : Duration.ofNanos(first - r.startedNanos),
                Duration.ofNanos(end - r.startedNanos), usage);
    }

    private void stopped(Reply r, String endId) {
        if (!inFlight.remove(r)) {
            return;
        }
        busyReplies = inFlight.size();
        callEnded(r, MetricsListener.CallOutcome.STOPPED, Usage.NONE);
        if (r.turn != null) {
            r.turn.stopped = true;
        }
        try {
            String text = r.text.toString();
            emit(new SseEvent(endId, now(), r.agentId, SseEvent.Phase.END, text, r.messageId, null, null, true));
            if (!text.isEmpty()) {
                MessageEvent reply = emit(new MessageEvent(r.messageId, now(), r.agentId, SenderType.AGENT, 0, text,
                        r.answering.id(), false, true, false));
                AgentState a = agents.get(r.agentId);
                if (a != null) {
                    remember(a, new MemoryMessage(MemoryMessage.ASSISTANT, text, r.agentId, reply.id(),
                            r.answering.id(), reply.timestamp(), Map.of("stopped", new JsonPrimitive(true))));
                }
            }
        } catch (RuntimeException e) {
            reportFailure("stopping the reply of " + r.agentId, e);
        } finally {
            finishInTurn(r);
        }
    }

    private void fail(Reply r, Throwable error) {
        fail(r, error, MetricsListener.CallOutcome.ERROR);
    }

    private void fail(Reply r, Throwable error, MetricsListener.CallOutcome outcome) {
        if (closed || !inFlight.remove(r)) {
            return;
        }
        busyReplies = inFlight.size();
        callEnded(r, outcome, Usage.NONE);
        try {
            String message = error instanceof WorldLinkException w ? w.getMessage()
                    : "The model failed (" + error.getClass().getSimpleName() + ").";
            if (!(error instanceof WorldLinkException)) {
                LOG.log(Level.WARNING, "The model of agent " + r.agentId + " in " + key + " failed", error);
            }
            emitEvenIfUnlogged(new SseEvent(Ids.next(), now(), r.agentId, SseEvent.Phase.ERROR, r.text.toString(),
                    r.messageId, null, message));
        } finally {
            finishInTurn(r);
        }
    }

    private void finishInTurn(Reply r) {
        ScheduledFuture<?> watchdog = r.watchdog;
        if (watchdog != null) {
            // With the pool's remove-on-cancel policy this also frees the reply at once.
            watchdog.cancel(false);
        }
        if (r.turn != null) {
            r.turn.pending--;
            endTurnIfDone(r.turn);
        }
        if (inFlight.isEmpty() && !quietWaiters.isEmpty()) {
            quietWaiters.forEach(w -> w.complete(null));
            quietWaiters.clear();
        }
    }

    private void endTurnIfDone(Turn turn) {
        if (turn != null && turn.pending == 0) {
            turn.pending = -1;
            metrics.turnEnded(Duration.ofNanos(System.nanoTime() - turn.startedNanos), turn.stopped);
            emitEvenIfUnlogged(new WorldActionEvent(Ids.next(), now(), 0, WorldActionEvent.IDLE, null,
                    Map.of("messageId", turn.startMessageId)));
        }
    }

    // ---- turns that a crash cut off ----

    /**
     * Takes up the turns that the log shows without their end: the turn is walked again by the routing
     * rules over what the log holds, so that memories and call counts become what they were, and only the
     * replies that the log lacks are asked for; then the turn ends with {@code idle} as usual. A turn
     * older than the setting allows, or every turn when taking up is off, ends with a notice instead.
     */
    private void takeUpInterruptedTurns() {
        List<WorldEvent> tail = new ArrayList<>();
        log.forEachAfter(Math.max(0, log.lastSeq() - RECOVERY_WINDOW), tail::add);
        for (InterruptedTurns.Turn interrupted : InterruptedTurns.in(tail)) {
            MessageEvent start = interrupted.start();
            Turn turn = new Turn(start.id());
            boolean recent = !start.timestamp().isBefore(now().minus(settings.resumeWithin()));
            if (settings.resumeTurns() && recent) {
                LOG.log(Level.INFO, "Taking up a turn of " + key + " that a restart cut off (message " + start.id()
                        + ").");
                walk(interrupted, turn);
            } else {
                emitEvenIfUnlogged(new SystemEvent(Ids.next(), now(), 0, "The server restarted while a turn was "
                        + "under way; its unfinished replies were not taken up again. Send the message again to "
                        + "ask once more.", MessageLevel.WARNING));
            }
            endTurnIfDone(turn);
        }
    }

    private void walk(InterruptedTurns.Turn interrupted, Turn turn) {
        resuming = interrupted;
        try {
            for (MessageEvent m : interrupted.messages()) {
                if (m == interrupted.start()) {
                    route(m, m.senderType() == SenderType.WORLD ? SenderClass.WORLD : SenderClass.HUMAN, turn);
                    continue;
                }
                AgentState a = agents.get(m.sender());
                if (m.turnLimitNotice() || a == null) {
                    continue;
                }
                remember(a, new MemoryMessage(MemoryMessage.ASSISTANT, m.content(), m.sender(), m.id(),
                        m.replyToMessageId(), m.timestamp(), m.stopped() ? Map.of("stopped", new JsonPrimitive(true))
                                : Map.of()));
                if (m.triggers()) {
                    route(m, SenderClass.AGENT, turn);
                }
            }
        } catch (RuntimeException e) {
            reportFailure("taking up a turn that a restart cut off", e);
        } finally {
            resuming = null;
        }
    }

    private static boolean remembers(AgentState a, MemoryMessage message) {
        for (int i = a.memory.size() - 1; i >= 0; i--) {
            MemoryMessage mm = a.memory.get(i);
            if (message.messageId() != null && message.messageId().equals(mm.messageId())
                    && message.role().equals(mm.role())) {
                return true;
            }
        }
        return false;
    }

    // ---- memory and saving ----

    private void remember(AgentState a, MemoryMessage message) {
        if (resuming != null && remembers(a, message)) {
            return;
        }
        a.memory.add(message);
        if (a.memory.size() > settings.memoryCap()) {
            // Archive a batch at a time, so that a full memory does not write an archive file per message.
            int keep = settings.memoryCap() - settings.memoryCap() / 4;
            List<MemoryMessage> old = new ArrayList<>(a.memory.subList(0, a.memory.size() - keep));
            storage.archiveMemory(key, a.config.id(), old);
            a.memory.subList(0, old.size()).clear();
        }
        dirtyMemories.add(a.config.id());
        scheduleFlush();
    }

    private void markConfig(AgentState a) {
        dirtyConfigs.add(a.config.id());
        scheduleFlush();
    }

    // Changes are gathered and written together: right after the burst of events that made them, or,
    // with a save delay, once per delay (a turn's memory changes then cost one write per agent).
    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            Runnable flushOnWorld = () -> exec.execute(() -> {
                if (!closed) {
                    flush();
                }
            });
            if (settings.saveDelay().isZero()) {
                flushOnWorld.run();
            } else {
                timer.schedule(flushOnWorld, settings.saveDelay().toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    private void flush() {
        flushScheduled = false;
        for (String id : List.copyOf(dirtyConfigs)) {
            AgentState a = agents.get(id);
            if (a == null || save(() -> storage.saveAgentConfig(key, a.config))) {
                dirtyConfigs.remove(id);
            }
        }
        for (String id : List.copyOf(dirtyMemories)) {
            AgentState a = agents.get(id);
            if (a == null || save(() -> storage.saveMemory(key, id, List.copyOf(a.memory)))) {
                dirtyMemories.remove(id);
            }
        }
    }

    private boolean save(Runnable write) {
        try {
            write.run();
            return true;
        } catch (RuntimeException e) {
            // Kept dirty: the next change tries again, and close() does too.
            LOG.log(Level.ERROR, "Could not save world " + key + ": " + e.getMessage(), e);
            return false;
        }
    }
}
