package io.worldlink.internal.world;

import com.google.gson.JsonObject;
import io.worldlink.AgentSnapshot;
import io.worldlink.AgentStatus;
import io.worldlink.Chat;
import io.worldlink.ErrorCode;
import io.worldlink.EventBus;
import io.worldlink.MetricsListener;
import io.worldlink.NewAgent;
import io.worldlink.TemplateStore;
import io.worldlink.UserStorage;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.WorldUpdate;
import io.worldlink.event.EventLog;
import io.worldlink.event.EventLogStore;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.Ids;
import io.worldlink.internal.model.ModelRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One loaded world: its agents, their memories and the rules of ROUTING.md. Every routing decision,
 * memory change and agent update runs on the world's own {@link SerialExecutor}, one at a time and in
 * order; model calls run outside it, on the shared {@link ModelDispatcher}, and feed their chunks back
 * into it. Worlds never wait for each other. The public methods are thread-safe and return at once.
 *
 * <p>This class owns the executor and the world's life (load, close, delete, join); the work itself is
 * done by {@link ConversationRules} (who answers, what is remembered), {@link RepliesInFlight} (model
 * calls and turns), {@link PendingSaves} (memory and call counts on disk), {@link EventOutbox} (the log
 * and publishing) and {@link WorldEdits} (clients' changes to the world and its agents).
 */
public final class WorldRuntime implements LiveWorld {
    /**
     * @param memoryWindow how many recent memory messages a model is sent (default 10)
     * @param memoryCap how many messages a memory holds before the oldest move to the archive (default 200)
     * @param memoryChars how many characters of text a memory holds over all its chats before the oldest
     *     messages move to the archive
     * @param saveDelay how long a world's memories and call counts must stay unchanged before their
     *     snapshot is written (they are rebuilt from the event log past it after a crash); zero writes it
     *     after each burst of events
     * @param replyTimeout how long a model may send nothing before its reply is stopped with an error
     * @param clock the time source
     * @param modelPolicy what clients may change of an agent's model settings
     * @param worldPolicy how many agents a world may have, and how long its names and prompts may be
     * @param resumeTurns whether a turn that a crash cut off is taken up again when its world loads
     * @param resumeWithin how old such a turn may be to be taken up again; an older one is ended
     */
    public record Settings(int memoryWindow, int memoryCap, int memoryChars, Duration saveDelay, Duration replyTimeout,
            Clock clock, ModelPolicy modelPolicy, WorldPolicy worldPolicy, boolean resumeTurns, Duration resumeWithin) {
        /** Checks the limits. */
        public Settings {
            if (memoryWindow < 0 || memoryCap < 4 || memoryChars < 1 || saveDelay.isNegative()
                    || replyTimeout.isNegative() || replyTimeout.isZero()) {
                throw new IllegalArgumentException("memoryWindow must be >= 0, memoryCap >= 4, memoryChars >= 1, "
                        + "saveDelay >= 0, replyTimeout > 0");
            }
        }
    }

    /**
     * What every world of one WorldLink shares.
     *
     * @param storage where worlds are stored
     * @param logs where the worlds' event logs are
     * @param bus where their events go
     * @param models the chat models
     * @param dispatcher the shared model call limit
     * @param worldPool the pool that world executors run on
     * @param timer for delayed saves
     * @param templates the templates, whose agents' model settings (base URL, key) user worlds never hold
     * @param settings memory limits, save delay and clock
     * @param metrics what is measured
     */
    public record Shared(UserStorage storage, EventLogStore logs, EventBus bus, ModelRegistry models,
            ModelDispatcher dispatcher, Executor worldPool, ScheduledExecutorService timer, TemplateStore templates,
            Settings settings, MetricsListener metrics) {
        /**
         * @param other the storage to use instead
         * @return the same, with worlds stored through {@code other}
         */
        public Shared withStorage(UserStorage other) {
            return new Shared(other, logs, bus, models, dispatcher, worldPool, timer, templates, settings, metrics);
        }
    }

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
     * @param chats the world's chats, newest first
     * @param chatId the chat the client is in
     */
    public record View(WorldConfig config, List<AgentView> agents, long lastSeq, String worldEpoch,
            List<Chat> chats, String chatId) {}

    /**
     * Durable events from the log for a client: a replay, or a page of a chat's history, the newest that fit.
     *
     * @param events the events, in seq order
     * @param earlier whether events of the range it was read from, older than the first of them, were left out
     */
    public record Page(List<WorldEvent> events, boolean earlier) {
        /** No events. */
        public static final Page NONE = new Page(List.of(), false);

        /** Copies the events. */
        public Page {
            events = List.copyOf(events);
        }
    }

    /**
     * How much one {@link Page} may hold.
     *
     * @param events at most this many events
     * @param chars at most about this many characters of events (their JSON form), though always one event
     */
    public record PageLimit(int events, long chars) {
        /** Checks the limits. */
        public PageLimit {
            if (events < 1 || chars < 1) {
                throw new IllegalArgumentException("a page holds at least one event");
            }
        }
    }

    /** The metadata field of a world's config that names its life (PROTOCOL.md, Replay). */
    public static final String EPOCH = "worldEpoch";

    private final WorldKey key;
    private final UserStorage storage;
    private final EventLogStore logs;
    private final Settings settings;
    private final SerialExecutor exec;
    // Everything below is touched only on exec.
    private final WorldState world = new WorldState();
    private final EventOutbox outbox;
    private final PendingSaves saves;
    private final TemplateAgents templateAgents;
    private final RepliesInFlight replies;
    private final ConversationRules rules;
    private final WorldEdits edits;
    private final WorldChats chats;
    // Per chat, a seq at or below which it has no event (from when it was made, or learned as its history
    // was read to its start): a page of a chat with few events stops there, not at the log's start.
    private final Map<String, Long> chatFloors = new HashMap<>();

    private WorldRuntime(WorldKey key, Shared shared, UserStorage storage) {
        this.key = key;
        this.storage = storage;
        this.logs = shared.logs();
        this.settings = shared.settings();
        this.outbox = new EventOutbox(key, shared.bus(), shared.metrics(), settings.clock());
        this.exec = new SerialExecutor(shared.worldPool(), outbox::commit);
        this.chats = new WorldChats(key, storage, outbox, settings.worldPolicy(), settings.clock());
        outbox.countMessages(chats::counted);
        this.saves = new PendingSaves(key, storage, world, outbox, chats, exec, shared.timer(), settings.memoryCap(),
                settings.memoryChars(), settings.saveDelay());
        this.templateAgents = new TemplateAgents(key, storage, shared.templates(), world);
        this.replies = new RepliesInFlight(key, world, outbox, saves,
                new ModelRequests(settings.memoryWindow(), templateAgents), shared.models(), shared.dispatcher(),
                shared.timer(), exec, settings.replyTimeout(), settings.clock(), shared.metrics(),
                this::routeAgentReply, chats);
        this.rules = new ConversationRules(key, world, outbox, saves, replies, shared.metrics(), settings.clock());
        this.edits = new WorldEdits(key, storage, world, outbox, saves, replies, templateAgents, shared.models(),
                settings);
    }

    /**
     * Loads a user's world from storage, on its own executor.
     *
     * @param key the world
     * @param shared what worlds share
     * @return the world, once loaded
     */
    public static CompletableFuture<WorldRuntime> load(WorldKey key, Shared shared) {
        return load(key, shared, shared.storage(), () -> shared.logs().open(key));
    }

    /**
     * Runs a world cloned from a template that is not written yet: it runs from the clone in memory, and is
     * written (the clone, through {@link UserStorage#createWorld}) at its first durable write, of whatever
     * kind. A world that is closed or deleted before that is never written.
     *
     * @param key the world
     * @param shared what worlds share
     * @param clone the world as the cloner made it ({@link #newLife} applied)
     * @param onWritten told, on the world's executor, once the world has been written
     * @return the world, once loaded
     */
    public static CompletableFuture<WorldRuntime> loadUnwritten(WorldKey key, Shared shared, WorldSnapshot clone,
            Runnable onWritten) {
        LazyClone lazy = new LazyClone(key, shared.storage(), clone, onWritten);
        return load(key, shared, lazy, () -> lazy.log(() -> shared.logs().open(key)));
    }

    /**
     * @param clone a new world, as a cloner made it
     * @return it as a new world starts: an epoch of its own (whatever the cloner copied), and memory files
     *     that reflect its log, which is empty (so that its first memory snapshot waits for a quiet moment)
     */
    public static WorldSnapshot newLife(WorldSnapshot clone) {
        Map<String, String> metadata = new LinkedHashMap<>(clone.config().metadata());
        metadata.put(EPOCH, java.util.UUID.randomUUID().toString());
        metadata.put(PendingSaves.MEMORY_SEQ, "0");
        return new WorldSnapshot(clone.config().withTemplate(false, metadata), clone.agents());
    }

    private static CompletableFuture<WorldRuntime> load(WorldKey key, Shared shared, UserStorage storage,
            Supplier<EventLog> log) {
        WorldRuntime runtime = new WorldRuntime(key, shared, storage);
        Settings settings = shared.settings();
        CompletableFuture<WorldRuntime> loaded = new CompletableFuture<>();
        runtime.exec.execute(() -> {
            try {
                runtime.world.install(storage.loadWorld(key));
                runtime.ensureEpoch();
                runtime.templateAgents.removeCredentials();
                runtime.outbox.open(log.get());
                runtime.chats.load(PendingSaves.snapshotSeq(runtime.world.config));
                runtime.rules.replayLog(settings.resumeTurns(), settings.resumeWithin());
                loaded.complete(runtime);
            } catch (RuntimeException e) {
                runtime.world.closed = true;
                if (runtime.outbox.log() != null) {
                    runtime.outbox.log().close();
                }
                loaded.completeExceptionally(e);
            }
        });
        return loaded;
    }

    /** @return the world's key */
    @Override
    public WorldKey key() {
        return key;
    }

    /**
     * A person's chat message in one of the world's chats. The sender may be a display name, never
     * {@code system}, {@code world} or an agent of the world.
     *
     * @param chatId the chat
     * @param messageId the id to give the message, or {@code null} for a new one
     * @param content the text
     * @param sender the person's name ({@code HUMAN} by default)
     * @return the published message
     */
    @Override
    public CompletableFuture<MessageEvent> chat(String chatId, String messageId, String content, String sender) {
        return withRoomInLog(() -> {
            chats.existing(chatId);
            String s = Routing.senderName(sender);
            if (s.equalsIgnoreCase("system") || s.equalsIgnoreCase("world") || world.agentNamed(s) != null) {
                throw new WorldLinkException(ErrorCode.INVALID_SENDER, "A client cannot send as \"" + s
                        + "\": that name belongs to the system, the world or an agent. Choose another sender name.");
            }
            return rules.fromPerson(chatId, messageId, content, s);
        });
    }

    /**
     * @param eventId the id to give the {@code agent-update} event, or {@code null} for a new one
     * @param agentName an agent's id or name
     * @param update the change
     * @return the agent as clients now see it
     */
    @Override
    public CompletableFuture<AgentView> updateAgent(String eventId, String agentName, AgentUpdate update) {
        return withRoomInLog(() -> edits.updateAgent(eventId, agentName, update));
    }

    /**
     * Changes the world's name, description or turn limit, and publishes a {@code world-update} event.
     *
     * @param eventId the id to give the event, or {@code null} for a new one
     * @param update the change; at least one of its fields
     * @return the world's new config
     */
    @Override
    public CompletableFuture<WorldConfig> updateWorld(String eventId, WorldUpdate update) {
        return withRoomInLog(() -> edits.updateWorld(eventId, update));
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
    @Override
    public CompletableFuture<AgentSnapshot> createAgent(String eventId, NewAgent spec) {
        return withRoomInLog(() -> edits.createAgent(eventId, spec));
    }

    /**
     * Deletes an agent with its folder, and publishes an {@code agent-delete} event. A reply it is
     * streaming is stopped first, as {@link #stop} stops one: it ends with its text so far, marked stopped.
     *
     * @param eventId the id to give the event, or {@code null} for a new one
     * @param agentName the agent's id or name
     * @return the deleted agent's id
     */
    @Override
    public CompletableFuture<String> deleteAgent(String eventId, String agentName) {
        return onWorld(() -> edits.deleteAgent(eventId, agentName));
    }

    /**
     * Reads the world again from storage (what is pending is saved first).
     *
     * @param eventId the id to give the {@code world-reload} event, or {@code null} for a new one
     * @return how many agents it has
     */
    @Override
    public CompletableFuture<Integer> reload(String eventId) {
        return withRoomInLog(() -> {
            saves.snapshot();
            world.install(storage.loadWorld(key));
            templateAgents.removeCredentials();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("worldName", world.config.id());
            details.put("agentCount", world.agents.size());
            outbox.emit(new WorldActionEvent(EventOutbox.idOrNew(eventId), now(), 0, WorldActionEvent.WORLD_RELOAD,
                    null, details));
            return world.agents.size();
        });
    }

    /**
     * Stops the turns in progress in a chat, as a person presses "stop" (PROTOCOL.md, "Stopping a turn"):
     * every model call of the chat is cancelled, each reply that was streaming ends with the text so far
     * marked stopped, which is logged and remembered but triggers no agent, and each turn ends with
     * {@code idle}. The turns of the world's other chats go on.
     *
     * @param chatId the chat
     * @param eventId the id to give the first event it publishes, or {@code null} for a new one
     * @return how many replies were stopped; 0 when nothing was running
     */
    @Override
    public CompletableFuture<Integer> stop(String chatId, String eventId) {
        return onWorld(() -> replies.stopChat(chats.existing(chatId).id(), EventOutbox.idOrNew(eventId)));
    }

    /** @return the world's chats, newest first */
    @Override
    public CompletableFuture<List<Chat>> chats() {
        return onWorld(chats::newestFirst);
    }

    /**
     * Creates a chat, within the world's chat limit, and publishes a {@code chat-create} event.
     *
     * @param eventId the id to give the event, or {@code null} for a new one
     * @param name its name, or {@code null} to name it after its first message
     * @return the chat
     */
    @Override
    public CompletableFuture<Chat> createChat(String eventId, String name) {
        return withRoomInLog(() -> {
            Chat chat = chats.create(EventOutbox.idOrNew(eventId), name);
            // Its events all come after the event that made it.
            chatFloors.put(chat.id(), outbox.lastSeq());
            return chat;
        });
    }

    /**
     * Renames a chat, and publishes a {@code chat-update} event.
     *
     * @param eventId the id to give the event, or {@code null} for a new one
     * @param chatId the chat
     * @param name its new name
     * @return the chat
     */
    @Override
    public CompletableFuture<Chat> renameChat(String eventId, String chatId, String name) {
        return withRoomInLog(() -> chats.rename(EventOutbox.idOrNew(eventId), chatId, name));
    }

    /**
     * Deletes a chat: its replies in progress are stopped, its messages leave every agent's memory, and a
     * {@code chat-delete} event names the chat its clients move to (a new one when it was the last).
     *
     * @param eventId the id to give the event, or {@code null} for a new one
     * @param chatId the chat
     * @return the chat its clients move to
     */
    @Override
    public CompletableFuture<Chat> deleteChat(String eventId, String chatId) {
        return withRoomInLog(() -> {
            replies.stopChat(chats.existing(chatId).id(), Ids.next());
            // Out of the memories (written at once) before the chat's file goes, so that no crash keeps them.
            saves.forgetChat(chatId);
            chatFloors.remove(chatId);
            return chats.delete(EventOutbox.idOrNew(eventId), chatId);
        });
    }

    /**
     * Moves a client into a chat in one step of the world's executor: {@code onSelect} gets the world in
     * that chat and the chat's history, its newest durable events in the log that fit in a page (seqs up to
     * the view's {@code lastSeq}, in order). Nothing is published between the read and {@code onSelect}.
     *
     * @param chatId the chat
     * @param limit how much of the history goes with it
     * @param onSelect switches the client and hands it the history
     * @return the chat
     */
    @Override
    public CompletableFuture<Chat> selectChat(String chatId, PageLimit limit, BiConsumer<View, Page> onSelect) {
        return onWorld(() -> {
            outbox.commit();
            Chat chat = chats.existing(chatId);
            View view = viewNow(chat.id());
            onSelect.accept(view, chatPage(chat.id(), view.lastSeq() + 1, limit));
            return chat;
        });
    }

    /**
     * Reads a page of a chat's history back from the log, the newest events before a seq.
     *
     * @param chatId the chat
     * @param beforeSeq only events with a seq below it (the oldest the client has)
     * @param limit how much the page may hold
     * @return the page; {@link Page#earlier()} says whether the chat has older events
     */
    @Override
    public CompletableFuture<Page> chatHistory(String chatId, long beforeSeq, PageLimit limit) {
        return onWorld(() -> chatPage(chats.existing(chatId).id(), beforeSeq, limit));
    }

    /**
     * @param content a notice for everyone in the world
     * @param level how serious it is
     * @return the published event
     */
    @Override
    public CompletableFuture<SystemEvent> notice(String content, MessageLevel level) {
        return onWorld(() -> outbox.emit(new SystemEvent(Ids.next(), now(), 0, content, level)));
    }

    /**
     * Joins a client to the world in one step of the world's executor, so that nothing is published in
     * between: {@code onJoin} gets the world as it is now and the durable events after {@code afterSeq}
     * to replay (seqs up to the view's {@code lastSeq}, in order): the newest of them that fit in a page,
     * and whether older ones were left out.
     *
     * <p>A client's seq counts in the life of the world it saw ({@code epoch}): when the world has had
     * another life since (deleted and created again), or the client claims a seq the world never
     * reached, it is replayed everything from the start.
     *
     * <p>The client is in the chat it names when the world has it, else in the newest chat
     * ({@link View#chatId}); the replay holds the events of the whole world and of that chat.
     *
     * @param afterSeq the last seq the client has, or -1 for no replay
     * @param epoch the world's epoch that {@code afterSeq} belongs to, or {@code null} when not known
     * @param chatId the chat the client asks for, or {@code null} for the newest
     * @param limit how much the replay may hold
     * @param onJoin greets the client and hands it the replay
     * @return the world as it was when the client joined
     */
    @Override
    public CompletableFuture<View> join(long afterSeq, String epoch, String chatId, PageLimit limit,
            BiConsumer<View, Page> onJoin) {
        return onWorld(() -> {
            outbox.commit();
            View view = viewNow(chats.chosenOrNewest(chatId).id());
            Page replay = Page.NONE;
            if (afterSeq >= 0) {
                boolean otherLife = (epoch != null && !epoch.equals(view.worldEpoch())) || afterSeq > view.lastSeq();
                long after = otherLife ? 0 : afterSeq;
                // A client whose chat is gone lands in another it has not seen: that chat's history comes whole.
                boolean movedChat = chatId != null && !chatId.equals(view.chatId());
                replay = page(movedChat ? 0 : after, view.lastSeq() + 1, limit,
                        e -> e.chatId() == null ? e.seq() > after : e.chatId().equals(view.chatId()));
            }
            onJoin.accept(view, replay);
            return view;
        });
    }

    /**
     * {@return the highest seq of an event the world has published so far: a subscriber that starts
     * listening after reading it gets every later event, or sees the gap; safe to call from any thread}
     */
    @Override
    public long publishedSeq() {
        return outbox.publishedSeq();
    }

    /**
     * Reads durable events back from the world's log, for a subscriber whose bus lost or delayed them.
     *
     * @param afterSeq the last seq the reader has
     * @param throughSeq the last seq it wants
     * @param limit at most this many, the oldest first
     * @return the events with a seq above {@code afterSeq} and up to {@code throughSeq}, in order
     */
    @Override
    public CompletableFuture<List<WorldEvent>> logged(long afterSeq, long throughSeq, int limit) {
        return onWorld(() -> {
            List<WorldEvent> found = new ArrayList<>();
            outbox.log().forEachAfter(afterSeq, e -> {
                if (e.seq() <= throughSeq && found.size() < limit) {
                    found.add(e);
                }
            });
            return found;
        });
    }

    /**
     * @param chatId the chat to export, or {@code null} for every chat
     * @return the world as Markdown: its config, its agents and the conversation of the chat (or of each
     *     chat) in its event log
     */
    @Override
    public CompletableFuture<String> export(String chatId) {
        return onWorld(() -> {
            List<Chat> exported = chatId == null ? chats.newestFirst() : List.of(chats.existing(chatId));
            Set<String> ids = new HashSet<>();
            exported.forEach(c -> ids.add(c.id()));
            List<MessageEvent> conversation = new ArrayList<>();
            outbox.log().forEachAfter(0, e -> {
                if (e instanceof MessageEvent m && ids.contains(m.chatId())) {
                    conversation.add(m);
                }
            });
            return MarkdownExport.render(snapshotNow(), exported, conversation, now());
        });
    }

    /** @return the world as it is now, memories and call counts included, whether or not they are stored yet */
    @Override
    public CompletableFuture<WorldSnapshot> snapshot() {
        return onWorld(this::snapshotNow);
    }

    /** @return the world as a client sees it, in its newest chat */
    @Override
    public CompletableFuture<View> view() {
        return onWorld(() -> viewNow(chats.chosenOrNewest(null).id()));
    }

    /**
     * Stops the world: cancels running model calls, saves what is pending and closes the event log.
     *
     * @return done when it is stopped
     */
    @Override
    public CompletableFuture<Void> close() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        exec.execute(() -> {
            if (world.closed) {
                done.complete(null);
                return;
            }
            try {
                replies.cutShortAll();
                world.closed = true;
                saves.snapshot();
            } finally {
                world.closed = true;
                if (outbox.log() != null) {
                    outbox.commit();
                    outbox.log().close();
                }
                replies.releaseQuietWaiters();
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
    @Override
    public CompletableFuture<Void> delete() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        exec.execute(() -> {
            try {
                if (!world.closed) {
                    world.closed = true;
                    replies.dropAll();
                    outbox.discard();
                    saves.discard();
                    if (outbox.log() != null) {
                        outbox.log().close();
                    }
                    replies.releaseQuietWaiters();
                }
                storage.deleteWorld(key);
                logs.delete(key);
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
    @Override
    public CompletableFuture<Void> whenQuiet() {
        return replies.whenQuiet();
    }

    // ---- on exec from here on ----

    private <T> CompletableFuture<T> onWorld(Supplier<T> action) {
        CompletableFuture<T> result = new CompletableFuture<>();
        exec.execute(() -> {
            if (world.closed) {
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

    // A change whose event holds what a client chose, or that a client may repeat without end (deleting the last
    // chat makes a new one): refused once the log is full. Stopping, deleting an agent and reading are not.
    private <T> CompletableFuture<T> withRoomInLog(Supplier<T> change) {
        return onWorld(() -> {
            settings.worldPolicy().roomInLog(outbox.log().size());
            return change.get();
        });
    }

    private Page chatPage(String chatId, long beforeSeq, PageLimit limit) {
        Page page = page(chatFloors.getOrDefault(chatId, 0L), beforeSeq, limit, e -> chatId.equals(e.chatId()));
        if (!page.earlier()) {
            long below = page.events().isEmpty() ? Math.min(beforeSeq, outbox.lastSeq() + 1)
                    : page.events().get(0).seq();
            chatFloors.merge(chatId, below - 1, Math::max);
        }
        return page;
    }

    // The newest events of the range that fit: one more than the limit is read, to know whether it left some out.
    private Page page(long afterSeq, long beforeSeq, PageLimit limit, Predicate<? super WorldEvent> filter) {
        List<WorldEvent> newest = outbox.log().newestBetween(afterSeq, beforeSeq, limit.events() + 1, filter);
        int first = Math.max(0, newest.size() - limit.events());
        boolean earlier = first > 0;
        long chars = 0;
        for (int i = newest.size() - 1; i >= first; i--) {
            chars += newest.get(i).toJson().length();
            if (chars > limit.chars() && i < newest.size() - 1) {
                first = i + 1;
                earlier = true;
                break;
            }
        }
        return new Page(newest.subList(first, newest.size()), earlier);
    }

    private WorldSnapshot snapshotNow() {
        List<AgentSnapshot> agents = new ArrayList<>();
        world.agents.values().forEach(a -> agents.add(new AgentSnapshot(a.config, a.systemPrompt, a.memory)));
        return new WorldSnapshot(world.config, agents);
    }

    private View viewNow(String chatId) {
        return new View(world.config, world.agentViews(), outbox.log().lastSeq(), world.config.metadata().get(EPOCH),
                chats.newestFirst(), chatId);
    }

    // A world made before epochs existed (or written by hand) gets one the first time it is loaded.
    private void ensureEpoch() {
        WorldConfig config = world.config;
        if (config.metadata().get(EPOCH) == null) {
            Map<String, String> metadata = new LinkedHashMap<>(config.metadata());
            metadata.put(EPOCH, java.util.UUID.randomUUID().toString());
            WorldConfig withEpoch = config.withTemplate(false, metadata);
            storage.saveWorldConfig(key, withEpoch);
            world.config = withEpoch;
        }
    }

    // Replies and rules need each other: replies reach the rules, made after them, through here.
    private void routeAgentReply(MessageEvent reply, Turn turn) {
        rules.fromAgent(reply, turn);
    }

    private Instant now() {
        return settings.clock().instant();
    }
}
