package io.worldlink.internal.cluster;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import io.worldlink.ErrorCode;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.world.WorldRuntime;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * The owner's side of {@link WorldCalls}: what other nodes ask of the worlds this node runs. A request for
 * a world that does not run here is answered {@code notHere}, and the asking node claims the world again.
 */
public final class OwnerCalls {
    private static final System.Logger LOG = System.getLogger(OwnerCalls.class.getName());

    private final Function<WorldKey, CompletableFuture<WorldRuntime>> here;
    private final Function<WorldKey, CompletableFuture<Void>> delete;

    /**
     * @param here the world when it runs here (once loaded), or {@code null}
     * @param delete deletes a world that runs here, moving this node's clients out of it
     */
    public OwnerCalls(Function<WorldKey, CompletableFuture<WorldRuntime>> here,
            Function<WorldKey, CompletableFuture<Void>> delete) {
        this.here = here;
        this.delete = delete;
    }

    /**
     * @param request a request of another node
     * @return the answer
     */
    public CompletionStage<String> answer(String request) {
        JsonObject r;
        WorldKey key;
        try {
            r = JsonParser.parseString(request).getAsJsonObject();
            key = WorldCalls.world(r);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "A node sent a request that is not one: " + e);
            return CompletableFuture.completedFuture(WorldCalls.error(new WorldLinkException(ErrorCode.INTERNAL,
                    "The server's nodes do not agree on how they talk; check that they run the same version.")));
        }
        String op = r.get("op").getAsString();
        CompletableFuture<WorldRuntime> world = here.apply(key);
        if (world == null) {
            return CompletableFuture.completedFuture(WorldCalls.notHere());
        }
        CompletableFuture<JsonElement> result = op.equals("delete")
                ? delete.apply(key).thenApply(x -> (JsonElement) JsonParser.parseString("null"))
                : world.thenCompose(w -> run(w, op, r));
        return result.handle((value, error) -> {
            if (error == null) {
                return WorldCalls.ok(value);
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause instanceof WorldLinkException w) {
                return WorldCalls.error(w);
            }
            if (cause instanceof IllegalStateException) {
                // Closed meanwhile: the asking node finds the world's next owner.
                return WorldCalls.notHere();
            }
            LOG.log(Level.ERROR, "Answering " + op + " for world " + key + " failed", cause);
            return WorldCalls.error(new WorldLinkException(ErrorCode.INTERNAL, "The world's node failed to do this; "
                    + "try again."));
        });
    }

    private static CompletableFuture<JsonElement> run(WorldRuntime w, String op, JsonObject r) {
        String eventId = WorldCalls.string(r, "eventId");
        String chatId = WorldCalls.string(r, "chatId");
        return switch (op) {
            case "open" -> CompletableFuture.completedFuture(new JsonPrimitive(w.publishedSeq()));
            case "chat" -> w.chat(chatId, WorldCalls.string(r, "messageId"), WorldCalls.string(r, "content"),
                    WorldCalls.string(r, "sender")).thenApply(WorldCalls::event);
            case "updateAgent" -> w.updateAgent(eventId, WorldCalls.string(r, "agentName"),
                    WorldCalls.agentUpdate(r.get("update"))).thenApply(WorldCalls::agentView);
            case "updateWorld" -> w.updateWorld(eventId, WorldCalls.worldUpdate(r.get("update")))
                    .thenApply(WorldCalls::config);
            case "createAgent" -> w.createAgent(eventId, WorldCalls.newAgent(r.get("spec"))).thenApply(WorldCalls::agent);
            case "deleteAgent" -> w.deleteAgent(eventId, WorldCalls.string(r, "agentName"))
                    .thenApply(JsonPrimitive::new);
            case "reload" -> w.reload(eventId).thenApply(JsonPrimitive::new);
            case "stop" -> w.stop(chatId, eventId).thenApply(JsonPrimitive::new);
            case "chats" -> w.chats().thenApply(WorldCalls::chats);
            case "createChat" -> w.createChat(eventId, WorldCalls.string(r, "name")).thenApply(WorldCalls::chat);
            case "renameChat" -> w.renameChat(eventId, chatId, WorldCalls.string(r, "name")).thenApply(WorldCalls::chat);
            case "deleteChat" -> w.deleteChat(eventId, chatId).thenApply(WorldCalls::chat);
            case "selectChat" -> {
                AtomicReference<JsonElement> with = new AtomicReference<>();
                yield w.selectChat(chatId, WorldCalls.limit(r), (view, page) -> with.set(WorldCalls.viewWith(view, page)))
                        .thenApply(c -> with.get());
            }
            case "notice" -> w.notice(WorldCalls.string(r, "content"), MessageLevel.valueOf(WorldCalls.string(r, "level")))
                    .thenApply(WorldCalls::event);
            case "join" -> {
                AtomicReference<JsonElement> with = new AtomicReference<>();
                yield w.join(r.get("afterSeq").getAsLong(), WorldCalls.string(r, "epoch"), chatId, WorldCalls.limit(r),
                        (view, page) -> with.set(WorldCalls.viewWith(view, page))).thenApply(v -> with.get());
            }
            case "chatHistory" -> w.chatHistory(chatId, r.get("beforeSeq").getAsLong(), WorldCalls.limit(r))
                    .thenApply(WorldCalls::page);
            case "export" -> w.export(chatId).thenApply(JsonPrimitive::new);
            case "snapshot" -> w.snapshot().thenApply(WorldCalls::snapshot);
            case "view" -> w.view().thenApply(WorldCalls::view);
            case "logged" -> w.logged(r.get("afterSeq").getAsLong(), r.get("throughSeq").getAsLong(),
                    r.get("limit").getAsInt()).thenApply(events -> (JsonElement) WorldCalls.events((List<WorldEvent>) events));
            default -> CompletableFuture.failedFuture(new WorldLinkException(ErrorCode.INTERNAL, "The world's node does "
                    + "not know \"" + op + "\"; check that the server's nodes run the same version."));
        };
    }
}
