package io.worldlink;

import io.worldlink.cluster.Cluster;
import io.worldlink.event.EventLogStore;
import io.worldlink.event.MessageLevel;
import io.worldlink.internal.CountedEventBus;
import io.worldlink.internal.Daemons;
import io.worldlink.internal.Durations;
import io.worldlink.internal.Names;
import io.worldlink.internal.model.JdkModelTransport;
import io.worldlink.internal.model.ModelRegistry;
import io.worldlink.internal.model.ModelTimer;
import io.worldlink.internal.protocol.Limits;
import io.worldlink.internal.protocol.LinkService;
import io.worldlink.internal.store.FileUserStorage;
import io.worldlink.internal.world.ModelDispatcher;
import io.worldlink.internal.world.ModelPolicy;
import io.worldlink.internal.world.WorldPolicy;
import io.worldlink.internal.world.WorldRuntime;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ModelTransport;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The entry point: one immutable, thread-safe object that serves worlds of agents to connections. A
 * host builds it once, hands it each client connection ({@link #connect}) with the identity the client
 * proved ({@link #authenticate}), and closes it when it stops.
 *
 * <pre>{@code
 * try (WorldLink link = WorldLink.builder().dataRoot(Path.of("data")).build()) {
 *     Connection c = link.connect(transport, link.authenticate(token));
 *     c.receive("{\"type\":\"world-select\",\"payload\":{...}}");
 * }
 * }</pre>
 *
 * Its four seams have defaults and can be replaced in the {@link Builder}: where user worlds are stored
 * ({@link UserStorage}), how templates become user worlds ({@link WorldCloner}), how events travel
 * ({@link EventBus}) and what handles each client request ({@link MessageRouter}). So can where templates
 * and event logs are kept ({@link TemplateStore}, {@link io.worldlink.event.EventLogStore}), which chat
 * models answer ({@link ChatModel}) and who clients are ({@link Authenticator}).
 */
public final class WorldLink implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WorldLink.class.getName());

    /**
     * A snapshot of what a WorldLink holds, for health checks and leak checks.
     *
     * @param connections open connections
     * @param loadedWorlds worlds in memory
     * @param subscriptions event bus subscriptions this WorldLink holds open
     * @param trackedUsers users with a connection, or with a grace period running before their folder is deleted
     * @param activeModelCalls model calls under way
     * @param queuedCharacters characters held for clients over all connections: frames and exports waiting
     *     to be sent, requests waiting their turn; what {@link Builder#maxTotalQueuedChars} bounds
     */
    public record Stats(int connections, int loadedWorlds, int subscriptions, int trackedUsers, int activeModelCalls,
            long queuedCharacters) {}

    private final LinkService service;
    private final TemplateStore templates;
    private final CountedEventBus bus;
    private final Authenticator authenticator;
    private final ModelDispatcher dispatcher;
    private final String defaultProvider;
    private final List<ExecutorService> owned;
    private final List<Daemons.Tracked> ownedThreads = new ArrayList<>();

    private WorldLink(Builder b) {
        int cores = Runtime.getRuntime().availableProcessors();
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, owned("worldlink-timer"));
        timer.setRemoveOnCancelPolicy(true);
        this.owned = new ArrayList<>(List.of(timer));
        ExecutorService worldPool = b.worldExecutor;
        if (worldPool == null) {
            worldPool = Executors.newFixedThreadPool(Math.max(2, cores), owned("worldlink-world"));
            owned.add(worldPool);
        }
        ExecutorService modelPool = b.modelExecutor;
        if (modelPool == null) {
            modelPool = Executors.newFixedThreadPool(Math.max(4, 2 * cores), owned("worldlink-model"));
            owned.add(modelPool);
        }
        ModelTransport transport = b.modelTransport;
        if (transport == null) {
            // The JDK client works on a pool of its own, so that a host's model that blocks the model pool
            // cannot hold up the HTTP models' streams; its threads start with the first call.
            ExecutorService modelHttpPool = Executors.newFixedThreadPool(Math.max(2, cores),
                    owned("worldlink-model-http"));
            owned.add(modelHttpPool);
            transport = new JdkModelTransport(b.modelFirstByteTimeout, modelHttpPool);
        }
        // Whatever refuses this configuration from here on (a default provider that no model has, a data
        // root that cannot be read) must not leave the pools behind.
        try {
            if (b.cluster != null && b.bus != null) {
                throw new IllegalStateException("A cluster carries the events between its nodes: give cluster(...) "
                        + "or eventBus(...), not both.");
            }
            this.bus = new CountedEventBus(b.cluster != null ? b.cluster.bus()
                    : b.bus != null ? b.bus : EventBus.inProcess());
            this.templates = b.templates != null ? b.templates : TemplateStore.files(b.dataRoot);
            EventLogStore logs = b.eventLogs != null ? b.eventLogs : EventLogStore.files(b.dataRoot, b.syncWrites);
            if (b.cluster != null) {
                logs = b.cluster.fenced(logs);
            }
            UserStorage storage = b.storage;
            if (storage == null) {
                FileUserStorage files = new FileUserStorage(b.dataRoot, b.syncWrites);
                for (String removed : files.removeInterruptedClones()) {
                    LOG.log(System.Logger.Level.INFO, "Removed " + removed
                            + ", left by a clone that a crash interrupted.");
                }
                storage = files;
            }
            WorldCloner cloner = b.cloner != null ? b.cloner : WorldCloner.fromTemplates(templates);
            Map<String, ChatModel> models = new LinkedHashMap<>(ModelRegistry.fromEnvironment(b.environment,
                    b.offlinePace, b.modelFirstByteTimeout, b.modelGapTimeout, ModelTimer.shared(timer), transport));
            models.putAll(b.models);
            this.defaultProvider = b.defaultProvider != null ? b.defaultProvider
                    : ModelRegistry.defaultProvider(b.environment);
            ModelRegistry registry = new ModelRegistry(models, defaultProvider);
            this.authenticator = b.authenticator != null ? b.authenticator : Authenticator.none();
            this.dispatcher = new ModelDispatcher(modelPool, b.maxConcurrentModelCalls, b.maxWaitingModelCalls);
            this.service = new LinkService(new WorldRuntime.Shared(storage, logs, bus, registry, dispatcher, worldPool,
                    timer, templates,
                    new WorldRuntime.Settings(b.memoryWindow, b.memoryCap, b.maxMemoryChars, b.saveDelay,
                            b.replyTimeout, b.clock,
                            new ModelPolicy(b.maxTokensCap, b.allowedModels), new WorldPolicy(b.maxAgentsPerWorld,
                            b.maxSystemPromptChars, b.maxNameChars, b.maxDescriptionChars, b.maxTurnLimit, b.maxChatsPerWorld,
                            b.maxLogBytes),
                            b.resumeTurns, b.resumeWithin), b.metrics),
                    cloner,
                    b.anonymousGracePeriod, new Limits(b.maxFrameChars, b.maxQueuedChars, b.maxTotalQueuedChars,
                    b.requestsPerSecond,
                    b.requestBurst, b.maxConnections, b.maxConnectionsPerAddress, b.maxConnectionsPerUser,
                    b.maxLoadedWorlds, b.maxWorldsPerUser, b.maxWorldsPerAnonymousUser, b.selectTimeout),
                    b.trustClaimedUserIds, b.router, b.cluster);
            if (b.trustClaimedUserIds) {
                LOG.log(System.Logger.Level.WARNING, "Insecure mode: clients may claim any user id without proof.");
            }
            recover(storage, b.anonymousGracePeriod);
            if (templates.list().isEmpty()) {
                LOG.log(System.Logger.Level.WARNING, "There are no templates" + (b.templates != null ? ""
                        : " in " + b.dataRoot.toAbsolutePath().normalize().resolve("worlds")) + ": clients can open "
                        + "only worlds that exist already. Point dataRoot(...) at the folder whose worlds/ holds the "
                        + "templates, or give templates(...).");
            }
        } catch (RuntimeException | Error e) {
            stopOwned();
            throw e;
        }
    }

    // What a crash left behind: anonymous users' folders that no connection will delete any more.
    private void recover(UserStorage storage, Duration grace) {
        List<UserId> leftovers = storage.listUsers().stream().filter(UserId::isAnonymous).toList();
        if (!leftovers.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "Found the folders of " + leftovers.size() + " anonymous users left by a "
                    + "previous run; each is deleted after the grace period (" + Durations.readable(grace)
                    + ") unless its user comes back: " + String.join(", ", leftovers.stream().map(UserId::value)
                            .limit(20).toList()) + (leftovers.size() > 20 ? ", ..." : ""));
            service.adoptLeftovers(leftovers);
        }
    }

    /** {@return a builder with the defaults: data root {@code ./data}, offline model, no authentication} */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Checks the token a client offered when it connected.
     *
     * @param token the token, or {@code null}
     * @return who the client is
     */
    public Identity authenticate(String token) {
        return authenticator.authenticate(token);
    }

    /**
     * Starts serving one client connection.
     *
     * @param transport how to send to it and close it
     * @param identity who it proved to be (from {@link #authenticate})
     * @return the connection; give it the client's frames and tell it when the transport closed
     */
    public Connection connect(Transport transport, Identity identity) {
        return service.connect(Objects.requireNonNull(transport, "transport"),
                Objects.requireNonNull(identity, "identity"));
    }

    /** {@return the ids of the template worlds under the data root's {@code worlds/}, sorted} */
    public List<String> templates() {
        return templates.list();
    }

    /**
     * {@return the template as it is now}
     *
     * @param templateName a template's name or id
     * @throws WorldLinkException {@link ErrorCode#TEMPLATE_NOT_FOUND} or {@link ErrorCode#INVALID_NAME}
     */
    public WorldSnapshot template(String templateName) {
        return templates.read(Names.toId("template name", templateName));
    }

    /**
     * The worlds of a user, with the same access rules as {@code world-select}.
     *
     * @param identity what the caller proved (from {@link #authenticate})
     * @param userId the user
     * @return the ids of the user's worlds, sorted
     * @throws WorldLinkException {@link ErrorCode#AUTH_REQUIRED}, {@link ErrorCode#FORBIDDEN},
     *     {@link ErrorCode#INVALID_NAME}
     */
    public List<String> worlds(Identity identity, String userId) {
        return service.worlds(identity, userId);
    }

    /**
     * {@return the world as it is now: as loaded when a connection has it loaded (its memories and call
     * counts are stored as snapshots, which may be behind), else as stored; in a cluster, a world that another
     * node holds selected and not written yet is read from that node}
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world's name
     * @throws WorldLinkException {@link ErrorCode#WORLD_NOT_FOUND} and the access errors
     */
    public WorldSnapshot world(Identity identity, String userId, String worldName) {
        return service.world(identity, userId, worldName);
    }

    /**
     * {@return the world as Markdown: its settings, its agents and its conversation; fails with {@link
     *     ErrorCode#WORLD_NOT_FOUND} and the access errors}
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world's name
     */
    public CompletableFuture<String> export(Identity identity, String userId, String worldName) {
        return export(identity, userId, worldName, null);
    }

    /**
     * Exports one chat of a world, or all of them.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world's name
     * @param chatId the chat, or {@code null} for every chat
     * @return the world as Markdown: its settings, its agents and the conversation of the chat (or of each
     *     chat); fails with {@link ErrorCode#WORLD_NOT_FOUND}, {@link ErrorCode#CHAT_NOT_FOUND} and the access
     *     errors
     */
    public CompletableFuture<String> export(Identity identity, String userId, String worldName, String chatId) {
        return failing(() -> service.export(Objects.requireNonNull(identity, "identity"), userId, worldName, chatId));
    }

    // ---- chats: the same rules as the protocol's requests (docs/protocol-chats.md) ----

    /**
     * Lists the chats of a world.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world's name
     * @return the chats, newest first; fails with {@link ErrorCode#WORLD_NOT_FOUND} and the access errors
     */
    public CompletableFuture<List<Chat>> chats(Identity identity, String userId, String worldName) {
        return failing(() -> service.chats(Objects.requireNonNull(identity, "identity"), userId, worldName));
    }

    /**
     * Creates a chat in a world, within the chat limit, and tells the world's clients.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world's name
     * @param name the chat's name, or {@code null} to name it after its first message
     * @return the chat; fails with {@link ErrorCode#QUOTA_EXCEEDED}, {@link ErrorCode#INVALID_NAME} for a name
     *     too long, {@link ErrorCode#WORLD_NOT_FOUND} and the access errors
     */
    public CompletableFuture<Chat> createChat(Identity identity, String userId, String worldName, String name) {
        return failing(() -> service.createChat(Objects.requireNonNull(identity, "identity"), userId, worldName, name));
    }

    /**
     * Renames a chat, and tells the world's clients.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world's name
     * @param chatId the chat
     * @param name its new name
     * @return the chat; fails with {@link ErrorCode#CHAT_NOT_FOUND}, {@link ErrorCode#INVALID_NAME},
     *     {@link ErrorCode#WORLD_NOT_FOUND} and the access errors
     */
    public CompletableFuture<Chat> renameChat(Identity identity, String userId, String worldName, String chatId,
            String name) {
        return failing(() -> service.renameChat(Objects.requireNonNull(identity, "identity"), userId, worldName, chatId,
                name));
    }

    /**
     * Deletes a chat: its messages leave every agent's memory, and its clients move to another chat.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world's name
     * @param chatId the chat
     * @return the chat its clients moved to; fails with {@link ErrorCode#CHAT_NOT_FOUND},
     *     {@link ErrorCode#WORLD_NOT_FOUND} and the access errors
     */
    public CompletableFuture<Chat> deleteChat(Identity identity, String userId, String worldName, String chatId) {
        return failing(() -> service.deleteChat(Objects.requireNonNull(identity, "identity"), userId, worldName, chatId));
    }

    // ---- managing worlds and agents: the same rules as the protocol's requests (docs/protocol-management.md) ----

    /**
     * Creates a user's world, cloned from a template or empty (a config, no agents), within the user's
     * world quota. The world is not loaded; a client selects it with {@code world-select}.
     *
     * @param identity what the caller proved (from {@link #authenticate})
     * @param userId the owner
     * @param worldName the world's display name; its id is made from it as {@link WorldKey#of} makes it
     * @param templateName the template to clone, or {@code null} for an empty world
     * @param description the world's description, or {@code null} for the template's (empty for an empty world)
     * @return the world as stored; fails with {@link ErrorCode#INVALID_NAME} when the user has a world of that
     *     id already, {@link ErrorCode#QUOTA_EXCEEDED}, {@link ErrorCode#TEMPLATE_NOT_FOUND},
     *     {@link ErrorCode#INVALID_MESSAGE} for a description too long, and the access errors
     */
    public CompletableFuture<WorldSnapshot> createWorld(Identity identity, String userId, String worldName,
            String templateName, String description) {
        return failing(() -> service.createWorld(Objects.requireNonNull(identity, "identity"), userId, worldName,
                templateName, description));
    }

    /**
     * Changes a world's name, description or turn limit; every client of the world gets {@code world-updated}.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world
     * @param update the change
     * @return the world's new config; fails with {@link ErrorCode#WORLD_NOT_FOUND},
     *     {@link ErrorCode#INVALID_MESSAGE} or {@link ErrorCode#INVALID_NAME} for a value refused, and the
     *     access errors
     */
    public CompletableFuture<WorldConfig> updateWorld(Identity identity, String userId, String worldName,
            WorldUpdate update) {
        return failing(() -> service.updateWorld(Objects.requireNonNull(identity, "identity"), userId, worldName,
                Objects.requireNonNull(update, "update")));
    }

    /**
     * Deletes a world for good: its turn in progress is cancelled, every connection in it is told
     * ({@code world-deleted}) and is then in no world, and its folder (config, agents, memories, event
     * log) goes. A world created later under the same name starts a new life, with a new epoch.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world
     * @return done when the world is deleted; fails with {@link ErrorCode#WORLD_NOT_FOUND} and the access errors
     */
    public CompletableFuture<Void> deleteWorld(Identity identity, String userId, String worldName) {
        return failing(() -> service.deleteWorld(Objects.requireNonNull(identity, "identity"), userId, worldName));
    }

    /**
     * Adds an agent to a world; every client of the world gets {@code agent-created}.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world
     * @param agent the agent: a free name, and a provider and model that {@link Builder#allowModels} allows
     * @return the agent as stored; fails with {@link ErrorCode#INVALID_NAME} for a name taken or reserved,
     *     {@link ErrorCode#FORBIDDEN} for a provider or model not allowed, {@link ErrorCode#QUOTA_EXCEEDED}
     *     when the world has as many agents as it may, {@link ErrorCode#INVALID_MESSAGE} for a value out of
     *     range, {@link ErrorCode#WORLD_NOT_FOUND} and the access errors
     */
    public CompletableFuture<AgentSnapshot> createAgent(Identity identity, String userId, String worldName,
            NewAgent agent) {
        return failing(() -> service.createAgent(Objects.requireNonNull(identity, "identity"), userId, worldName,
                Objects.requireNonNull(agent, "agent")));
    }

    /**
     * Deletes an agent and its folder; a reply it is streaming is stopped, and every client of the world
     * gets {@code agent-deleted}.
     *
     * @param identity what the caller proved
     * @param userId the owner
     * @param worldName the world
     * @param agentName the agent's id or name
     * @return done when it is deleted; fails with {@link ErrorCode#AGENT_NOT_FOUND},
     *     {@link ErrorCode#WORLD_NOT_FOUND} and the access errors
     */
    public CompletableFuture<Void> deleteAgent(Identity identity, String userId, String worldName, String agentName) {
        return failing(() -> service.deleteAgent(Objects.requireNonNull(identity, "identity"), userId, worldName,
                agentName).thenApply(id -> null));
    }

    // An asynchronous method never throws: whatever its checks refuse fails the future it returns.
    private static <T> CompletableFuture<T> failing(Supplier<CompletableFuture<T>> call) {
        try {
            return call.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    // ---- for the host application (seed 004's notification API) ----

    /**
     * Publishes a system notice to one world; every client in it sees a {@code system-message}, and the
     * notice is logged like every durable event. A world that is not loaded is loaded for the moment.
     *
     * @param userId the world's owner
     * @param worldName the world
     * @param content the notice
     * @param level how serious it is
     * @return done when it is published; fails with {@link ErrorCode#WORLD_NOT_FOUND} when there is no such world,
     *     {@link ErrorCode#INVALID_NAME} for an invalid user id or world name
     */
    public CompletableFuture<Void> notifyWorld(String userId, String worldName, String content, MessageLevel level) {
        return failing(() -> service.notifyWorld(userId, worldName, Objects.requireNonNull(content, "content"),
                Objects.requireNonNull(level, "level")));
    }

    /**
     * Publishes a system notice to every loaded world of a user.
     *
     * @param userId the user
     * @param content the notice
     * @param level how serious it is
     * @return how many worlds it reached; fails with {@link ErrorCode#INVALID_NAME} for an invalid user id
     */
    public CompletableFuture<Integer> notifyUser(String userId, String content, MessageLevel level) {
        return failing(() -> service.notifyLoaded(UserId.of(userId), Objects.requireNonNull(content, "content"),
                Objects.requireNonNull(level, "level")));
    }

    /**
     * Publishes a system notice to every loaded world.
     *
     * @param content the notice
     * @param level how serious it is
     * @return how many worlds it reached
     */
    public CompletableFuture<Integer> broadcast(String content, MessageLevel level) {
        return failing(() -> service.notifyLoaded(null, Objects.requireNonNull(content, "content"),
                Objects.requireNonNull(level, "level")));
    }

    /** {@return the worlds loaded now} */
    public List<WorldKey> loadedWorlds() {
        return service.loadedWorlds();
    }

    /** {@return what this WorldLink holds now} */
    public Stats stats() {
        return new Stats(service.connectionCount(), service.loadedWorldCount(), bus.openSubscriptions(),
                service.trackedUsers(), dispatcher.active(), service.queuedCharacters());
    }

    /** {@return the provider that agents with provider {@code default} use} */
    public String defaultProvider() {
        return defaultProvider;
    }

    /**
     * Closes every connection with 1001, saves and closes every world, deletes the folders of anonymous
     * users, and stops WorldLink's threads (its pools, its timer and the timers of the built-in models),
     * waiting up to 30 s for the worlds to be saved and closed, then up to 10 s for the threads to end.
     */
    @Override
    public void close() {
        try {
            service.shutdown().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "WorldLink did not stop cleanly within 30 s", e);
        }
        stopOwned();
    }

    private Daemons.Tracked owned(String prefix) {
        Daemons.Tracked threads = Daemons.tracked(prefix);
        ownedThreads.add(threads);
        return threads;
    }

    private void stopOwned() {
        owned.forEach(ExecutorService::shutdownNow);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try {
            for (ExecutorService pool : owned) {
                if (!pool.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
                    LOG.log(System.Logger.Level.WARNING, "A thread of WorldLink did not stop within 10 s.");
                    return;
                }
            }
            for (Daemons.Tracked threads : ownedThreads) {
                if (!threads.join(deadline)) {
                    LOG.log(System.Logger.Level.WARNING, "A thread of WorldLink did not end within 10 s.");
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Configures a {@link WorldLink}. Not thread-safe; {@link #build()} may be called more than once. */
    public static final class Builder {
        private Path dataRoot = Path.of("data");
        private UserStorage storage;
        private TemplateStore templates;
        private EventLogStore eventLogs;
        private WorldCloner cloner;
        private EventBus bus;
        private Cluster cluster;
        private UnaryOperator<MessageRouter> router = UnaryOperator.identity();
        private final Map<String, ChatModel> models = new LinkedHashMap<>();
        private String defaultProvider;
        private Map<String, String> environment = System.getenv();
        private Duration offlinePace = Duration.ofMillis(25);
        private Authenticator authenticator;
        private boolean trustClaimedUserIds;
        private int maxFrameChars = 64 * 1024;
        private long maxQueuedChars = 4L * 1024 * 1024;
        private long maxTotalQueuedChars = 64L * 1024 * 1024;
        private double requestsPerSecond = 20;
        private int requestBurst = 40;
        private Duration anonymousGracePeriod = Duration.ofSeconds(30);
        private ExecutorService worldExecutor;
        private ExecutorService modelExecutor;
        private int maxConcurrentModelCalls = 256;
        private int maxWaitingModelCalls = 1024;
        private int memoryWindow = 10;
        private int memoryCap = 200;
        private int maxMemoryChars = 64 * 1024;
        private Duration saveDelay = Duration.ofSeconds(5);
        private Duration replyTimeout = Duration.ofMinutes(2);
        private Clock clock = Clock.systemUTC();
        private boolean syncWrites = true;
        private Duration modelFirstByteTimeout = Duration.ofSeconds(60);
        private Duration modelGapTimeout = Duration.ofSeconds(30);
        private ModelTransport modelTransport;
        private int maxTokensCap = 8192;
        private final Map<String, Set<String>> allowedModels = new LinkedHashMap<>();
        private int maxConnections = 10_000;
        private int maxConnectionsPerAddress = 100;
        private int maxConnectionsPerUser = 20;
        private int maxLoadedWorlds = 10_000;
        private int maxWorldsPerUser = 100;
        private int maxWorldsPerAnonymousUser = 3;
        private Duration selectTimeout = Duration.ofSeconds(30);
        private boolean resumeTurns = true;
        private MetricsListener metrics = MetricsListener.NONE;
        private Duration resumeWithin = Duration.ofMinutes(10);
        private int maxAgentsPerWorld = 16;
        private int maxSystemPromptChars = 16 * 1024;
        private int maxNameChars = 100;
        private int maxDescriptionChars = 2000;
        private int maxTurnLimit = 50;
        private int maxChatsPerWorld = 100;
        private long maxLogBytes = 64L * 1024 * 1024;

        private Builder() {}

        /**
         * Sets the folder with {@code worlds/} (templates) and {@code users/}.
         *
         * @param dataRoot the folder with {@code worlds/} (templates) and {@code users/}; default {@code ./data}
         * @return this
         */
        public Builder dataRoot(Path dataRoot) {
            this.dataRoot = Objects.requireNonNull(dataRoot, "dataRoot");
            return this;
        }

        /**
         * Sets where user worlds are kept.
         *
         * @param storage where user worlds are kept; default: files under the data root. The default event logs
         *     live in the worlds' folders there: a storage that keeps worlds elsewhere needs
         *     {@link #eventLogs} too
         * @return this
         */
        public Builder storage(UserStorage storage) {
            this.storage = Objects.requireNonNull(storage, "storage");
            return this;
        }

        /**
         * Sets where the template worlds are read.
         *
         * @param templates where the template worlds are read; default: the data root's {@code worlds/}
         * @return this
         */
        public Builder templates(TemplateStore templates) {
            this.templates = Objects.requireNonNull(templates, "templates");
            return this;
        }

        /**
         * Sets where each world's event log is kept.
         *
         * @param logs where each world's event log is kept; default: {@code events.jsonl} in each world's
         *     folder under the data root
         * @return this
         */
        public Builder eventLogs(EventLogStore logs) {
            this.eventLogs = Objects.requireNonNull(logs, "logs");
            return this;
        }

        /**
         * Replaces or wraps the router that handles what clients send (see {@link MessageRouter}). A second
         * call replaces the first: to wrap twice, compose in one function.
         *
         * @param router given WorldLink's own router (the wire protocol), returns the one to use: a wrapper
         *     that passes on what it does not handle itself, or a router of the host's own
         * @return this
         */
        public Builder messageRouter(UnaryOperator<MessageRouter> router) {
            this.router = Objects.requireNonNull(router, "router");
            return this;
        }

        /**
         * Sets how templates become user worlds.
         *
         * @param cloner how templates become user worlds; default: copies of the templates
         * @return this
         */
        public Builder cloner(WorldCloner cloner) {
            this.cloner = Objects.requireNonNull(cloner, "cloner");
            return this;
        }

        /**
         * Sets how world events travel.
         *
         * @param bus how world events travel; default: in this process
         * @return this
         */
        public Builder eventBus(EventBus bus) {
            this.bus = Objects.requireNonNull(bus, "bus");
            return this;
        }

        /**
         * Makes this WorldLink one node of a cluster: a world runs on the node that holds its lease, clients
         * of the other nodes reach it through the cluster, and its events travel on the cluster's bus. All
         * nodes share one data root and are built with the same settings. The host closes the cluster after
         * this WorldLink.
         *
         * @param cluster this node's link to the others (for example {@code worldlink-redis}'s
         *     {@code ClusterNode}); default: none, a single node
         * @return this
         */
        public Builder cluster(Cluster cluster) {
            this.cluster = Objects.requireNonNull(cluster, "cluster");
            return this;
        }

        /**
         * Adds or replaces a provider: agents whose config names it use this model.
         *
         * @param provider the provider name ({@code offline}, {@code openai}, {@code ollama},
         *     {@code openai-compatible} are there by default)
         * @param model the model
         * @return this
         */
        public Builder chatModel(String provider, ChatModel model) {
            models.put(Objects.requireNonNull(provider, "provider"), Objects.requireNonNull(model, "model"));
            return this;
        }

        /**
         * Sets the provider that agents with provider {@code default} use.
         *
         * @param provider the provider that agents with provider {@code default} use; default
         *     {@code WORLDLINK_PROVIDER}, else {@code offline}
         * @return this
         */
        public Builder defaultProvider(String provider) {
            this.defaultProvider = Objects.requireNonNull(provider, "provider");
            return this;
        }

        /**
         * Sets where provider settings ({@code OPENAI_API_KEY}, ...) are read.
         *
         * @param environment where provider settings ({@code OPENAI_API_KEY}, ...) are read; default the
         *     process environment
         * @return this
         */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
            return this;
        }

        /**
         * Sets the offline model's pause between words.
         *
         * @param pace the offline model's pause between words; default 25 ms, zero for none
         * @return this
         */
        public Builder offlinePace(Duration pace) {
            if (Objects.requireNonNull(pace, "pace").isNegative()) {
                throw new IllegalArgumentException("the offline pace must not be negative, was " + pace);
            }
            this.offlinePace = pace;
            return this;
        }

        /**
         * Sets who clients are.
         *
         * @param authenticator who clients are; default: nobody is signed in (anonymous users only)
         * @return this
         */
        public Builder authenticator(Authenticator authenticator) {
            this.authenticator = Objects.requireNonNull(authenticator, "authenticator");
            return this;
        }

        /**
         * Insecure, for development only: trust the user id that a client claims, without proof.
         *
         * @param trust whether to trust claimed user ids; default {@code false}
         * @return this
         */
        public Builder trustClaimedUserIds(boolean trust) {
            this.trustClaimedUserIds = trust;
            return this;
        }

        /**
         * Sets the largest frame a client may send.
         *
         * @param chars the largest frame a client may send (default 64 KiB); a larger one closes it with 1009
         * @return this
         */
        public Builder maxFrameChars(int chars) {
            this.maxFrameChars = atLeast(256, chars, "the frame limit");
            return this;
        }

        /**
         * Sets how much may wait to be sent to one client.
         *
         * @param chars how much may wait to be sent to one client (default 4 Mi characters) before it
         *     is closed with 1013; at least the frame limit, which {@link #build()} checks
         * @return this
         */
        public Builder maxQueuedChars(long chars) {
            if (chars < 256) {
                throw new IllegalArgumentException("the queue limit must be at least 256, was " + chars);
            }
            this.maxQueuedChars = chars;
            return this;
        }

        /**
         * Sets how much may be held for clients over all connections (frames and exports waiting to be sent,
         * requests waiting their turn): the server-wide budget that keeps clients that do not read from holding
         * more memory than the host has, however many they are.
         *
         * <p>A connection is behind when it holds more than 8 Ki characters. When the total passes the
         * budget, the connections that are behind are closed with 1013, those that hold the most first,
         * until the total is within it, and a world's export that it still cannot take is refused with
         * {@link ErrorCode#QUOTA_EXCEEDED}; a connection that keeps up is never closed for the others'
         * backlog. So what waits over all connections stays under the budget plus 8 Ki characters for each
         * connection: with the defaults, 64 Mi plus 78 Mi characters for 10,000 connections, or plus 0.8 Mi
         * for the 100 connections one address may have. {@link Stats#queuedCharacters()} reports the total.
         *
         * @param chars the budget, at least 256; default 64 Mi characters. Frames are JSON, mostly ASCII,
         *     held one byte a character (two for text in other scripts), so the default is about 64 MiB,
         *     a sixth of the launcher's 384 MB heap. Below {@link #maxQueuedChars}, it caps a lone
         *     connection too.
         * @return this
         */
        public Builder maxTotalQueuedChars(long chars) {
            if (chars < 256) {
                throw new IllegalArgumentException("the total queue limit must be at least 256, was " + chars);
            }
            this.maxTotalQueuedChars = chars;
            return this;
        }

        /**
         * Sets the sustained request rate of one connection and how many requests it may send at once.
         *
         * @param perSecond the sustained request rate of one connection (default 20)
         * @param burst how many requests it may send at once (default 40)
         * @return this
         */
        public Builder rateLimit(double perSecond, int burst) {
            if (!(perSecond > 0) || Double.isInfinite(perSecond)) {
                throw new IllegalArgumentException("the request rate must be positive and finite, was " + perSecond);
            }
            this.requestBurst = atLeast(1, burst, "the request burst");
            this.requestsPerSecond = perSecond;
            return this;
        }

        /**
         * Sets how long an anonymous user's folder outlives their last connection.
         *
         * @param grace how long an anonymous user's folder outlives their last connection (default 30 s;
         *     zero deletes it at once); a reconnect within it keeps the world
         * @return this
         */
        public Builder anonymousGracePeriod(Duration grace) {
            if (Objects.requireNonNull(grace, "grace").isNegative()) {
                throw new IllegalArgumentException("the grace period must not be negative");
            }
            this.anonymousGracePeriod = grace;
            return this;
        }

        /**
         * Sets the pool that worlds run on (each world runs one task at a time on it).
         *
         * @param executor the pool that worlds run on (each world runs one task at a time on it); default
         *     a fixed pool of one thread per core. A given executor is not shut down by {@link #close()}.
         * @return this
         */
        public Builder worldExecutor(ExecutorService executor) {
            this.worldExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Sets the pool that model calls are started on.
         *
         * @param executor the pool that model calls are started on; default a fixed pool of two threads
         *     per core. A given executor is not shut down by {@link #close()}.
         * @return this
         */
        public Builder modelExecutor(ExecutorService executor) {
            this.modelExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /**
         * Sets how many model calls may run at once over all worlds.
         *
         * @param limit how many model calls may run at once over all worlds (default 256)
         * @return this
         */
        public Builder maxConcurrentModelCalls(int limit) {
            this.maxConcurrentModelCalls = atLeast(1, limit, "the model call limit");
            return this;
        }

        /**
         * Sets how many model calls may wait, over all worlds, while {@link #maxConcurrentModelCalls} run. A call
         * past it is not made: that agent's reply ends at once with a {@code MODEL_ERROR} that its clients see,
         * as a failed call's does, and the turn goes on (with {@code idle} when it was the last reply);
         * nothing else is lost. Without it the queue was bounded only by the worlds times their chats times
         * their agents.
         *
         * <p>Each waiting call holds its request: the system prompt, the memory's window and the message. The
         * default, 1,024, is four times the calls that run at once by default: at about 10 s a call of an HTTP
         * model, the last of them starts within 40 s, well inside the 2-minute reply timeout, which a deeper
         * queue would mostly fill with calls that time out before they start.
         *
         * @param calls the calls that may wait, at least 1; default 1,024
         * @return this
         */
        public Builder maxWaitingModelCalls(int calls) {
            this.maxWaitingModelCalls = atLeast(1, calls, "the model calls that may wait");
            return this;
        }

        /**
         * Sets how much of an agent's memory a model is sent, and how much a memory holds.
         *
         * @param window how many recent memory messages a model is sent (default 10), zero or more
         * @param cap how many messages a memory holds before older ones move to the archive (default 200),
         *     at least 4
         * @return this
         */
        public Builder memory(int window, int cap) {
            this.memoryWindow = atLeast(0, window, "the memory window");
            this.memoryCap = atLeast(4, cap, "the memory cap");
            return this;
        }

        /**
         * Sets how many characters an agent's memory holds over all its chats: past it, the oldest of its
         * messages, of any chat, move to the archive beside it ({@code archive/}), down to three quarters of the
         * cap, as the per-chat cap of {@link #memory} moves them. The message just remembered always stays,
         * however long. Persisted memory follows the same rule: {@code memory.json} is written from the capped
         * memory, and the log's replay after a crash caps it the same way.
         *
         * <p>Without it, a memory is bounded only by the per-chat cap times the chats (200 messages of up to
         * a frame each, in up to 100 chats). The default, 64 Ki characters, still holds a model's window of 10
         * messages of 6.5 Ki characters each (a long reply), and makes an agent's memory at most 64 KiB of
         * Latin text (128 KiB in other scripts): a world of the templates' 2 or 3 agents at most 192 KiB, so
         * 1,000 worlds at their fullest take about half the launcher's 384 MB heap, and the 100 connections
         * one address may have, each holding a world of 16 agents, 100 MiB. A host that expects many full
         * worlds at once (the loaded-world quota allows 10,000) sizes its heap, or lowers this cap.
         *
         * @param chars the cap, at least 1,024 characters; default 65,536
         * @return this
         */
        public Builder maxMemoryChars(int chars) {
            this.maxMemoryChars = atLeast(1024, chars, "the memory's character cap");
            return this;
        }

        /**
         * Sets how long a world must go without a change to its agents' memories and call counts before
         * their snapshot ({@code memory.json}, {@code config.json}) is written. Memory is derived state:
         * messages are written to the world's event log before anyone sees them, whatever this is, and a
         * world that loads rebuilds from the log whatever its snapshot lacks. A world that never goes quiet
         * writes its snapshot after every 1,000 events of its log, and every world when it closes.
         *
         * @param delay the quiet period (default 5 s); zero writes the snapshot after each burst of events
         * @return this
         */
        public Builder saveDelay(Duration delay) {
            if (Objects.requireNonNull(delay, "delay").isNegative()) {
                throw new IllegalArgumentException("the save delay must not be negative");
            }
            this.saveDelay = delay;
            return this;
        }

        /**
         * Sets how long any chat model may stay silent before its reply is stopped.
         *
         * @param timeout how long any chat model may send nothing before its reply is stopped with a
         *     {@code MODEL_ERROR} and the turn goes on (default 2 minutes); the OpenAI-compatible client
         *     has its own, shorter timeouts as well
         * @return this
         */
        public Builder replyTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the reply timeout must be positive");
            }
            this.replyTimeout = timeout;
            return this;
        }

        /**
         * How long the built-in HTTP models ({@code openai}, {@code ollama}, {@code openai-compatible})
         * wait for a model server, before the reply ends with a {@code MODEL_ERROR}.
         *
         * @param firstByte for the response to start (default 60 s)
         * @param gap between two pieces of a streamed reply (default 30 s)
         * @return this
         */
        public Builder modelTimeouts(Duration firstByte, Duration gap) {
            Objects.requireNonNull(firstByte, "firstByte");
            Objects.requireNonNull(gap, "gap");
            if (firstByte.isNegative() || firstByte.isZero() || gap.isNegative() || gap.isZero()) {
                throw new IllegalArgumentException("model timeouts must be positive");
            }
            this.modelFirstByteTimeout = firstByte;
            this.modelGapTimeout = gap;
            return this;
        }

        /**
         * Sets what the built-in HTTP models ({@code openai}, {@code ollama}, {@code openai-compatible}) send
         * their requests with. The default is the JDK's {@code HttpClient} on a fixed pool of WorldLink's.
         * WorldLink does not close a transport it is given: its owner does, after {@link WorldLink#close()}.
         *
         * @param transport the transport
         * @return this
         */
        public Builder modelTransport(ModelTransport transport) {
            this.modelTransport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /**
         * Sets the time source.
         *
         * @param clock the time source (default UTC system clock)
         * @return this
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Whether files are synced to the disk before WorldLink relies on them: an event is on disk before
         * any client sees it, and a rewritten file survives a power loss. Off trades that safety for speed
         * (a crash of the process still loses nothing; a crash of the machine may).
         *
         * @param sync whether to sync; default {@code true}. Applies to the default file storage.
         * @return this
         */
        public Builder syncWrites(boolean sync) {
            this.syncWrites = sync;
            return this;
        }

        /**
         * Sets the largest {@code maxTokens} a client may give an agent.
         *
         * @param cap the largest {@code maxTokens} a client may give an agent (default 8192)
         * @return this
         */
        public Builder maxTokensCap(int cap) {
            this.maxTokensCap = atLeast(1, cap, "the maxTokens cap");
            return this;
        }

        /**
         * Lets clients switch the agents of a provider to these models ({@code agent-update}
         * {@code config.model}), and add agents of this provider with one of these models or the provider's
         * default ({@code agent-create}). By default an agent keeps the model its template gives it, and a
         * new agent has the provider {@code default} with its default model.
         *
         * @param provider a provider name, such as {@code openai}
         * @param models the models clients may choose for that provider's agents
         * @return this
         */
        public Builder allowModels(String provider, String... models) {
            Objects.requireNonNull(provider, "provider");
            Set<String> set = allowedModels.computeIfAbsent(provider, p -> new LinkedHashSet<>());
            for (String m : models) {
                set.add(Objects.requireNonNull(m, "model"));
            }
            return this;
        }

        /**
         * Sets how many connections may be open at once.
         *
         * @param max connections open at once (default 10,000); past it a new connection is told
         *     {@code QUOTA_EXCEEDED} and closed
         * @return this
         */
        public Builder maxConnections(int max) {
            this.maxConnections = atLeast(1, max, "the connection limit");
            return this;
        }

        /**
         * Sets how many connections one remote address may have open at once.
         *
         * @param max connections open at once from one remote address (default 100), as the host's
         *     {@link Transport#remoteAddress()} reports it
         * @return this
         */
        public Builder maxConnectionsPerAddress(int max) {
            this.maxConnectionsPerAddress = atLeast(1, max, "the connection limit per address");
            return this;
        }

        /**
         * Sets how many connections may be in one user's worlds at once.
         *
         * @param max connections in one user's worlds at once (default 20)
         * @return this
         */
        public Builder maxConnectionsPerUser(int max) {
            this.maxConnectionsPerUser = atLeast(1, max, "the connection limit per user");
            return this;
        }

        /**
         * Sets how many worlds may be loaded at once.
         *
         * @param max worlds loaded at once (default 10,000)
         * @return this
         */
        public Builder maxLoadedWorlds(int max) {
            this.maxLoadedWorlds = atLeast(1, max, "the loaded world limit");
            return this;
        }

        /**
         * Sets how many worlds a signed user and an anonymous user may have.
         *
         * @param signed worlds a signed user may have (default 100)
         * @param anonymous worlds an anonymous user may have (default 3)
         * @return this
         */
        public Builder maxWorldsPerUser(int signed, int anonymous) {
            this.maxWorldsPerUser = atLeast(1, signed, "the world limit per user");
            this.maxWorldsPerAnonymousUser = atLeast(1, anonymous, "the world limit per anonymous user");
            return this;
        }

        /**
         * Sets how many agents one world may have; adding one more is {@code QUOTA_EXCEEDED}.
         *
         * @param max agents per world (default 16)
         * @return this
         */
        public Builder maxAgentsPerWorld(int max) {
            this.maxAgentsPerWorld = atLeast(1, max, "the agent limit per world");
            return this;
        }

        /**
         * Sets the longest system prompt a client may give an agent ({@code agent-create},
         * {@code agent-update}); a longer one is {@code INVALID_MESSAGE}.
         *
         * @param max characters (default 16,384)
         * @return this
         */
        public Builder maxSystemPromptChars(int max) {
            this.maxSystemPromptChars = atLeast(1, max, "the system prompt limit");
            return this;
        }

        /**
         * Sets the longest display name a client may give a world or an agent; a longer one is
         * {@code INVALID_NAME}. Ids, made from names, have at most 64 characters
         * whatever this is.
         *
         * @param max characters (default 100)
         * @return this
         */
        public Builder maxNameChars(int max) {
            this.maxNameChars = atLeast(1, max, "the name limit");
            return this;
        }

        /**
         * Sets the longest description a client may give a world; a longer one is {@code INVALID_MESSAGE}.
         *
         * @param max characters (default 2,000)
         * @return this
         */
        public Builder maxDescriptionChars(int max) {
            this.maxDescriptionChars = atLeast(1, max, "the description limit");
            return this;
        }

        /**
         * Sets the highest turn limit a client may give a world ({@code world-update}): how many model calls
         * each agent may make, answering each other, before a person speaks again.
         *
         * @param max the highest turn limit (default 50)
         * @return this
         */
        public Builder maxTurnLimit(int max) {
            this.maxTurnLimit = atLeast(1, max, "the highest turn limit");
            return this;
        }

        /**
         * Sets how many chats one world may have (default 100); a {@code chat-create} past it is
         * {@link ErrorCode#QUOTA_EXCEEDED}.
         *
         * @param max at least 1
         * @return this builder
         */
        public Builder maxChatsPerWorld(int max) {
            this.maxChatsPerWorld = atLeast(1, max, "chats per world");
            return this;
        }

        /**
         * Sets how large a world's event log may grow by what clients add to it. Once the log holds as many
         * bytes, each request that would add to it what a client chose (a chat message, a chat created,
         * renamed or deleted, an agent created or changed, the world changed or reloaded) is refused with
         * {@link ErrorCode#QUOTA_EXCEEDED} and a message that says what to do: export the world, then delete it
         * and start again from its template, or go on in another world. Reading, exporting, stopping a turn,
         * deleting an agent and deleting the world still work, and the turn under way finishes: its replies,
         * errors and {@code idle} are never refused, so a log may pass the limit by one turn. The check reads
         * the size that the log keeps as it appends ({@link io.worldlink.event.EventLog#size()}).
         *
         * <p>The default, 64 MiB, holds about 95,000 messages of 500 characters (an event of about 700 bytes), or
         * 1,000 of the largest a client may send: a year or more of a person's daily use. It is not larger
         * because a world's log is read whole when the world loads, to find its last seq and index it: on a
         * loaded 2-core machine that took 0.6-1.8 s at 64 MiB and 2-5.6 s at 256 MiB, on a world thread, for
         * every select of a world that is not loaded; and because each of a signed user's 100 worlds may hold
         * that much on the disk.
         *
         * @param bytes the limit, at least 1; default 64 MiB
         * @return this
         */
        public Builder maxLogBytes(long bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("the log size limit must be at least 1 byte, was " + bytes);
            }
            this.maxLogBytes = bytes;
            return this;
        }

        /**
         * Sets how long a connection may stay without selecting a world before it is closed.
         *
         * @param timeout how long a connection may stay without selecting a world before it is closed
         *     (default 30 s)
         * @return this
         */
        public Builder selectTimeout(Duration timeout) {
            if (Objects.requireNonNull(timeout, "timeout").isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("the select timeout must be positive");
            }
            this.selectTimeout = timeout;
            return this;
        }

        /**
         * What happens to a turn that a crash cut off, when its world is loaded again: by default it is
         * taken up again (each agent whose reply the log lacks answers from the context it had, and the turn
         * ends with {@code idle}); a turn older than {@code within}, or every turn when {@code resume} is
         * off, ends with a notice that it was interrupted, and {@code idle}.
         *
         * @param resume whether to take such turns up again (default {@code true})
         * @param within how old a turn may be to be taken up (default 10 minutes)
         * @return this
         */
        public Builder interruptedTurns(boolean resume, Duration within) {
            if (Objects.requireNonNull(within, "within").isNegative()) {
                throw new IllegalArgumentException("the age of a turn to take up must not be negative");
            }
            this.resumeTurns = resume;
            this.resumeWithin = within;
            return this;
        }

        /**
         * Sets what is told of connections, turns, model calls, frames and log writes.
         *
         * @param listener told of connections, turns, model calls, frames and log writes as they happen
         *     (default: nothing is recorded); it must return at once
         * @return this
         */
        public Builder metrics(MetricsListener listener) {
            this.metrics = Objects.requireNonNull(listener, "listener");
            return this;
        }

        private static int atLeast(int min, int value, String what) {
            if (value < min) {
                throw new IllegalArgumentException(what + " must be at least " + min + ", was " + value);
            }
            return value;
        }

        /**
         * {@return a new WorldLink with this configuration}
         *
         * @throws IllegalArgumentException when the queue limit is below the frame limit, or the default provider
         *     is none of the models; no thread is left behind
         */
        public WorldLink build() {
            // The one check that involves two setters, made before any pool exists.
            if (maxQueuedChars < maxFrameChars) {
                throw new IllegalArgumentException("the queue limit (" + maxQueuedChars + ") must be at least the "
                        + "frame limit (" + maxFrameChars + ")");
            }
            return new WorldLink(this);
        }
    }
}
