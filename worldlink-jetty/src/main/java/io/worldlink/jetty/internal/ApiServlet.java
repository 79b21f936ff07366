package io.worldlink.jetty.internal;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.worldlink.AgentSnapshot;
import io.worldlink.Chat;
import io.worldlink.ErrorCode;
import io.worldlink.Identity;
import io.worldlink.NewAgent;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldLink;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.WorldUpdate;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.Reader;
import java.io.UnsupportedEncodingException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API of seed 002, with the same access rules as the WebSocket: {@code GET /health} (and the
 * probes {@code /health/live} and {@code /health/ready}),
 * {@code GET /api/templates}, {@code GET /api/templates/{t}/agents}, {@code GET /api/users/{u}/worlds},
 * {@code GET /api/users/{u}/worlds/{w}}, {@code GET /api/users/{u}/worlds/{w}/export} and
 * {@code POST /api/users/{u}/worlds/{w}/chat} (the turn as server-sent events, ending at {@code idle});
 * and the management of worlds and agents (docs/protocol-management.md): {@code POST /api/users/{u}/worlds},
 * {@code PATCH} and {@code DELETE /api/users/{u}/worlds/{w}}, {@code POST /api/users/{u}/worlds/{w}/agents}
 * and {@code DELETE /api/users/{u}/worlds/{w}/agents/{a}}. Errors are JSON {@code {"error", "code"}} with
 * the HTTP status that fits the code; a method a path does not take is 405 with the methods it does take.
 */
public final class ApiServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ApiServlet.class);
    // Written as the core writes its frames: a name with < or & stays as it is.
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final int MAX_BODY_CHARS = 64 * 1024;
    // Longer than any management request takes (a deletion cancels a turn and removes a folder).
    private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

    private final transient WorldLink link;
    private final transient Scheduler scheduler;
    private final Duration streamTimeout;
    private final Duration keepAlive;
    private final transient Set<SseChat> streams = ConcurrentHashMap.newKeySet();
    private final transient Readiness readiness;

    /**
     * @param link what to serve
     * @param scheduler where a chat stream's keep-alives and timeout are timed
     * @param streamTimeout how long a chat stream may stay open
     * @param keepAlive how long a chat stream may write nothing before a keep-alive comment goes out
     * @param readiness what {@code /health/ready} answers
     */
    public ApiServlet(WorldLink link, Scheduler scheduler, Duration streamTimeout, Duration keepAlive,
            Readiness readiness) {
        this.link = link;
        this.scheduler = scheduler;
        this.streamTimeout = streamTimeout;
        this.keepAlive = keepAlive;
        this.readiness = readiness;
    }

    /**
     * Ends every chat stream with an error event saying why, without waiting: a server that stops would
     * otherwise wait for streams that could last minutes.
     *
     * @param reason why, for the clients
     */
    public void closeStreams(String reason) {
        for (SseChat s : List.copyOf(streams)) {
            s.close(1001, reason);
        }
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try {
            List<String> p = segments(req);
            // Probes carry no token, and must not fail for one they happen to carry.
            if (p.equals(List.of("health", "live"))) {
                json(resp, 200, wrap("status", new JsonPrimitive("ok")));
                return;
            }
            if (p.equals(List.of("health", "ready"))) {
                ready(resp);
                return;
            }
            Identity identity = link.authenticate(SseChat.token(req));
            if (p.equals(List.of("health"))) {
                WorldLink.Stats s = link.stats();
                JsonObject o = new JsonObject();
                o.addProperty("status", "ok");
                o.addProperty("connections", s.connections());
                o.addProperty("loadedWorlds", s.loadedWorlds());
                o.addProperty("subscriptions", s.subscriptions());
                o.addProperty("trackedUsers", s.trackedUsers());
                o.addProperty("activeModelCalls", s.activeModelCalls());
                o.addProperty("defaultProvider", link.defaultProvider());
                json(resp, 200, o);
            } else if (p.equals(List.of("api", "templates"))) {
                JsonArray list = new JsonArray();
                for (String id : link.templates()) {
                    WorldSnapshot t = link.template(id);
                    JsonObject o = new JsonObject();
                    o.addProperty("id", id);
                    o.addProperty("name", t.config().name());
                    o.addProperty("description", t.config().description());
                    o.addProperty("agentCount", t.agents().size());
                    list.add(o);
                }
                json(resp, 200, wrap("templates", list));
            } else if (p.size() == 4 && p.get(1).equals("templates") && p.get(3).equals("agents")) {
                json(resp, 200, wrap("agents", agents(link.template(p.get(2)))));
            } else if (p.size() == 4 && p.get(1).equals("users") && p.get(3).equals("worlds")) {
                json(resp, 200, wrap("worlds", GSON.toJsonTree(link.worlds(identity, p.get(2)))));
            } else if (p.size() == 5 && p.get(1).equals("users") && p.get(3).equals("worlds")) {
                json(resp, 200, world(link.world(identity, p.get(2), p.get(4))));
            } else if (worldsPath(p, 6) && p.get(5).equals("chats")) {
                respond(req, resp, link.chats(identity, p.get(2), p.get(4))
                        .thenApply(chats -> wrap("chats", chats(chats))), 200, null);
            } else if (worldsPath(p, 7) && p.get(5).equals("chats")) {
                String chatId = p.get(6);
                respond(req, resp, link.chats(identity, p.get(2), p.get(4)).thenApply(chats -> chats.stream()
                        .filter(c -> c.id().equals(chatId)).findFirst().map(ApiServlet::chat)
                        .orElseThrow(() -> new WorldLinkException(ErrorCode.CHAT_NOT_FOUND, "The world has no chat \""
                                + clip(chatId) + "\"; GET .../chats lists its chats."))), 200, null);
            } else if ((worldsPath(p, 6) && p.get(5).equals("export"))
                    || (worldsPath(p, 8) && p.get(5).equals("chats") && p.get(7).equals("export"))) {
                String chatId = p.size() == 8 ? p.get(6) : null;
                // The export reads the world's log: answered when it is ready, never holding a server thread.
                answer(req, resp, link.export(identity, p.get(2), p.get(4), chatId), markdown -> {
                    resp.setStatus(200);
                    resp.setContentType("text/markdown;charset=utf-8");
                    resp.getWriter().write(markdown);
                });
            } else {
                refuse(req, resp, p);
            }
        } catch (WorldLinkException e) {
            error(resp, e);
        }
    }

    private void ready(HttpServletResponse resp) throws IOException {
        String problem = readiness.problem();
        if (problem == null) {
            json(resp, 200, wrap("status", new JsonPrimitive("ok")));
            return;
        }
        JsonObject o = new JsonObject();
        o.addProperty("error", problem);
        o.addProperty("code", "NOT_READY");
        json(resp, 503, o);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<String> p = segments(req);
        if (worldsPath(p, 4)) {
            Identity identity = link.authenticate(SseChat.token(req));
            try {
                JsonObject body = body(req);
                String worldName = field(body, "worldName", true);
                String templateName = field(body, "templateName", false);
                String description = field(body, "description", false);
                String location = req.getContextPath() + "/api/users/" + p.get(2) + "/worlds/"
                        + WorldKey.of(p.get(2), worldName).worldId();
                respond(req, resp, link.createWorld(identity, p.get(2), worldName, templateName, description)
                        .thenApply(ApiServlet::world), 201, w -> location);
            } catch (WorldLinkException e) {
                error(resp, e);
            }
            return;
        }
        if (worldsPath(p, 6) && p.get(5).equals("agents")) {
            Identity identity = link.authenticate(SseChat.token(req));
            try {
                NewAgent agent = NewAgent.fromJson(text(req));
                respond(req, resp, link.createAgent(identity, p.get(2), p.get(4), agent)
                        .thenApply(a -> JsonParser.parseString(a.toClientJson())), 201, null);
            } catch (WorldLinkException e) {
                error(resp, e);
            }
            return;
        }
        if (worldsPath(p, 6) && p.get(5).equals("chats")) {
            Identity identity = link.authenticate(SseChat.token(req));
            try {
                String name = field(body(req), "name", false);
                respond(req, resp, link.createChat(identity, p.get(2), p.get(4), name).thenApply(ApiServlet::chat), 201,
                        c -> req.getContextPath() + "/api/users/" + p.get(2) + "/worlds/" + p.get(4) + "/chats/"
                                + c.get("id").getAsString());
            } catch (WorldLinkException e) {
                error(resp, e);
            }
            return;
        }
        if (!(worldsPath(p, 6) && p.get(5).equals("chat"))) {
            refuse(req, resp, p);
            return;
        }
        Identity identity = link.authenticate(SseChat.token(req));
        String message;
        String sender;
        String templateName;
        String chatId;
        try {
            JsonObject body = body(req);
            message = field(body, "message", true);
            sender = field(body, "sender", false);
            templateName = field(body, "templateName", false);
            chatId = field(body, "chatId", false);
            // Refuse what can be refused before the stream starts, with a plain HTTP status.
            link.worlds(identity, p.get(2));
            WorldKey.of(p.get(2), p.get(4));
        } catch (WorldLinkException e) {
            error(resp, e);
            return;
        }
        AsyncContext async = req.startAsync();
        new SseChat(link, streams, async, scheduler, streamTimeout, keepAlive, identity, p.get(2), p.get(4),
                templateName, chatId, message, sender).start();
    }

    @Override
    protected void doPatch(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<String> p = segments(req);
        if (worldsPath(p, 7) && p.get(5).equals("chats")) {
            Identity identity = link.authenticate(SseChat.token(req));
            try {
                String name = field(body(req), "name", true);
                respond(req, resp, link.renameChat(identity, p.get(2), p.get(4), p.get(6), name)
                        .thenApply(ApiServlet::chat), 200, null);
            } catch (WorldLinkException e) {
                error(resp, e);
            }
            return;
        }
        if (!worldsPath(p, 5)) {
            refuse(req, resp, p);
            return;
        }
        Identity identity = link.authenticate(SseChat.token(req));
        try {
            WorldUpdate update = WorldUpdate.fromJson(text(req));
            respond(req, resp, link.updateWorld(identity, p.get(2), p.get(4), update).thenApply(ApiServlet::settings),
                    200, null);
        } catch (WorldLinkException e) {
            error(resp, e);
        }
    }

    @Override
    protected void doDelete(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        List<String> p = segments(req);
        Identity identity = link.authenticate(SseChat.token(req));
        if (worldsPath(p, 5)) {
            respond(req, resp, link.deleteWorld(identity, p.get(2), p.get(4)).thenApply(x -> null), 204, null);
        } else if (worldsPath(p, 7) && p.get(5).equals("agents")) {
            respond(req, resp, link.deleteAgent(identity, p.get(2), p.get(4), p.get(6)).thenApply(x -> null), 204,
                    null);
        } else if (worldsPath(p, 7) && p.get(5).equals("chats")) {
            respond(req, resp, link.deleteChat(identity, p.get(2), p.get(4), p.get(6)).thenApply(x -> null), 204,
                    null);
        } else {
            refuse(req, resp, p);
        }
    }

    // Answers once the action is done, without holding a server thread while it runs (a world's deletion
    // waits for its turn to be cancelled and its folder to go), and writes the answer on a server thread.
    private void respond(HttpServletRequest req, HttpServletResponse resp,
            CompletableFuture<? extends JsonElement> action, int status, Function<JsonObject, String> location) {
        answer(req, resp, action, body -> {
            if (location != null) {
                resp.setHeader("Location", location.apply(body.getAsJsonObject()));
            }
            if (body == null) {
                resp.setStatus(status);
            } else {
                json(resp, status, body);
            }
        });
    }

    /** Writes what an action's result becomes, in an HTTP answer. */
    @FunctionalInterface
    private interface Answer<T> {
        void write(T result) throws IOException;
    }

    // Answers when the action completes (its failure as an error), or with 503 when it takes too long.
    private <T> void answer(HttpServletRequest req, HttpServletResponse resp, CompletableFuture<T> action,
            Answer<? super T> answer) {
        AsyncContext async = req.startAsync();
        AtomicBoolean answered = new AtomicBoolean();
        async.setTimeout(ANSWER_TIMEOUT.toMillis());
        async.addListener(new AsyncListener() {
            @Override
            public void onTimeout(AsyncEvent event) throws IOException {
                if (answered.compareAndSet(false, true)) {
                    JsonObject o = new JsonObject();
                    o.addProperty("error", "The server did not finish the request within "
                            + ANSWER_TIMEOUT.toSeconds() + " s; it may still take effect. Look before sending it "
                            + "again.");
                    o.addProperty("code", "TIMEOUT");
                    json(resp, 503, o);
                    async.complete();
                }
            }

            @Override
            public void onComplete(AsyncEvent event) {
                answered.set(true);
            }

            @Override
            public void onError(AsyncEvent event) {
                answered.set(true);
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
                // Started once, by respond() itself.
            }
        });
        action.whenComplete((body, failure) -> {
            if (!answered.compareAndSet(false, true)) {
                return;
            }
            try {
                async.start(() -> {
                    try {
                        if (failure != null) {
                            error(resp, unwrap(failure));
                        } else {
                            answer.write(body);
                        }
                    } catch (IOException e) {
                        LOG.debug("Could not answer a REST request", e);
                    } finally {
                        async.complete();
                    }
                });
            } catch (IllegalStateException e) {
                // The request ended meanwhile (its client went away): there is no one to answer.
                LOG.debug("A REST request ended before its answer", e);
            }
        });
    }

    private static WorldLinkException unwrap(Throwable failure) {
        Throwable e = failure;
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e instanceof WorldLinkException w ? w : internal(e);
    }

    // The methods each path of the API takes, or null for a path it does not have.
    private static String allowed(List<String> p) {
        if (p.equals(List.of("health")) || p.equals(List.of("api", "templates"))
                || (p.size() == 4 && p.get(1).equals("templates") && p.get(3).equals("agents"))) {
            return "GET, HEAD";
        }
        if (worldsPath(p, 4)) {
            return "GET, HEAD, POST";
        }
        if (worldsPath(p, 5)) {
            return "GET, HEAD, PATCH, DELETE";
        }
        if (worldsPath(p, 6)) {
            return switch (p.get(5)) {
                case "export" -> "GET, HEAD";
                case "chat", "agents" -> "POST";
                case "chats" -> "GET, HEAD, POST";
                default -> null;
            };
        }
        if (worldsPath(p, 7)) {
            return switch (p.get(5)) {
                case "agents" -> "DELETE";
                case "chats" -> "GET, HEAD, PATCH, DELETE";
                default -> null;
            };
        }
        return worldsPath(p, 8) && p.get(5).equals("chats") && p.get(7).equals("export") ? "GET, HEAD" : null;
    }

    // Whether the path is /api/users/{u}/worlds followed by more, this many segments in all.
    private static boolean worldsPath(List<String> p, int size) {
        return p.size() == size && p.get(0).equals("api") && p.get(1).equals("users") && p.get(3).equals("worlds");
    }


    private static void refuse(HttpServletRequest req, HttpServletResponse resp, List<String> p) throws IOException {
        String allow = allowed(p);
        if (allow == null) {
            notFound(resp, req);
            return;
        }
        resp.setHeader("Allow", allow);
        JsonObject o = new JsonObject();
        o.addProperty("error", "The method " + req.getMethod() + " is not allowed for this path; it takes " + allow
                + ".");
        o.addProperty("code", "METHOD_NOT_ALLOWED");
        json(resp, 405, o);
    }

    private static JsonObject chat(Chat c) {
        return JsonParser.parseString(c.toClientJson()).getAsJsonObject();
    }

    private static JsonArray chats(List<Chat> chats) {
        JsonArray a = new JsonArray();
        chats.forEach(c -> a.add(chat(c)));
        return a;
    }

    private static JsonObject world(WorldSnapshot w) {
        JsonObject o = settings(w.config());
        o.add("agents", agents(w));
        return o;
    }

    private static JsonObject settings(WorldConfig c) {
        JsonObject o = new JsonObject();
        o.addProperty("id", c.id());
        o.addProperty("name", c.name());
        o.addProperty("description", c.description());
        o.addProperty("turnLimit", c.turnLimit());
        o.add("metadata", GSON.toJsonTree(c.metadata()));
        return o;
    }

    private static Reader reader(HttpServletRequest req) throws IOException {
        try {
            return req.getReader();
        } catch (UnsupportedEncodingException e) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "The body's character set \""
                    + clip(req.getCharacterEncoding()) + "\" is not one this server knows; send the JSON as UTF-8.");
        }
    }

    private static String clip(String s) {
        return s == null || s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static String text(HttpServletRequest req) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Reader in = reader(req)) {
            char[] buf = new char[4096];
            int n;
            while ((n = in.read(buf)) != -1) {
                sb.append(buf, 0, n);
                if (sb.length() > MAX_BODY_CHARS) {
                    throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "The body is larger than "
                            + MAX_BODY_CHARS + " characters.");
                }
            }
        }
        return sb.toString();
    }

    private static JsonObject body(HttpServletRequest req) throws IOException {
        String text = text(req);
        try {
            JsonElement e = JsonParser.parseString(text);
            if (!e.isJsonObject()) {
                throw new WorldLinkException(ErrorCode.INVALID_MESSAGE,
                        "The body must be a JSON object such as {\"message\": \"Hello\"}.");
            }
            return e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new WorldLinkException(ErrorCode.INVALID_JSON, "The body is not valid JSON; send an object "
                    + "such as {\"message\": \"Hello\"}.");
        }
    }

    private static String field(JsonObject body, String name, boolean required) {
        JsonElement e = body.get(name);
        if (e == null || e.isJsonNull()) {
            if (required) {
                throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "The body needs \"" + name + "\", a string.");
            }
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "\"" + name + "\" must be a string.");
        }
        return e.getAsString();
    }

    private static JsonArray agents(WorldSnapshot w) {
        JsonArray a = new JsonArray();
        for (AgentSnapshot agent : w.agents()) {
            a.add(JsonParser.parseString(agent.toClientJson()));
        }
        return a;
    }

    private static List<String> segments(HttpServletRequest req) {
        String path = req.getRequestURI().substring(req.getContextPath().length());
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static JsonObject wrap(String name, JsonElement value) {
        JsonObject o = new JsonObject();
        o.add(name, value);
        return o;
    }

    private static void json(HttpServletResponse resp, int status, JsonElement body) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json;charset=utf-8");
        resp.getWriter().write(GSON.toJson(body));
    }

    private static void notFound(HttpServletResponse resp, HttpServletRequest req) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("error", "There is no " + req.getMethod() + " " + req.getRequestURI() + "; see the README for "
                + "the API.");
        o.addProperty("code", "NOT_FOUND");
        json(resp, 404, o);
    }

    static int status(ErrorCode code) {
        return switch (code) {
            case INVALID_JSON, INVALID_MESSAGE, UNKNOWN_TYPE, INVALID_NAME, INVALID_SENDER, NO_WORLD_SELECTED -> 400;
            case AUTH_REQUIRED -> 401;
            case FORBIDDEN -> 403;
            case TEMPLATE_NOT_FOUND, WORLD_NOT_FOUND, AGENT_NOT_FOUND, CHAT_NOT_FOUND -> 404;
            case TEMPLATE_READ_ONLY -> 409;
            case RATE_LIMITED, QUOTA_EXCEEDED -> 429;
            case MODEL_ERROR -> 502;
            case STORAGE_ERROR, INTERNAL -> 500;
        };
    }

    static void error(HttpServletResponse resp, WorldLinkException e) throws IOException {
        JsonObject o = new JsonObject();
        o.addProperty("error", e.getMessage());
        o.addProperty("code", e.code().name());
        json(resp, status(e.code()), o);
    }

    private static WorldLinkException internal(Throwable e) {
        LOG.error("A REST request failed", e);
        return new WorldLinkException(ErrorCode.INTERNAL, "Something went wrong on the server; it has been logged.");
    }
}
