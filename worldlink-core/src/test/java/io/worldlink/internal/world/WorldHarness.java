package io.worldlink.internal.world;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.AgentStatus;
import io.worldlink.EventBus;
import io.worldlink.Subscription;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldSnapshot;
import io.worldlink.event.EventLog;
import io.worldlink.event.EventLogStore;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.model.ModelRegistry;
import io.worldlink.internal.store.FileTemplateStore;
import io.worldlink.model.ChatModel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A world on disk with scripted agents, loaded into a runtime, and every event it publishes in a queue. */
final class WorldHarness implements AutoCloseable {
    static final long WAIT_SECONDS = 10;
    static final Duration REPLY_TIMEOUT = Duration.ofMillis(300);
    /** A page that holds as much as a test's world has. */
    static final WorldRuntime.PageLimit WHOLE = new WorldRuntime.PageLimit(100_000, Long.MAX_VALUE);

    final UserStorage storage;
    final EventBus bus = EventBus.inProcess();
    final ScriptedModel model = new ScriptedModel();
    final ExecutorService pool = Executors.newFixedThreadPool(4);
    final ModelDispatcher dispatcher = new ModelDispatcher(pool, 8, 64);
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final WorldKey key = new WorldKey(UserId.of("ann"), "test");
    final BlockingQueue<WorldEvent> events = new LinkedBlockingQueue<>();
    final WorldRuntime world;
    final Subscription subscription;

    WorldHarness(Path root, int turnLimit, int memoryWindow, int memoryCap, List<AgentConfig> agents) {
        this(root, turnLimit, memoryWindow, memoryCap, agents, null, List.of());
    }

    WorldHarness(Path root, int turnLimit, int memoryWindow, int memoryCap, List<AgentConfig> agents,
            ChatModel chatModel) {
        this(root, turnLimit, memoryWindow, memoryCap, agents, chatModel, List.of());
    }

    /**
     * @param logged events that the world's log holds before it loads (a turn in them that has no idle is
     *     taken up when the world loads, as after a restart)
     */
    WorldHarness(Path root, int turnLimit, int memoryWindow, int memoryCap, List<AgentConfig> agents,
            ChatModel chatModel, List<WorldEvent> logged) {
        storage = UserStorage.files(root);
        List<AgentSnapshot> snapshots = new ArrayList<>();
        agents.forEach(a -> snapshots.add(new AgentSnapshot(a, "You are " + a.name() + ", a tester.", List.of())));
        storage.createWorld(key, new WorldSnapshot(
                new WorldConfig("test", "Test", "", turnLimit, false, Map.of(), Map.of()), snapshots));
        try (EventLog log = EventLogStore.files(root).open(key)) {
            logged.forEach(log::append);
            log.sync();
        }
        ModelRegistry models = new ModelRegistry(Map.of("script", chatModel == null ? model : chatModel), "script");
        world = get(WorldRuntime.load(key, new WorldRuntime.Shared(storage, EventLogStore.files(root), bus, models, dispatcher, pool, timer,
                new FileTemplateStore(root), new WorldRuntime.Settings(memoryWindow, memoryCap, 64 * 1024, Duration.ZERO,
                        REPLY_TIMEOUT, Clock.systemUTC(), new ModelPolicy(8192, Map.of()),
                        new WorldPolicy(16, 16 * 1024, 100, 2000, 50, 5, 1L << 30), true, Duration.ofMinutes(10)),
                io.worldlink.MetricsListener.NONE)));
        // From the first event, so that what the world did as it loaded (a turn it took up) is seen too.
        subscription = join(0, events::add).subscription();
    }

    /**
     * What a client that joined the world has.
     *
     * @param view the world when it joined
     * @param subscription its live events; close it to leave
     */
    record Joined(WorldRuntime.View view, Subscription subscription) {}

    /**
     * Joins a listener to the world as a client joins it: the durable events after {@code afterSeq} are
     * replayed to it (none when negative), then it gets every new event.
     */
    Joined join(long afterSeq, Consumer<? super WorldEvent> listener) {
        Subscription[] subscription = new Subscription[1];
        WorldRuntime.View view = get(world.join(afterSeq, null, null, WHOLE, (v, replay) -> {
            replay.events().forEach(listener);
            subscription[0] = bus.subscribe(key, listener);
        }));
        return new Joined(view, subscription[0]);
    }

    static WorldHarness of(Path root, String... agentIds) {
        List<AgentConfig> agents = new ArrayList<>();
        for (String id : agentIds) {
            agents.add(agent(id, true));
        }
        return new WorldHarness(root, 5, 10, 200, agents);
    }

    static AgentConfig agent(String id, boolean autoReply) {
        String name = Character.toUpperCase(id.charAt(0)) + id.substring(1);
        return new AgentConfig(id, name, null, AgentStatus.ACTIVE, "default", "m", null, null, autoReply, 0, null,
                null, null, Map.of());
    }

    static <T> T get(CompletableFuture<T> f) {
        try {
            return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /**
     * @param sent a message that starts a turn
     * @return every event from that message to the idle event that ends its turn, in order
     */
    List<WorldEvent> turn(CompletableFuture<MessageEvent> sent) {
        MessageEvent start = get(sent);
        List<WorldEvent> seen = new ArrayList<>();
        boolean started = false;
        while (true) {
            WorldEvent e = poll();
            started |= e.id().equals(start.id());
            if (started) {
                seen.add(e);
            }
            if (e instanceof WorldActionEvent w && w.action().equals(WorldActionEvent.IDLE)
                    && start.id().equals(w.details().get("messageId"))) {
                return seen;
            }
        }
    }

    WorldEvent poll() {
        try {
            WorldEvent e = events.poll(WAIT_SECONDS, TimeUnit.SECONDS);
            assertNotNull(e, "no event within " + WAIT_SECONDS + " s");
            return e;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    static List<MessageEvent> messages(List<WorldEvent> events) {
        return events.stream().filter(MessageEvent.class::isInstance).map(MessageEvent.class::cast).toList();
    }

    /** @return the senders of the agent replies among the events, in order */
    static List<String> replies(List<WorldEvent> events) {
        return messages(events).stream().filter(m -> m.replyToMessageId() != null && !m.turnLimitNotice())
                .map(MessageEvent::sender).toList();
    }

    @Override
    public void close() {
        subscription.close();
        get(world.close());
        pool.shutdownNow();
        timer.shutdownNow();
    }
}
