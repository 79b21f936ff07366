package io.worldlink.internal.protocol;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.AgentStatus;
import io.worldlink.Chat;
import io.worldlink.Connection;
import io.worldlink.ErrorCode;
import io.worldlink.Identity;
import io.worldlink.MessageRouter;
import io.worldlink.MetricsListener;
import io.worldlink.NewAgent;
import io.worldlink.Transport;
import io.worldlink.UserId;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldUpdate;
import io.worldlink.event.EventType;
import io.worldlink.internal.Durations;
import io.worldlink.internal.EventJson;
import io.worldlink.internal.Ids;
import io.worldlink.internal.Json;
import io.worldlink.internal.Names;
import io.worldlink.internal.world.AgentView;
import io.worldlink.internal.world.ChatViews;
import io.worldlink.internal.world.LiveWorld;
import io.worldlink.internal.world.WorldRuntime;
import io.worldlink.internal.world.WorldViews;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * The wire protocol (PROTOCOL.md) in both directions: a client frame becomes an action on a world, and
 * a world event becomes frames for each client ({@link EventFrames}). It admits connections, checks each
 * frame's envelope, and hands the request to the host's {@link MessageRouter}, which is this one or wraps
 * it. It knows nothing of any server: a connection is a {@link Transport}. Thread-safe; one per
 * {@code WorldLink}.
 */
public final class ProtocolRouter implements MessageRouter {
    private static final System.Logger LOG = System.getLogger(ProtocolRouter.class.getName());
    private static final List<String> TYPES = List.of("world-select", "chat-send", "agent-update", "world-reload",
            "event-subscribe", "world-export", "ping", "chat-stop", "world-create", "world-update", "world-delete",
            "world-list", "agent-create", "agent-delete", "chat-create", "chat-select", "chat-rename", "chat-delete",
            "chat-list", "chat-history");
    private static final long REFUSAL_GRACE_SECONDS = 5;
    // A world's export is one frame that does not count against the client's queue (only against the
    // server's budget): bounded here.
    private static final int MAX_EXPORT_CHARS = 32 * 1024 * 1024;
    /** The most durable events a replay, a chat's history or one page of it holds. */
    static final int MAX_HISTORY_EVENTS = 200;

    private final LoadedWorlds worlds;
    private final Limits limits;
    private final WorldAccess access;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final MetricsListener metrics;
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    private final AtomicInteger admitted = new AtomicInteger();
    private final MessageRouter routed;
    private final Map<String, Integer> perAddress = new ConcurrentHashMap<>();
    private final QueueBudget budget;

    ProtocolRouter(LoadedWorlds worlds, Limits limits, WorldAccess access, Clock clock, ScheduledExecutorService timer,
            MetricsListener metrics, UnaryOperator<MessageRouter> host) {
        this.worlds = worlds;
        this.metrics = metrics;
        this.limits = limits;
        this.access = access;
        this.clock = clock;
        this.timer = timer;
        this.budget = new QueueBudget(limits.maxTotalQueuedChars(), sessions);
        this.routed = Objects.requireNonNull(host.apply(this), "the host's message router");
    }

    LoadedWorlds worlds() {
        return worlds;
    }

    Limits limits() {
        return limits;
    }

    QueueBudget budget() {
        return budget;
    }

    Connection open(Transport transport, Identity identity) {
        metrics.connectionOpened();
        String address = transport.remoteAddress();
        ClientSession s = new ClientSession(Ids.next(), transport, identity, this, address);
        String refusal = admit(address);
        if (refusal != null) {
            metrics.requestRefused(ErrorCode.QUOTA_EXCEEDED);
            s.refuse(ServerFrames.connectionError(ErrorCode.QUOTA_EXCEEDED, refusal, null));
            // A refused client that does not read the refusal is not held for it either.
            timer.schedule(() -> s.close(1013, "Too many connections; try again later."), REFUSAL_GRACE_SECONDS,
                    TimeUnit.SECONDS);
            return s;
        }
        s.admitted();
        sessions.add(s);
        Duration wait = limits.selectTimeout();
        s.selectDeadline(timer.schedule(() -> s.closeUnlessSelected(1008, "No world was selected within "
                + Durations.readable(wait) + "; send world-select first."), wait.toNanos(), TimeUnit.NANOSECONDS));
        return s;
    }

    // Counts a new connection against the server's and its address's limits; a refusal says why.
    private String admit(String address) {
        int n;
        do {
            n = admitted.get();
            if (n >= limits.maxConnections()) {
                return "The server has as many connections as it may (" + limits.maxConnections()
                        + "); try again later.";
            }
        } while (!admitted.compareAndSet(n, n + 1));
        if (address == null) {
            return null;
        }
        boolean[] over = new boolean[1];
        perAddress.compute(address, (a, count) -> {
            int c = count == null ? 0 : count;
            over[0] = c >= limits.maxConnectionsPerAddress();
            return over[0] ? count : c + 1;
        });
        if (over[0]) {
            admitted.decrementAndGet();
            return "Your address has as many connections open as one address may (" + limits.maxConnectionsPerAddress()
                    + "); close one first.";
        }
        return null;
    }

    void sessionClosed(ClientSession s) {
        if (sessions.remove(s)) {
            admitted.decrementAndGet();
            String address = s.remoteAddress();
            if (address != null) {
                perAddress.computeIfPresent(address, (a, c) -> c <= 1 ? null : c - 1);
            }
        }
    }

    int connectionCount() {
        return sessions.size();
    }

    /** Closes every connection with a code (1001 when the server stops). */
    void closeAll(int code, String reason) {
        for (ClientSession s : List.copyOf(sessions)) {
            s.close(code, reason);
        }
    }

    private void error(ClientSession s, ErrorCode code, String message, String replyTo) {
        metrics.requestRefused(code);
        s.send(ServerFrames.error(code, message, replyTo));
    }

    private void connectionError(ClientSession s, ErrorCode code, String message, String replyTo) {
        metrics.requestRefused(code);
        s.send(ServerFrames.connectionError(code, message, replyTo));
    }

    MetricsListener metrics() {
        return metrics;
    }

    /**
     * {@return how much of a chat's history (or of a replay) a client is sent at once: at most
     * {@link #MAX_HISTORY_EVENTS} events, and about a quarter of what its queue may hold}
     */
    WorldRuntime.PageLimit history() {
        return new WorldRuntime.PageLimit(MAX_HISTORY_EVENTS, Math.max(1, limits.maxQueuedChars() / 4));
    }

    String rateLimited(String frame) {
        metrics.requestRefused(ErrorCode.RATE_LIMITED);
        return ServerFrames.error(ErrorCode.RATE_LIMITED, "Too many requests: at most " + (int) limits.requestsPerSecond()
                + " a second (bursts of " + limits.requestBurst() + "). This request was dropped.", idOf(frame));
    }

    // The id of a request that is dropped, so that its sender knows which one; null when it has none.
    private static String idOf(String frame) {
        try {
            JsonElement e = JsonParser.parseString(frame);
            return e.isJsonObject() ? requestId(e.getAsJsonObject()) : null;
        } catch (JsonParseException | WorldLinkException e) {
            return null;
        }
    }

    // ---- client → server ----

    /** @return the request, or {@code null} when the frame was refused (the client was told why) */
    Exchange decode(ClientSession s, String frame) {
        JsonElement e;
        try {
            e = JsonParser.parseString(frame);
        } catch (JsonParseException ex) {
            error(s, ErrorCode.INVALID_JSON, "The frame is not valid JSON; send an object such as "
                    + "{\"type\": \"ping\"}.", null);
            return null;
        }
        if (!e.isJsonObject()) {
            error(s, ErrorCode.INVALID_MESSAGE, "A frame must be a JSON object such as "
                    + "{\"type\": \"ping\"}, not " + kind(e) + ".", null);
            return null;
        }
        JsonObject o = e.getAsJsonObject();
        String id;
        try {
            id = requestId(o);
        } catch (WorldLinkException ex) {
            error(s, ex.code(), ex.getMessage(), null);
            return null;
        }
        JsonElement type = o.get("type");
        if (type == null || !type.isJsonPrimitive() || !type.getAsJsonPrimitive().isString()) {
            error(s, ErrorCode.INVALID_MESSAGE, "The frame needs a \"type\" string, one of "
                    + String.join(", ", TYPES) + ".", id);
            return null;
        }
        JsonElement payload = o.get("payload");
        if (payload != null && !payload.isJsonNull() && !payload.isJsonObject()) {
            error(s, ErrorCode.INVALID_MESSAGE, "\"payload\" must be a JSON object.", id);
            return null;
        }
        return new Exchange(s, type.getAsString(), id,
                payload == null || payload.isJsonNull() ? new JsonObject() : payload.getAsJsonObject());
    }

    private static String requestId(JsonObject o) {
        JsonElement id = o.get("id");
        if (id == null || id.isJsonNull()) {
            return null;
        }
        if (!id.isJsonPrimitive() || id.getAsJsonPrimitive().isBoolean()) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "\"id\" must be a string of at most "
                    + Exchange.MAX_ID_LENGTH + " characters.");
        }
        String value = id.getAsString();
        if (value.length() > Exchange.MAX_ID_LENGTH) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "\"id\" must be a string of at most "
                    + Exchange.MAX_ID_LENGTH + " characters.");
        }
        return value;
    }

    /**
     * Hands a request to the host's router; a refusal, thrown or as a failed stage, goes to the client.
     *
     * @return a future that completes when the connection's next request may start
     */
    CompletableFuture<Void> dispatch(Exchange r) {
        if (r.session().isClosed()) {
            // Queued behind a request that outlived the connection: nobody is there to act for.
            return done();
        }
        CompletionStage<Void> stage;
        try {
            stage = Objects.requireNonNull(routed.route(r), "the message router returned no stage");
        } catch (RuntimeException e) {
            refused(r, e);
            return done();
        }
        return stage.toCompletableFuture().handle((x, e) -> {
            if (e != null) {
                refused(r, e);
            }
            return null;
        });
    }

    // A refused world-select is a connection-error, as the protocol's own refusals of it are.
    private void refused(Exchange r, Throwable failure) {
        WorldLinkException w = unwrap(failure);
        if (r.type().equals("world-select")) {
            connectionError(r.session(), w.code(), w.getMessage(), r.id());
        } else {
            error(r.session(), w.code(), w.getMessage(), r.id());
        }
    }

    String tooManyWaiting(Exchange r) {
        metrics.requestRefused(ErrorCode.RATE_LIMITED);
        return ServerFrames.error(ErrorCode.RATE_LIMITED, "Too many requests wait for the ones ahead of them (at most "
                + ClientSession.MAX_WAITING_REQUESTS + "); this one was dropped. Wait for answers before sending more.",
                r.id());
    }

    String serverFull(Exchange r) {
        metrics.requestRefused(ErrorCode.QUOTA_EXCEEDED);
        return ServerFrames.error(ErrorCode.QUOTA_EXCEEDED, budget.full() + ", so this request, which would wait for "
                + "the ones ahead of it, was dropped; try again in a moment.", r.id());
    }

    /** The protocol's own handling of a request, as PROTOCOL.md says. */
    @Override
    public CompletionStage<Void> route(MessageRouter.Request request) {
        Exchange r = Exchange.of(request);
        return handle(r.session(), r);
    }

    private CompletableFuture<Void> handle(ClientSession s, Exchange r) {
        try {
            if (!TYPES.contains(r.type())) {
                throw new WorldLinkException(ErrorCode.UNKNOWN_TYPE, "Unknown message type \"" + clip(r.type())
                        + "\"; the types are " + String.join(", ", TYPES) + ".");
            }
            switch (r.type()) {
                case "world-select":
                    return worldSelect(s, r);
                case "ping":
                    JsonObject p = new JsonObject();
                    p.addProperty("timestamp", Json.timestamp(clock.instant()));
                    s.send(ServerFrames.frame("pong", p, r.id(), 0));
                    return done();
                // A user's worlds are managed from inside any world, or from none.
                case "world-create":
                    return worldCreate(s, r);
                case "world-list":
                    return worldList(s, r);
                case "world-delete":
                    return worldDelete(s, r);
                default:
                    break;
            }
            ClientSession.Binding b = s.binding();
            if (b == null) {
                throw new WorldLinkException(ErrorCode.NO_WORLD_SELECTED,
                        "Select a world first: send world-select with templateName, worldName and userId.");
            }
            LiveWorld world = b.runtime();
            switch (r.type()) {
                case "chat-send" -> {
                    String message = requiredString(r, "message");
                    String sender = optionalString(r, "sender");
                    String eventId = Ids.next();
                    s.expectReply(eventId, r.id());
                    reportFailure(s, r, world.chat(s.chatId(), eventId, message, sender), eventId);
                }
                case "agent-update" -> {
                    String agentName = requiredString(r, "agentName");
                    WorldRuntime.AgentUpdate update = agentUpdate(r);
                    String eventId = Ids.next();
                    s.expectReply(eventId, r.id());
                    reportFailure(s, r, world.updateAgent(eventId, agentName, update), eventId);
                }
                case "chat-stop" -> {
                    String eventId = Ids.next();
                    s.expectReply(eventId, r.id());
                    reportFailure(s, r, world.stop(s.chatId(), eventId).thenAccept(stopped -> {
                        if (stopped == 0) {
                            s.forgetReply(eventId);
                            s.send(ServerFrames.frame("system-message", ServerFrames.systemMessage("Nothing to stop: no agent "
                                    + "is answering.", io.worldlink.event.MessageLevel.INFO, clock.instant(), null), r.id(), 0));
                        }
                    }), eventId);
                }
                case "world-update" -> {
                    WorldUpdate update = ManagementJson.worldUpdate(r.json(), "world-update's payload");
                    String eventId = Ids.next();
                    s.expectReply(eventId, r.id());
                    reportFailure(s, r, world.updateWorld(eventId, update), eventId);
                }
                case "agent-create" -> {
                    NewAgent agent = ManagementJson.newAgent(r.json(), "agent-create's payload");
                    String eventId = Ids.next();
                    s.expectReply(eventId, r.id());
                    reportFailure(s, r, world.createAgent(eventId, agent), eventId);
                }
                case "agent-delete" -> {
                    String agentName = requiredString(r, "agentName");
                    String eventId = Ids.next();
                    s.expectReply(eventId, r.id());
                    reportFailure(s, r, world.deleteAgent(eventId, agentName), eventId);
                }
                case "world-reload" -> {
                    optionalString(r, "reason");
                    String eventId = Ids.next();
                    s.expectReply(eventId, r.id());
                    reportFailure(s, r, world.reload(eventId), eventId);
                }
                case "event-subscribe" -> {
                    return subscribe(s, r, world);
                }
                case "chat-create" -> {
                    String name = optionalString(r, "name");
                    String eventId = Ids.next();
                    s.expectReply(eventId, r.id());
                    CompletableFuture<Chat> created = world.createChat(eventId, name)
                            .thenCompose(chat -> s.selectChat(world, chat.id(), null));
                    reportFailure(s, r, created, eventId);
                    // The connection's next request (a chat-send, say) goes to the new chat.
                    return created.handle((x, e) -> null);
                }
                case "chat-select" -> {
                    CompletableFuture<Chat> selected = s.selectChat(world, requiredString(r, "chatId"), r.id());
                    reportFailure(s, r, selected, null);
                    return selected.handle((x, e) -> null);
                }
                case "chat-rename" -> {
                    String chatId = chatIdOr(s, r);
                    String name = requiredString(r, "name");
                    String eventId = Ids.next();
                    s.expectReply(eventId, r.id());
                    reportFailure(s, r, world.renameChat(eventId, chatId, name), eventId);
                }
                case "chat-delete" -> {
                    String chatId = chatIdOr(s, r);
                    String eventId = Ids.next();
                    s.expectReply(eventId, r.id());
                    CompletableFuture<Chat> deleted = world.deleteChat(eventId, chatId);
                    reportFailure(s, r, deleted, eventId);
                    return deleted.handle((x, e) -> null);
                }
                case "chat-history" -> {
                    String chatId = chatIdOr(s, r);
                    Integer before = field(r, "beforeSeq", o -> Json.integer(o, "beforeSeq", 1));
                    if (before == null) {
                        throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "chat-history needs payload.beforeSeq, "
                                + "the seq of the oldest event of the chat the client has (earliestSeq of "
                                + "chat-selected or of the last chat-history).");
                    }
                    Integer limit = field(r, "limit", o -> Json.integer(o, "limit", 1));
                    if (limit != null && limit > MAX_HISTORY_EVENTS) {
                        throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "In chat-history, payload field "
                                + "\"limit\" may be at most " + MAX_HISTORY_EVENTS + "; ask for the next page with the "
                                + "earliestSeq of this one.");
                    }
                    WorldRuntime.PageLimit page = new WorldRuntime.PageLimit(limit == null ? MAX_HISTORY_EVENTS : limit,
                            history().chars());
                    CompletableFuture<WorldRuntime.Page> read = world.chatHistory(chatId, before, page)
                            .thenApply(history -> {
                                JsonObject p = new JsonObject();
                                p.addProperty("worldName", b.handle().key.worldId());
                                p.addProperty("chatId", chatId);
                                JsonArray events = new JsonArray();
                                history.events().forEach(e -> events.add(EventJson.toJson(e)));
                                p.add("events", events);
                                earlier(p, history);
                                s.send(ServerFrames.frame("chat-history", p, r.id(), 0));
                                return history;
                            });
                    reportFailure(s, r, read, null);
                    // One page at a time per connection: the next request waits until this one is queued.
                    return read.handle((x, e) -> null);
                }
                case "chat-list" -> {
                    CompletableFuture<List<Chat>> listed = world.chats().thenApply(chats -> {
                        JsonObject p = new JsonObject();
                        p.addProperty("worldName", b.handle().key.worldId());
                        p.addProperty("chatId", s.chatId());
                        p.add("chats", Json.GSON.toJsonTree(ChatViews.of(chats)));
                        s.send(ServerFrames.frame("chat-listed", p, r.id(), 0));
                        return chats;
                    });
                    reportFailure(s, r, listed, null);
                }
                case "world-export" -> {
                    String chatId = optionalString(r, "chatId");
                    CompletableFuture<Void> sent = world.export(chatId).thenCompose(markdown -> {
                        if (markdown.length() > MAX_EXPORT_CHARS) {
                            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "The world's export has "
                                    + markdown.length() + " characters, more than one frame may carry ("
                                    + MAX_EXPORT_CHARS + "); fetch it over HTTP: GET /api/users/{user}/worlds/"
                                    + b.handle().key.worldId() + "/export.");
                        }
                        JsonObject p = new JsonObject();
                        p.addProperty("worldName", b.handle().key.worldId());
                        if (chatId != null) {
                            p.addProperty("chatId", chatId);
                        }
                        p.addProperty("markdown", markdown);
                        return s.sendLarge(ServerFrames.frame("world-exported", p, r.id(), 0));
                    }).exceptionally(e -> {
                        // A connection that closed before its export was sent has nobody to tell.
                        if (s.isClosed()) {
                            return null;
                        }
                        throw e instanceof CompletionException c ? c : new CompletionException(e);
                    });
                    reportFailure(s, r, sent, null);
                    // The connection's next request waits until the export is sent: one at a time.
                    return sent.exceptionally(e -> null);
                }
                default -> throw new IllegalStateException(r.type());
            }
        } catch (WorldLinkException e) {
            error(s, e.code(), e.getMessage(), r.id());
        }
        return done();
    }

    private CompletableFuture<Void> worldSelect(ClientSession s, Exchange r) {
        WorldKey key;
        String templateName;
        long lastSeq;
        try {
            String userId = requiredString(r, "userId");
            String worldName = requiredString(r, "worldName");
            templateName = optionalString(r, "templateName");
            Integer seq = field(r, "lastSeq", o -> Json.integer(o, "lastSeq", 0));
            lastSeq = seq == null ? -1 : seq;
            String epoch = optionalString(r, "worldEpoch");
            String chatId = optionalString(r, "chatId");
            UserId user = access.authorize(s.identity(), userId);
            key = new WorldKey(user, Names.toId("world name", worldName));
            String templateId = templateName == null || templateName.isBlank() ? null
                    : Names.toId("template name", templateName);
            ClientSession.Binding current = s.binding();
            // The user is present from here on, so that their folder is never deleted under the load.
            worlds.userJoined(user, current == null || !current.handle().key.userId().equals(user));
            WorldHandle handle;
            try {
                handle = worlds.acquire(key, templateId, worldName);
            } catch (RuntimeException e) {
                worlds.userLeft(user);
                throw e;
            }
            return handle.runtime.handle((runtime, loadError) -> {
                if (loadError != null) {
                    worlds.release(handle);
                    worlds.userLeft(user);
                    return CompletableFuture.<Throwable>completedFuture(loadError);
                }
                // From here on the session owns the reference and the presence: leaving gives them back.
                return s.enter(handle, runtime, lastSeq, epoch, chatId,
                        (view, replay) -> confirmed(s, handle.key, view, replay, lastSeq >= 0, templateName, r.id()))
                        .handle((view, joinError) -> joinError);
            }).thenCompose(f -> f).thenAccept(error -> {
                if (error != null) {
                    WorldLinkException w = unwrap(error);
                    connectionError(s, w.code(), w.getMessage(), r.id());
                }
            });
        } catch (WorldLinkException e) {
            connectionError(s, e.code(), e.getMessage(), r.id());
            return done();
        }
    }

    // The user a management request is about: the one it names, else the user of the connection's world.
    private UserId userOf(ClientSession s, Exchange r) {
        String userId = optionalString(r, "userId");
        if (userId != null) {
            return access.authorize(s.identity(), userId);
        }
        ClientSession.Binding b = s.binding();
        if (b == null) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, r.type() + " needs payload.userId when the "
                    + "connection is in no world.");
        }
        return b.handle().key.userId();
    }

    private CompletableFuture<Void> worldCreate(ClientSession s, Exchange r) {
        CompletableFuture<Void> sent;
        try {
            String worldName = requiredString(r, "worldName");
            String templateName = optionalString(r, "templateName");
            String description = optionalString(r, "description");
            UserId user = userOf(s, r);
            sent = worlds.create(user, worldName, templateName, description).thenAccept(w -> {
                JsonObject p = new JsonObject();
                p.addProperty("userId", user.value());
                p.addProperty("worldName", w.config().id());
                String original = w.config().metadata().get("originalTemplate");
                p.addProperty("templateName", original == null ? "" : original);
                p.add("world", Json.GSON.toJsonTree(WorldViews.of(w.config())));
                JsonArray agents = new JsonArray();
                w.agents().forEach(a -> agents.add(Json.GSON.toJsonTree(AgentView.of(a))));
                p.add("agents", agents);
                s.send(ServerFrames.frame("world-created", p, r.id(), 0));
            });
        } catch (WorldLinkException e) {
            error(s, e.code(), e.getMessage(), r.id());
            return done();
        }
        reportFailure(s, r, sent, null);
        // The connection's next request (a world-select of the new world, say) waits until it exists.
        return sent.exceptionally(e -> null);
    }

    private CompletableFuture<Void> worldList(ClientSession s, Exchange r) {
        try {
            UserId user = userOf(s, r);
            JsonObject p = new JsonObject();
            p.addProperty("userId", user.value());
            p.add("worlds", Json.GSON.toJsonTree(worlds.list(user)));
            s.send(ServerFrames.frame("world-listed", p, r.id(), 0));
        } catch (WorldLinkException e) {
            error(s, e.code(), e.getMessage(), r.id());
        }
        return done();
    }

    private CompletableFuture<Void> worldDelete(ClientSession s, Exchange r) {
        WorldKey key;
        try {
            String worldName = optionalString(r, "worldName");
            ClientSession.Binding b = s.binding();
            if (worldName == null && b == null) {
                throw new WorldLinkException(ErrorCode.NO_WORLD_SELECTED, "world-delete without payload.worldName "
                        + "deletes the world the connection is in, and it is in none; name the world to delete.");
            }
            key = worldName == null ? b.handle().key : new WorldKey(userOf(s, r), Names.toId("world name", worldName));
        } catch (WorldLinkException e) {
            error(s, e.code(), e.getMessage(), r.id());
            return done();
        }
        AtomicBoolean answered = new AtomicBoolean();
        CompletableFuture<Void> deleted = worlds.delete(key, (session, error) -> {
            boolean requester = session == s;
            if (requester) {
                answered.set(true);
            }
            return worldDeleted(key, error, requester ? r.id() : null);
        });
        deleted.whenComplete((x, error) -> {
            if (error == null) {
                if (!answered.get()) {
                    s.send(worldDeleted(key, null, r.id()));
                }
                return;
            }
            WorldLinkException w = unwrap(error);
            if (answered.get()) {
                metrics.requestRefused(w.code());
            } else {
                error(s, w.code(), w.getMessage(), r.id());
            }
        });
        // The connection's next request (a world-create of the same name, say) waits until it is gone.
        return deleted.exceptionally(e -> null);
    }

    /**
     * The frame that tells a connection a world was deleted: {@code world-deleted}, or when storage failed
     * an error saying the world is closed all the same.
     *
     * @param key the world
     * @param error why it could not be deleted, or {@code null} when it was
     * @param replyTo the request it answers, or {@code null}
     * @return the frame
     */
    String worldDeleted(WorldKey key, WorldLinkException error, String replyTo) {
        if (error != null) {
            return ServerFrames.error(error.code(), "The world \"" + key.worldId() + "\" was closed to be deleted, and could "
                    + "not be deleted completely: " + error.getMessage() + " Select it again, or delete it again.",
                    replyTo);
        }
        return ServerFrames.worldDeleted(key, replyTo, clock.instant());
    }

    private String confirmed(ClientSession s, WorldKey key, WorldRuntime.View view, WorldRuntime.Page replay,
            boolean replayed, String templateName, String replyTo) {
        JsonObject p = new JsonObject();
        p.addProperty("worldName", key.worldId());
        String original = view.config().metadata().get("originalTemplate");
        p.addProperty("templateName", original != null ? original : templateName == null ? "" : templateName);
        p.addProperty("userId", key.userId().value());
        p.addProperty("userPath", "data/" + key.relativePath() + "/");
        p.addProperty("isTemplate", false);
        p.addProperty("isPersistent", !key.userId().isAnonymous());
        p.addProperty("timestamp", Json.timestamp(clock.instant()));
        p.addProperty("clientId", s.id());
        p.add("agents", Json.GSON.toJsonTree(view.agents()));
        p.addProperty("lastSeq", view.lastSeq());
        p.addProperty("worldEpoch", view.worldEpoch());
        p.addProperty("chatId", view.chatId());
        p.add("chats", Json.GSON.toJsonTree(ChatViews.of(view.chats())));
        if (replayed) {
            earlier(p, replay);
        }
        return ServerFrames.frame("connection-confirmed", p, replyTo, 0);
    }

    // Whether the events sent leave older ones out, and from which seq a client pages back for them.
    private static void earlier(JsonObject p, WorldRuntime.Page page) {
        p.addProperty("hasEarlier", page.earlier());
        if (page.earlier()) {
            p.addProperty("earliestSeq", page.events().get(0).seq());
        }
    }

    /**
     * @param view the world in the chat a connection is now in
     * @param history the chat's history that follows the frame
     * @param replyTo the request it answers, or {@code null} when the connection was moved
     * @return the {@code chat-selected} frame; the chat's history (its newest events up to {@code lastSeq})
     *     follows it
     */
    String chatSelected(WorldRuntime.View view, WorldRuntime.Page history, String replyTo) {
        JsonObject p = new JsonObject();
        p.addProperty("worldName", view.config().id());
        p.addProperty("chatId", view.chatId());
        view.chats().stream().filter(c -> c.id().equals(view.chatId())).findFirst()
                .ifPresent(c -> p.add("chat", Json.GSON.toJsonTree(ChatViews.of(c))));
        p.addProperty("lastSeq", view.lastSeq());
        earlier(p, history);
        return ServerFrames.frame("chat-selected", p, replyTo, 0);
    }

    // The chat a request names, else the connection's own.
    private static String chatIdOr(ClientSession s, Exchange r) {
        String chatId = optionalString(r, "chatId");
        return chatId == null ? s.chatId() : chatId;
    }

    private CompletableFuture<Void> subscribe(ClientSession s, Exchange r, LiveWorld world) {
        Set<EventType> types = field(r, "eventTypes", o -> {
            JsonElement e = o.get("eventTypes");
            if (e == null || e.isJsonNull()) {
                return Filter.DEFAULT.types();
            }
            if (!e.isJsonArray()) {
                throw new Json.FieldException("field \"eventTypes\" must be an array of event types");
            }
            Set<EventType> set = EnumSet.noneOf(EventType.class);
            for (JsonElement t : (JsonArray) e) {
                EventType type = t.isJsonPrimitive() ? EventType.fromWire(t.getAsString()) : null;
                if (type == null) {
                    throw new Json.FieldException("field \"eventTypes\" may hold only message, world, sse and system");
                }
                set.add(type);
            }
            return set;
        });
        String agentName = optionalString(r, "agentName");
        return world.view().thenAccept(view -> {
            String agent = null;
            if (agentName != null) {
                agent = view.agents().stream()
                        .filter(a -> agentName.equalsIgnoreCase(a.id()) || agentName.equalsIgnoreCase(a.name()))
                        .map(AgentView::id).findFirst()
                        .orElseThrow(() -> new WorldLinkException(ErrorCode.AGENT_NOT_FOUND, "The world has no agent \""
                                + clip(agentName) + "\" to filter by."));
            }
            s.filter(new Filter(types, agent));
            List<String> names = types.stream().map(EventType::wireName).sorted().toList();
            s.send(ServerFrames.frame("system-message", ServerFrames.systemMessage("Subscribed to "
                    + (names.isEmpty() ? "no event types" : String.join(", ", names) + " events")
                    + (agent == null ? "" : " from or about agent " + agent) + ".",
                    io.worldlink.event.MessageLevel.INFO, clock.instant(), null), r.id(), 0));
        }).exceptionally(e -> {
            WorldLinkException w = unwrap(e);
            error(s, w.code(), w.getMessage(), r.id());
            return null;
        });
    }

    private static WorldRuntime.AgentUpdate agentUpdate(Exchange r) {
        JsonObject updates = field(r, "updates", o -> Json.object(o, "updates"));
        if (updates == null) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "agent-update needs payload.updates, an object "
                    + "with status, config, systemPrompt or clearMemory.");
        }
        String status = inUpdates(updates, o -> Json.string(o, "status"));
        AgentStatus parsed = null;
        if (status != null) {
            try {
                parsed = AgentStatus.fromWire(status);
            } catch (IllegalArgumentException e) {
                throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "updates.status must be \"active\" or "
                        + "\"inactive\".");
            }
        }
        Boolean clear = inUpdates(updates, o -> Json.bool(o, "clearMemory"));
        return new WorldRuntime.AgentUpdate(parsed, inUpdates(updates, o -> Json.object(o, "config")),
                inUpdates(updates, o -> Json.string(o, "systemPrompt")), clear != null && clear);
    }

    private static <T> T inUpdates(JsonObject updates, Function<JsonObject, T> read) {
        try {
            return read.apply(updates);
        } catch (Json.FieldException e) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "In updates, " + e.getMessage() + ".");
        }
    }

    private static String requiredString(Exchange r, String field) {
        String value = optionalString(r, field);
        if (value == null) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, r.type() + " needs payload." + field
                    + ", a string.");
        }
        return value;
    }

    private static String optionalString(Exchange r, String field) {
        return field(r, field, o -> Json.string(o, field));
    }

    private static <T> T field(Exchange r, String field, Function<JsonObject, T> read) {
        try {
            return read.apply(r.json());
        } catch (Json.FieldException e) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "In " + r.type() + ", payload " + e.getMessage()
                    + ".");
        }
    }

    private void reportFailure(ClientSession s, Exchange r, CompletableFuture<?> action, String eventId) {
        action.whenComplete((x, error) -> {
            if (error != null) {
                if (eventId != null) {
                    s.forgetReply(eventId);
                }
                WorldLinkException w = unwrap(error);
                error(s, w.code(), w.getMessage(), r.id());
            }
        });
    }

    static WorldLinkException unwrap(Throwable error) {
        Throwable e = error;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof WorldLinkException w) {
            return w;
        }
        LOG.log(Level.ERROR, "Unexpected failure", e);
        return new WorldLinkException(ErrorCode.INTERNAL, "Something went wrong on the server; it has been logged.");
    }

    private static CompletableFuture<Void> done() {
        return CompletableFuture.completedFuture(null);
    }

    private static String kind(JsonElement e) {
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonNull()) {
            return "null";
        }
        return e.getAsJsonPrimitive().isNumber() ? "a number" : e.getAsJsonPrimitive().isString() ? "a string"
                : "a boolean";
    }

    private static String clip(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
