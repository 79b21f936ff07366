package io.worldlink.internal.cluster;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.AgentSnapshot;
import io.worldlink.AgentStatus;
import io.worldlink.Chat;
import io.worldlink.ErrorCode;
import io.worldlink.NewAgent;
import io.worldlink.UserId;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.WorldUpdate;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.EventJson;
import io.worldlink.internal.Json;
import io.worldlink.internal.SnapshotJson;
import io.worldlink.internal.world.AgentView;
import io.worldlink.internal.world.WorldRuntime;
import java.util.ArrayList;
import java.util.List;

/**
 * The requests that one node sends to the owner of a world, and their answers, as JSON text: a request
 * is {@code {"op", "user", "world", ...arguments}}, an answer {@code {"ok": value}}, {@code {"error":
 * {"code", "message"}}} or {@code {"notHere": true}} (the node does not run the world, or no longer). Only
 * nodes of one cluster talk this way: a client never sends these.
 */
final class WorldCalls {
    private WorldCalls() {}

    static JsonObject request(String op, WorldKey world) {
        JsonObject o = new JsonObject();
        o.addProperty("op", op);
        o.addProperty("user", world.userId().value());
        o.addProperty("world", world.worldId());
        return o;
    }

    static WorldKey world(JsonObject request) {
        return new WorldKey(new UserId(request.get("user").getAsString()), request.get("world").getAsString());
    }

    static String ok(JsonElement value) {
        JsonObject o = new JsonObject();
        o.add("ok", value);
        return o.toString();
    }

    static String error(WorldLinkException e) {
        JsonObject error = new JsonObject();
        error.addProperty("code", e.code().name());
        error.addProperty("message", e.getMessage());
        JsonObject o = new JsonObject();
        o.add("error", error);
        return o.toString();
    }

    static String notHere() {
        return "{\"notHere\":true}";
    }

    /**
     * @param answer an answer's text
     * @return its value
     * @throws WorldLinkException the owner's refusal, as the owner gave it
     * @throws NotHere when the node does not run the world
     */
    static JsonElement value(String answer) {
        JsonObject o = JsonParser.parseString(answer).getAsJsonObject();
        if (o.has("notHere")) {
            throw new NotHere();
        }
        JsonObject error = Json.object(o, "error");
        if (error != null) {
            throw new WorldLinkException(ErrorCode.valueOf(error.get("code").getAsString()),
                    error.get("message").getAsString());
        }
        return o.get("ok");
    }

    /** The node asked does not run the world (any more): ask the cluster who does. */
    static final class NotHere extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotHere() {
            super("the node does not run the world", null, false, false);
        }
    }

    static String string(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    // ---- values ----

    static JsonElement event(WorldEvent e) {
        return EventJson.toJson(e);
    }

    static WorldEvent event(JsonElement e) {
        return EventJson.fromJson(e.getAsJsonObject());
    }

    static JsonArray events(List<WorldEvent> events) {
        JsonArray a = new JsonArray(events.size());
        events.forEach(e -> a.add(event(e)));
        return a;
    }

    static List<WorldEvent> events(JsonElement e) {
        JsonArray a = e.getAsJsonArray();
        List<WorldEvent> list = new ArrayList<>(a.size());
        a.forEach(x -> list.add(event(x)));
        return list;
    }

    static JsonElement chat(Chat c) {
        return SnapshotJson.toJson(c);
    }

    static Chat chat(JsonElement e) {
        JsonObject o = e.getAsJsonObject();
        return SnapshotJson.chat(o, o.get("id").getAsString(), o.get("worldId").getAsString());
    }

    static JsonArray chats(List<Chat> chats) {
        JsonArray a = new JsonArray(chats.size());
        chats.forEach(c -> a.add(chat(c)));
        return a;
    }

    static List<Chat> chats(JsonElement e) {
        List<Chat> list = new ArrayList<>();
        e.getAsJsonArray().forEach(x -> list.add(chat(x)));
        return list;
    }

    static JsonElement config(WorldConfig c) {
        JsonObject o = SnapshotJson.toJson(c);
        o.addProperty("id", c.id());
        return o;
    }

    static WorldConfig config(JsonElement e) {
        JsonObject o = e.getAsJsonObject();
        return SnapshotJson.worldConfig(o, o.get("id").getAsString());
    }

    static JsonElement agentView(AgentView v) {
        return Json.GSON.toJsonTree(v);
    }

    static AgentView agentView(JsonElement e) {
        return Json.GSON.fromJson(e, AgentView.class);
    }

    static JsonElement agent(AgentSnapshot a) {
        JsonObject o = new JsonObject();
        JsonObject config = SnapshotJson.toJson(a.config());
        config.addProperty("id", a.config().id());
        o.add("config", config);
        o.addProperty("systemPrompt", a.systemPrompt());
        o.add("memory", JsonParser.parseString(SnapshotJson.memoryText(a.memory())));
        return o;
    }

    static AgentSnapshot agent(JsonElement e) {
        JsonObject o = e.getAsJsonObject();
        JsonObject config = o.getAsJsonObject("config");
        return new AgentSnapshot(SnapshotJson.agentConfig(config, config.get("id").getAsString()),
                string(o, "systemPrompt"), SnapshotJson.memory(o.getAsJsonArray("memory")));
    }

    static JsonElement snapshot(WorldSnapshot w) {
        JsonObject o = new JsonObject();
        o.add("config", config(w.config()));
        JsonArray agents = new JsonArray();
        w.agents().forEach(a -> agents.add(agent(a)));
        o.add("agents", agents);
        return o;
    }

    static WorldSnapshot snapshot(JsonElement e) {
        JsonObject o = e.getAsJsonObject();
        List<AgentSnapshot> agents = new ArrayList<>();
        o.getAsJsonArray("agents").forEach(a -> agents.add(agent(a)));
        return new WorldSnapshot(config(o.get("config")), agents);
    }

    static JsonElement view(WorldRuntime.View v) {
        JsonObject o = new JsonObject();
        o.add("config", config(v.config()));
        JsonArray agents = new JsonArray();
        v.agents().forEach(a -> agents.add(agentView(a)));
        o.add("agents", agents);
        o.addProperty("lastSeq", v.lastSeq());
        o.addProperty("worldEpoch", v.worldEpoch());
        o.add("chats", chats(v.chats()));
        o.addProperty("chatId", v.chatId());
        return o;
    }

    static WorldRuntime.View view(JsonElement e) {
        JsonObject o = e.getAsJsonObject();
        List<AgentView> agents = new ArrayList<>();
        o.getAsJsonArray("agents").forEach(a -> agents.add(agentView(a)));
        return new WorldRuntime.View(config(o.get("config")), agents, o.get("lastSeq").getAsLong(),
                string(o, "worldEpoch"), chats(o.get("chats")), string(o, "chatId"));
    }

    static JsonElement page(WorldRuntime.Page page) {
        JsonObject o = new JsonObject();
        o.add("events", events(page.events()));
        o.addProperty("earlier", page.earlier());
        return o;
    }

    static WorldRuntime.Page page(JsonElement e) {
        JsonObject o = e.getAsJsonObject();
        return new WorldRuntime.Page(events(o.get("events")), o.get("earlier").getAsBoolean());
    }

    static void limit(JsonObject request, WorldRuntime.PageLimit limit) {
        request.addProperty("limitEvents", limit.events());
        request.addProperty("limitChars", limit.chars());
    }

    static WorldRuntime.PageLimit limit(JsonObject request) {
        return new WorldRuntime.PageLimit(request.get("limitEvents").getAsInt(), request.get("limitChars").getAsLong());
    }

    /** A view and the events that go with it (a join's replay, a chat's history). */
    static JsonElement viewWith(WorldRuntime.View v, WorldRuntime.Page page) {
        JsonObject o = new JsonObject();
        o.add("view", view(v));
        o.add("page", page(page));
        return o;
    }

    static JsonElement agentUpdate(WorldRuntime.AgentUpdate u) {
        JsonObject o = new JsonObject();
        if (u.status() != null) {
            o.addProperty("status", u.status().name());
        }
        if (u.config() != null) {
            o.add("config", u.config());
        }
        o.addProperty("systemPrompt", u.systemPrompt());
        o.addProperty("clearMemory", u.clearMemory());
        return o;
    }

    static WorldRuntime.AgentUpdate agentUpdate(JsonElement e) {
        JsonObject o = e.getAsJsonObject();
        String status = string(o, "status");
        return new WorldRuntime.AgentUpdate(status == null ? null : AgentStatus.valueOf(status),
                o.has("config") ? o.getAsJsonObject("config") : null, string(o, "systemPrompt"),
                o.get("clearMemory").getAsBoolean());
    }

    static JsonElement worldUpdate(WorldUpdate u) {
        return Json.GSON.toJsonTree(u);
    }

    static WorldUpdate worldUpdate(JsonElement e) {
        return Json.GSON.fromJson(e, WorldUpdate.class);
    }

    static JsonElement newAgent(NewAgent a) {
        return Json.GSON.toJsonTree(a);
    }

    static NewAgent newAgent(JsonElement e) {
        return Json.GSON.fromJson(e, NewAgent.class);
    }
}
