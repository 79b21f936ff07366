package io.worldlink.client;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.Chat;
import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.SenderType;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.Daemons;
import io.worldlink.internal.EventJson;
import io.worldlink.internal.Json;
import io.worldlink.model.Usage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Java client for a WorldLink server, on the JDK's {@link java.net.http.WebSocket} (no other
 * dependency). Requests return futures that complete with the server's answer (correlated by
 * {@code id}/{@code replyTo}) or fail with the server's {@link WorldLinkException}. Everything else the
 * server sends goes to the {@link ClientListener}.
 *
 * <p>When the connection drops, the client reconnects by itself with exponential backoff and selects
 * its world again with the last {@code seq} it saw and the world's epoch, so the listener sees every
 * durable event once and in order. When the world began another life meanwhile (it was deleted and
 * created again), the new {@link Confirmation} says so with {@link Confirmation#newLife()}, and the new
 * life's events follow from its start. Requests under way when it drops fail; send them again once it
 * is back.
 *
 * <pre>{@code
 * try (WorldLinkClient client = WorldLinkClient.builder(URI.create("ws://127.0.0.1:8080/ws"))
 *         .listener(new ClientListener() {
 *             public void onChatResponse(ChatResponse r) { System.out.print(r.content()); }
 *         }).build()) {
 *     client.selectWorld("default-world", "demo", UUID.randomUUID().toString()).join();
 *     client.send("Hello!").join();
 * }
 * }</pre>
 */
public final class WorldLinkClient implements AutoCloseable {
    private final URI uri;
    private final String token;
    private final ClientListener listener;
    private final boolean reconnect;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration requestTimeout;
    private final ExecutorService io;
    private final ScheduledExecutorService timer;
    private final HttpClient http;
    private final Map<String, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final List<TurnCollector> turns = new CopyOnWriteArrayList<>();

    private final Object lock = new Object();
    private WebSocket socket;
    private CompletableFuture<WebSocket> opening;
    private CompletableFuture<?> sends = CompletableFuture.completedFuture(null);
    private JsonObject selection;
    // What the client saw of the selected world; null until the server confirmed it.
    private Position position;
    // The frames up to this seq after a chat-selected are the chat's history, older than what was seen: -1 for none.
    private long historyUntil = -1;
    private int attempts;
    private boolean closed;
    private volatile ConnectionState state = ConnectionState.CLOSED;

    private WorldLinkClient(Builder b) {
        this.uri = b.uri;
        this.token = b.token;
        this.listener = b.listener;
        this.reconnect = b.reconnect;
        this.initialBackoff = b.initialBackoff;
        this.maxBackoff = b.maxBackoff;
        this.requestTimeout = b.requestTimeout;
        // Two threads read and hand on the connection's frames, however many requests are under way.
        this.io = Executors.newFixedThreadPool(2, Daemons.factory("worldlink-client-io"));
        this.timer = Executors.newSingleThreadScheduledExecutor(Daemons.factory("worldlink-client-timer"));
        this.http = HttpClient.newBuilder().executor(io).connectTimeout(b.requestTimeout).build();
    }

    /**
     * {@return a builder}
     *
     * @param uri the server's WebSocket address, such as {@code ws://127.0.0.1:8080/ws}
     */
    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    /** {@return where the connection stands} */
    public ConnectionState state() {
        return state;
    }

    /**
     * Opens the connection (selecting a world opens it too).
     *
     * @return done when it is open
     */
    public CompletableFuture<Void> connect() {
        return open().thenApply(ws -> null);
    }

    /**
     * Selects a world: the user's world of that name, cloned from the template when it does not exist.
     *
     * @param templateName the template to clone from (may be empty when the world exists)
     * @param worldName the world's name
     * @param userId a UUID (anonymous) or the signed user's id (needs a token)
     * @return the confirmation, or a failure with the server's {@link WorldLinkException}
     */
    public CompletableFuture<Confirmation> selectWorld(String templateName, String worldName, String userId) {
        return selectWorld(templateName, worldName, userId, null);
    }

    /**
     * Selects a world and one of its chats.
     *
     * @param templateName the template to clone from (may be empty when the world exists)
     * @param worldName the world's name
     * @param userId a UUID (anonymous) or the signed user's id (needs a token)
     * @param chatId the chat to be in, or {@code null} for the world's newest; a chat the world does not
     *     have is the newest too ({@link Confirmation#chatId} says which)
     * @return the confirmation, or a failure with the server's {@link WorldLinkException}
     */
    public CompletableFuture<Confirmation> selectWorld(String templateName, String worldName, String userId,
            String chatId) {
        JsonObject p = new JsonObject();
        p.addProperty("templateName", templateName == null ? "" : templateName);
        p.addProperty("worldName", worldName);
        p.addProperty("userId", userId);
        if (chatId != null) {
            p.addProperty("chatId", chatId);
        }
        synchronized (lock) {
            selection = p;
            position = null;
        }
        // A world selected anew has no past here, so no past life either.
        return request("world-select", p).thenApply(f -> confirmation(f, false));
    }

    /**
     * Sends a chat message as the default human sender.
     *
     * @param message the text
     * @return the message as the world published it
     */
    public CompletableFuture<MessageEvent> send(String message) {
        return send(message, null);
    }

    /**
     * {@return the message as the world published it}
     *
     * @param message the text
     * @param sender a display name (never {@code system}, {@code world} or an agent's), or {@code null}
     */
    public CompletableFuture<MessageEvent> send(String message, String sender) {
        JsonObject p = new JsonObject();
        p.addProperty("message", message);
        if (sender != null) {
            p.addProperty("sender", sender);
        }
        return request("chat-send", p).thenApply(f -> (MessageEvent) EventJson.fromJson(
                f.getAsJsonObject("payload").getAsJsonObject("event")));
    }

    /**
     * Sends a chat message and waits for the whole turn: every agent's reply, agents answering each
     * other included, until the world says the turn is over.
     *
     * <pre>{@code
     * Turn turn = client.chat("How do I learn Java?").join();
     * turn.replies().forEach(r -> System.out.println(r.agentName() + ": " + r.content()));
     * }</pre>
     *
     * @param message the text
     * @return the turn when it is over; failed with the server's {@link WorldLinkException} when the
     *     message was refused
     */
    public CompletableFuture<Turn> chat(String message) {
        return chat(message, ReplyListener.NONE);
    }

    /**
     * Sends a chat message, streams its replies to a listener one agent at a time, and waits for the
     * whole turn.
     *
     * <pre>{@code
     * client.chat("How do I learn Java?", (agent, text) -> System.out.print(text)).join();
     * }</pre>
     *
     * @param message the text
     * @param replies gets each reply's text as it streams, never two agents' text mixed
     * @return the turn when it is over
     */
    public CompletableFuture<Turn> chat(String message, ReplyListener replies) {
        JsonObject p = new JsonObject();
        p.addProperty("message", message);
        String id = "c" + ids.incrementAndGet();
        TurnCollector collector = new TurnCollector(id, Objects.requireNonNull(replies, "replies"));
        turns.add(collector);
        collector.turn.whenComplete((t, e) -> turns.remove(collector));
        request(id, "chat-send", p).whenComplete((echo, e) -> {
            if (e != null) {
                collector.turn.completeExceptionally(e);
            }
        });
        return collector.turn;
    }

    /**
     * Stops the turn in progress in the world, as a stop button does: the replies end with the text they
     * had, marked stopped, and the turn ends.
     *
     * @return done when the server has stopped it (or said that nothing was running)
     */
    public CompletableFuture<Void> stop() {
        return request("chat-stop", new JsonObject()).thenApply(f -> null);
    }

    /**
     * Changes an agent. Each argument left {@code null} (or {@code false}) stays as it is.
     *
     * @param agentName the agent's id or name
     * @param active the new status
     * @param systemPrompt the new system prompt
     * @param config config fields to change (model, temperature, ...)
     * @param clearMemory whether to empty its memory
     * @return the agent as it now is
     */
    public CompletableFuture<AgentInfo> updateAgent(String agentName, Boolean active, String systemPrompt,
            Map<String, ?> config, boolean clearMemory) {
        JsonObject updates = new JsonObject();
        if (active != null) {
            updates.addProperty("status", active ? "active" : "inactive");
        }
        if (systemPrompt != null) {
            updates.addProperty("systemPrompt", systemPrompt);
        }
        if (config != null) {
            updates.add("config", Json.GSON.toJsonTree(config));
        }
        if (clearMemory) {
            updates.addProperty("clearMemory", true);
        }
        JsonObject p = new JsonObject();
        p.addProperty("agentName", agentName);
        p.add("updates", updates);
        return request("agent-update", p).thenApply(f -> AgentInfo.from(f.getAsJsonObject("payload")
                .getAsJsonObject("agent")));
    }

    /** {@return done when the world was read again from disk; the result is its agent count} */
    public CompletableFuture<Integer> reloadWorld() {
        return request("world-reload", new JsonObject())
                .thenApply(f -> f.getAsJsonObject("payload").get("agentCount").getAsInt());
    }

    /**
     * {@return done when the server confirmed the filter}
     *
     * @param eventTypes the event types to receive as events ({@code message}, {@code world},
     *     {@code sse}, {@code system})
     * @param agentName only what is from or about this agent, or {@code null} for all
     */
    public CompletableFuture<Void> subscribe(Set<String> eventTypes, String agentName) {
        JsonObject p = new JsonObject();
        JsonArray types = new JsonArray();
        eventTypes.forEach(types::add);
        p.add("eventTypes", types);
        if (agentName != null) {
            p.addProperty("agentName", agentName);
        }
        return request("event-subscribe", p).thenApply(f -> null);
    }

    /** {@return the world as Markdown, with every chat} */
    public CompletableFuture<String> exportWorld() {
        return exportChat(null);
    }

    /**
     * {@return the world as Markdown, with the conversation of that chat}
     *
     * @param chatId a chat, or {@code null} for every chat
     */
    public CompletableFuture<String> exportChat(String chatId) {
        JsonObject p = new JsonObject();
        if (chatId != null) {
            p.addProperty("chatId", chatId);
        }
        return request("world-export", p).thenApply(f -> f.getAsJsonObject("payload").get("markdown").getAsString());
    }

    /** {@return the chat of the selected world this client is in, or {@code null} before a confirmation} */
    public String chatId() {
        synchronized (lock) {
            return selection == null || !selection.has("chatId") ? null : selection.get("chatId").getAsString();
        }
    }

    /** {@return the chats of the selected world, newest first} */
    public CompletableFuture<List<Chat>> listChats() {
        return request("chat-list", new JsonObject()).thenApply(f -> {
            List<Chat> chats = new ArrayList<>();
            f.getAsJsonObject("payload").getAsJsonArray("chats").forEach(c -> chats.add(chat(c.getAsJsonObject())));
            return chats;
        });
    }

    /**
     * Starts a new chat in the selected world and moves this client into it.
     *
     * @param name its name, or {@code null} to have it named after its first message
     * @return the new chat
     */
    public CompletableFuture<Chat> createChat(String name) {
        JsonObject p = new JsonObject();
        if (name != null) {
            p.addProperty("name", name);
        }
        return request("chat-create", p).thenApply(f -> {
            JsonObject created = f.getAsJsonObject("payload");
            // The server moves the requester into the chat it created; chat-selected follows.
            inChat(created);
            return chat(created.getAsJsonObject("chat"));
        });
    }

    /**
     * Moves this client into another chat of its world; the chat's history follows
     * ({@link ClientListener#onChatSelected}).
     *
     * @param chatId the chat
     * @return the chat
     */
    public CompletableFuture<Chat> selectChat(String chatId) {
        JsonObject p = new JsonObject();
        p.addProperty("chatId", chatId);
        return request("chat-select", p).thenApply(f -> chat(f.getAsJsonObject("payload").getAsJsonObject("chat")));
    }

    /**
     * Fetches an earlier page of the history of the chat this client is in: its newest durable events
     * before a seq. The history that follows {@link #selectChat} (or a replay) holds the newest events only
     * when the chat has more than the server sends at once; this reads back the rest, a page at a time.
     *
     * @param beforeSeq the seq of the oldest event of the chat the caller has
     * @param limit at most this many events, from 1 to 200
     * @return the page, which says whether the chat has still older events
     */
    public CompletableFuture<ChatHistory> chatHistory(long beforeSeq, int limit) {
        JsonObject p = new JsonObject();
        p.addProperty("beforeSeq", beforeSeq);
        p.addProperty("limit", limit);
        return request("chat-history", p).thenApply(f -> {
            JsonObject page = f.getAsJsonObject("payload");
            List<WorldEvent> events = new ArrayList<>();
            page.getAsJsonArray("events").forEach(e -> events.add(EventJson.fromJson(e.getAsJsonObject())));
            return new ChatHistory(page.get("chatId").getAsString(), events, page.get("hasEarlier").getAsBoolean());
        });
    }

    /**
     * {@return the chat as it now is}
     *
     * @param chatId the chat
     * @param name its new name
     */
    public CompletableFuture<Chat> renameChat(String chatId, String name) {
        JsonObject p = new JsonObject();
        p.addProperty("chatId", chatId);
        p.addProperty("name", name);
        return request("chat-rename", p).thenApply(f -> chat(f.getAsJsonObject("payload").getAsJsonObject("chat")));
    }

    /**
     * Deletes a chat and its messages in every agent's memory; its clients move to another chat.
     *
     * @param chatId the chat
     * @return the chat its clients moved to
     */
    public CompletableFuture<String> deleteChat(String chatId) {
        JsonObject p = new JsonObject();
        p.addProperty("chatId", chatId);
        return request("chat-delete", p)
                .thenApply(f -> f.getAsJsonObject("payload").get("fallbackChatId").getAsString());
    }

    /** {@return the server's time, when it answered} */
    public CompletableFuture<String> ping() {
        return request("ping", new JsonObject()).thenApply(f -> f.getAsJsonObject("payload").get("timestamp")
                .getAsString());
    }

    /** Closes the connection and stops the client's threads. Requests under way fail. Idempotent. */
    @Override
    public void close() {
        WebSocket ws;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            ws = socket;
            socket = null;
        }
        if (ws != null) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(2, TimeUnit.SECONDS)
                    .whenComplete((x, e) -> ws.abort());
        }
        failPending("The client was closed.");
        failTurns("The client was closed before the turn was over.");
        setState(ConnectionState.CLOSED);
        timer.shutdownNow();
        io.shutdown();
    }

    // ---- the connection ----

    private CompletableFuture<WebSocket> open() {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("The client is closed."));
            }
            if (socket != null) {
                return CompletableFuture.completedFuture(socket);
            }
            if (opening == null) {
                setState(attempts == 0 ? ConnectionState.CONNECTING : ConnectionState.RECONNECTING);
                WebSocket.Builder b = http.newWebSocketBuilder().connectTimeout(requestTimeout);
                if (token != null) {
                    b.header("Authorization", "Bearer " + token);
                }
                CompletableFuture<WebSocket> f = b.buildAsync(uri, new Receiver()).thenApply(ws -> {
                    opened(ws);
                    return ws;
                });
                opening = f;
                f.whenComplete((ws, e) -> {
                    synchronized (lock) {
                        opening = null;
                    }
                    if (e != null) {
                        dropped(null);
                    }
                });
            }
            return opening;
        }
    }

    private void opened(WebSocket ws) {
        JsonObject resume;
        synchronized (lock) {
            socket = ws;
            sends = CompletableFuture.completedFuture(null);
            resume = attempts > 0 && selection != null ? selection.deepCopy() : null;
            if (resume != null && position != null) {
                resume.addProperty("lastSeq", position.lastSeq);
                if (position.epoch != null) {
                    resume.addProperty("worldEpoch", position.epoch);
                }
            }
            attempts = 0;
        }
        setState(ConnectionState.CONNECTED);
        if (resume != null) {
            request("world-select", resume);
        }
    }

    // ws is the socket that closed, or null when opening one failed.
    private void dropped(WebSocket ws) {
        long delay;
        synchronized (lock) {
            if (closed || (ws != null && socket != ws)) {
                return;
            }
            socket = null;
            if (!reconnect) {
                closed = true;
            }
            attempts++;
            long base = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(attempts - 1, 20));
            delay = base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
        }
        failPending("The connection to the server was lost; send the request again once it is back.");
        if (!reconnect) {
            failTurns("The connection to the server was lost before the turn was over.");
            setState(ConnectionState.CLOSED);
            timer.shutdownNow();
            io.shutdown();
            return;
        }
        setState(ConnectionState.RECONNECTING);
        timer.schedule(this::open, delay, TimeUnit.MILLISECONDS);
    }

    private void failTurns(String why) {
        for (TurnCollector t : turns) {
            t.turn.completeExceptionally(new WorldLinkException(ErrorCode.INTERNAL, why));
        }
    }

    private void failPending(String why) {
        for (String id : List.copyOf(pending.keySet())) {
            CompletableFuture<JsonObject> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(new WorldLinkException(ErrorCode.INTERNAL, why));
            }
        }
    }

    private void setState(ConnectionState s) {
        if (state != s) {
            state = s;
            listener.onStateChanged(s);
        }
    }

    private CompletableFuture<JsonObject> request(String type, JsonObject payload) {
        return request("c" + ids.incrementAndGet(), type, payload);
    }

    private CompletableFuture<JsonObject> request(String id, String type, JsonObject payload) {
        JsonObject frame = new JsonObject();
        frame.addProperty("type", type);
        frame.addProperty("id", id);
        frame.add("payload", payload);
        CompletableFuture<JsonObject> answer = new CompletableFuture<>();
        pending.put(id, answer);
        String text = frame.toString();
        open().thenAccept(ws -> {
            synchronized (lock) {
                // The JDK's WebSocket takes one send at a time: chain them.
                sends = sends.handle((x, e) -> null).thenCompose(x -> ws.sendText(text, true));
                sends.whenComplete((x, e) -> {
                    if (e != null) {
                        fail(id, e);
                    }
                });
            }
        }).exceptionally(e -> {
            fail(id, e);
            return null;
        });
        return answer.orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((x, e) -> pending.remove(id));
    }

    private void fail(String id, Throwable e) {
        CompletableFuture<JsonObject> f = pending.remove(id);
        if (f != null) {
            f.completeExceptionally(e);
        }
    }

    private final class Receiver implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                receive(text);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            dropped(ws);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            dropped(ws);
        }
    }

    // ---- frames ----

    private void receive(String text) {
        JsonObject f;
        String type;
        try {
            JsonElement e = JsonParser.parseString(text);
            f = e.getAsJsonObject();
            type = f.get("type").getAsString();
        } catch (JsonParseException | IllegalStateException | NullPointerException e) {
            listener.onUnreadableFrame(text, "not a WorldLink frame");
            return;
        }
        if (f.has("seq") && !firstTime(f.get("seq").getAsLong(), type)) {
            return;
        }
        try {
            dispatch(type, f);
        } catch (RuntimeException e) {
            listener.onUnreadableFrame(text, e.toString());
        }
    }

    // Durable events come once: a frame is dropped when a frame of its type and seq was already seen.
    private boolean firstTime(long seq, String type) {
        synchronized (lock) {
            // Before a confirmation, frames still belong to a world that was left: nothing to compare with.
            if (position == null || seq <= historyUntil) {
                return true;
            }
            if (seq < position.lastSeq) {
                return false;
            }
            if (seq > position.lastSeq) {
                position.lastSeq = seq;
                position.typesAtLastSeq.clear();
            }
            return position.typesAtLastSeq.add(type);
        }
    }

    /**
     * Takes the confirmed world's epoch and newest seq, and says whether the world began another life
     * since the client last saw it. The server replays such a world from its start (PROTOCOL.md, Replay):
     * a world deleted and created again has another epoch, one that went back (restored from an older
     * copy) has fewer events than the client saw. Either way the old seqs mean nothing any more.
     */
    private boolean confirmed(String epoch, long worldLastSeq) {
        synchronized (lock) {
            if (position == null) {
                position = new Position(epoch, worldLastSeq);
                return false;
            }
            if (Objects.equals(position.epoch, epoch) && worldLastSeq >= position.lastSeq) {
                return false;
            }
            position = new Position(epoch, 0);
            return true;
        }
    }

    private void dispatch(String type, JsonObject f) {
        JsonObject p = f.getAsJsonObject("payload");
        String replyTo = f.has("replyTo") ? f.get("replyTo").getAsString() : null;
        CompletableFuture<JsonObject> answer = replyTo == null ? null : pending.remove(replyTo);
        switch (type) {
            case "connection-confirmed" -> {
                boolean newLife = confirmed(epoch(p), p.get("lastSeq").getAsLong());
                inChat(p);
                synchronized (lock) {
                    historyUntil = -1;
                }
                listener.onConfirmed(confirmation(f, newLife));
                // Back after a drop: the replies that were streaming come again (a restarted server takes
                // its turns up again) or go on with a gap.
                turns.forEach(TurnCollector::reconnected);
            }
            case "connection-error" -> listener.onConnectionError(p.get("code").getAsString(),
                    p.get("error").getAsString());
            case "chat-response" -> {
                ChatResponse r = new ChatResponse(p.get("agentName").getAsString(), p.get("content").getAsString(),
                        p.get("messageId").getAsString(), p.get("isComplete").getAsBoolean(), usage(p),
                        p.has("stopped") && p.get("stopped").getAsBoolean());
                listener.onChatResponse(r);
                for (TurnCollector t : turns) {
                    if (r.complete()) {
                        t.complete(r.agentName(), r.messageId(), r.content(), r.usage(), r.stopped());
                    } else {
                        t.chunk(r.agentName(), r.messageId(), r.content());
                    }
                }
            }
            case "system-message" -> listener.onSystemMessage(new SystemNotice(p.get("content").getAsString(),
                    MessageLevel.valueOf(p.get("level").getAsString().toUpperCase(Locale.ROOT)),
                    p.has("code") ? p.get("code").getAsString() : null));
            case "agent-updated" -> listener.onAgentUpdated(AgentInfo.from(p.getAsJsonObject("agent")));
            case "world-reloaded" -> listener.onWorldReloaded(p.get("worldName").getAsString(),
                    p.get("agentCount").getAsInt());
            case "event-stream" -> {
                WorldEvent event = EventJson.fromJson(p.getAsJsonObject("event"));
                listener.onEvent(event);
                boolean history;
                synchronized (lock) {
                    history = f.has("seq") && f.get("seq").getAsLong() <= historyUntil;
                }
                // A chat's history after a switch is the past of another conversation: no turn of now is in it.
                for (TurnCollector t : history ? List.<TurnCollector>of() : turns) {
                    if (t.requestId.equals(replyTo)) {
                        t.started(event.id());
                    } else if (event instanceof WorldActionEvent w && w.action().equals(WorldActionEvent.IDLE)) {
                        t.idle(String.valueOf(w.details().get("messageId")));
                    } else if (event instanceof MessageEvent m && m.senderType() == SenderType.AGENT) {
                        // After a reconnect the replay brings the replies whose streams were lost.
                        t.logged(m.sender(), m.id(), m.content(), m.stopped());
                    }
                }
            }
            case "chat-created" -> listener.onChatCreated(chat(p.getAsJsonObject("chat")));
            case "chat-updated" -> listener.onChatUpdated(chat(p.getAsJsonObject("chat")));
            case "chat-deleted" -> listener.onChatDeleted(p.get("chatId").getAsString(),
                    p.get("fallbackChatId").getAsString());
            case "chat-selected" -> {
                inChat(p);
                synchronized (lock) {
                    historyUntil = p.get("lastSeq").getAsLong();
                }
                listener.onChatSelected(chat(p.getAsJsonObject("chat")));
            }
            case "world-exported" -> listener.onWorldExported(p.get("worldName").getAsString(),
                    p.get("markdown").getAsString());
            case "world-deleted" -> {
                // Selecting it again after a reconnect would create it anew from its template.
                synchronized (lock) {
                    selection = null;
                    position = null;
                }
                failTurns("The world was deleted before the turn was over.");
                listener.onWorldDeleted(p.get("worldName").getAsString());
            }
            default -> {
                // pong, and frame types of later protocol versions: nothing to tell the listener.
            }
        }
        if (answer != null) {
            if (type.equals("connection-error")) {
                answer.completeExceptionally(error(p.get("code").getAsString(), p.get("error").getAsString()));
            } else if (type.equals("system-message") && p.has("code")) {
                answer.completeExceptionally(error(p.get("code").getAsString(), p.get("content").getAsString()));
            } else {
                answer.complete(f);
            }
        }
    }

    private static WorldLinkException error(String code, String message) {
        ErrorCode c;
        try {
            c = ErrorCode.valueOf(code);
        } catch (IllegalArgumentException e) {
            c = ErrorCode.INTERNAL;
        }
        return new WorldLinkException(c, message);
    }

    private static Usage usage(JsonObject p) {
        JsonObject u = p.has("usage") ? p.getAsJsonObject("usage") : null;
        return u == null ? null : new Usage(u.get("inputTokens").getAsInt(), u.get("outputTokens").getAsInt(),
                u.get("totalTokens").getAsInt());
    }

    // The chat the server put this client in: a reconnect resumes there.
    private void inChat(JsonObject p) {
        synchronized (lock) {
            JsonElement chatId = p.get("chatId");
            if (selection != null && chatId != null && !chatId.isJsonNull()) {
                selection.addProperty("chatId", chatId.getAsString());
            }
        }
    }

    private static Confirmation confirmation(JsonObject f, boolean newLife) {
        JsonObject p = f.getAsJsonObject("payload");
        List<AgentInfo> agents = new ArrayList<>();
        p.getAsJsonArray("agents").forEach(a -> agents.add(AgentInfo.from(a.getAsJsonObject())));
        List<Chat> chats = new ArrayList<>();
        JsonElement listed = p.get("chats");
        if (listed != null && listed.isJsonArray()) {
            listed.getAsJsonArray().forEach(c -> chats.add(chat(c.getAsJsonObject())));
        }
        JsonElement chatId = p.get("chatId");
        return new Confirmation(p.get("worldName").getAsString(), p.get("templateName").getAsString(),
                p.get("userId").getAsString(), p.get("userPath").getAsString(), p.get("isPersistent").getAsBoolean(),
                p.get("clientId").getAsString(), agents, p.get("lastSeq").getAsLong(), epoch(p), newLife,
                chatId == null || chatId.isJsonNull() ? null : chatId.getAsString(), chats,
                p.has("earliestSeq") ? p.get("earliestSeq").getAsLong() : 0);
    }

    private static Chat chat(JsonObject c) {
        return new Chat(c.get("id").getAsString(), c.get("worldId").getAsString(), c.get("name").getAsString(),
                c.has("description") ? c.get("description").getAsString() : "",
                Instant.parse(c.get("createdAt").getAsString()), Instant.parse(c.get("updatedAt").getAsString()),
                c.get("messageCount").getAsInt());
    }

    // A server from before epochs sends none.
    private static String epoch(JsonObject p) {
        JsonElement e = p.get("worldEpoch");
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    // A seq counts in one life (epoch) of the selected world; a new life is a new Position.
    private static final class Position {
        final String epoch;
        long lastSeq;
        final Set<String> typesAtLastSeq = new HashSet<>();

        Position(String epoch, long lastSeq) {
            this.epoch = epoch;
            this.lastSeq = lastSeq;
        }
    }

    /** Configures a {@link WorldLinkClient}. */
    public static final class Builder {
        private final URI uri;
        private String token;
        private ClientListener listener = ClientListener.NONE;
        private boolean reconnect = true;
        private Duration initialBackoff = Duration.ofMillis(250);
        private Duration maxBackoff = Duration.ofSeconds(10);
        private Duration requestTimeout = Duration.ofSeconds(30);

        private Builder(URI uri) {
            this.uri = Objects.requireNonNull(uri);
        }

        /**
         * Sets a token that proves a signed user (sent as {@code Authorization: Bearer}).
         *
         * @param token a token that proves a signed user (sent as {@code Authorization: Bearer})
         * @return this
         */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /**
         * Sets the listener that receives what the server sends.
         *
         * @param listener receives what the server sends
         * @return this
         */
        public Builder listener(ClientListener listener) {
            this.listener = Objects.requireNonNull(listener);
            return this;
        }

        /**
         * Sets whether to reconnect after a drop.
         *
         * @param reconnect whether to reconnect after a drop (default {@code true})
         * @return this
         */
        public Builder reconnect(boolean reconnect) {
            this.reconnect = reconnect;
            return this;
        }

        /**
         * Sets the first pause before reconnecting and the longest pause.
         *
         * @param initial the first pause before reconnecting (default 250 ms); it doubles each try
         * @param max the longest pause (default 10 s)
         * @return this
         */
        public Builder backoff(Duration initial, Duration max) {
            if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("backoff must be positive, with max >= initial");
            }
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /**
         * Sets how long a request waits for its answer, and a connection to open.
         *
         * @param timeout how long a request waits for its answer, and a connection to open (default 30 s)
         * @return this
         */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** {@return the client, not yet connected} */
        public WorldLinkClient build() {
            return new WorldLinkClient(this);
        }
    }
}
