package io.worldlink.internal.protocol;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.ErrorCode;
import io.worldlink.NewAgent;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldUpdate;
import io.worldlink.internal.Json;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The fields of the requests that change a world's settings or add an agent, read alike from a
 * WebSocket payload and a REST body. Each takes only the fields it names: a base URL, a key, or any
 * setting a client may not choose is refused with {@link ErrorCode#FORBIDDEN} instead of being dropped
 * in silence, so that a client never believes it set one.
 */
public final class ManagementJson {
    private static final List<String> WORLD_FIELDS = List.of("name", "description", "turnLimit");
    private static final List<String> AGENT_FIELDS =
            List.of("agentName", "systemPrompt", "provider", "model", "temperature", "maxTokens");

    private ManagementJson() {}

    /**
     * Reads JSON text that must be an object, for a request that came as text rather than as a frame's
     * payload.
     *
     * @param json the text
     * @param where what {@code json} is, for messages ({@code "the request"})
     * @return the object
     * @throws WorldLinkException {@link ErrorCode#INVALID_JSON} for text that is not JSON,
     *     {@link ErrorCode#INVALID_MESSAGE} for JSON that is not an object
     */
    public static JsonObject object(String json, String where) {
        JsonElement e;
        try {
            e = JsonParser.parseString(json);
        } catch (JsonParseException x) {
            throw new WorldLinkException(ErrorCode.INVALID_JSON, capitalized(where) + " is not valid JSON. Nothing "
                    + "was changed.");
        }
        if (!e.isJsonObject()) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, capitalized(where) + " must be a JSON object. "
                    + "Nothing was changed.");
        }
        return e.getAsJsonObject();
    }

    /**
     * Reads a change to a world's settings.
     *
     * @param o the payload or body
     * @param where what {@code o} is, for messages ({@code "world-update's payload"})
     * @return the change
     * @throws WorldLinkException {@link ErrorCode#FORBIDDEN} for a field other than {@code name},
     *     {@code description} and {@code turnLimit}, {@link ErrorCode#INVALID_MESSAGE} for a field of the
     *     wrong type or no field at all
     */
    public static WorldUpdate worldUpdate(JsonObject o, String where) {
        only(o, WORLD_FIELDS, where, "a world's id, folder and metadata are the server's");
        WorldUpdate update = new WorldUpdate(read(o, where, x -> Json.string(x, "name")),
                read(o, where, x -> Json.string(x, "description")),
                read(o, where, x -> Json.integer(x, "turnLimit", 1)));
        if (update.isEmpty()) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, capitalized(where) + " needs name, description or "
                    + "turnLimit. Nothing was changed.");
        }
        return update;
    }

    /**
     * Reads an agent to add.
     *
     * @param o the payload or body
     * @param where what {@code o} is, for messages ({@code "agent-create's payload"})
     * @return the agent
     * @throws WorldLinkException {@link ErrorCode#FORBIDDEN} for a field other than {@code agentName},
     *     {@code systemPrompt}, {@code provider}, {@code model}, {@code temperature} and {@code maxTokens}
     *     (a {@code baseUrl} or {@code apiKey}, say), {@link ErrorCode#INVALID_MESSAGE} for a field of the
     *     wrong type or a missing {@code agentName}
     */
    public static NewAgent newAgent(JsonObject o, String where) {
        only(o, AGENT_FIELDS, where, "where a model is called and with which key is the server's setting");
        String name = read(o, where, x -> Json.string(x, "agentName"));
        if (name == null) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, capitalized(where) + " needs \"agentName\", a "
                    + "string.");
        }
        Number temperature = read(o, where, x -> Json.number(x, "temperature"));
        return new NewAgent(name, read(o, where, x -> Json.string(x, "systemPrompt")),
                read(o, where, x -> Json.string(x, "provider")), read(o, where, x -> Json.string(x, "model")),
                temperature == null ? null : temperature.doubleValue(),
                read(o, where, x -> Json.integer(x, "maxTokens", 1)));
    }

    private static void only(JsonObject o, List<String> allowed, String where, String why) {
        Set<String> refused = new TreeSet<>(o.keySet());
        allowed.forEach(refused::remove);
        if (!refused.isEmpty()) {
            throw new WorldLinkException(ErrorCode.FORBIDDEN, capitalized(where) + " may hold only "
                    + String.join(", ", allowed) + "; not " + String.join(", ", refused.stream().limit(5)
                            .map(f -> f.length() > 40 ? f.substring(0, 40) + "..." : f).toList())
                    + ": " + why + ". Nothing was changed.");
        }
    }

    private static <T> T read(JsonObject o, String where, Function<JsonObject, T> field) {
        try {
            return field.apply(o);
        } catch (Json.FieldException e) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "In " + where + ", " + e.getMessage()
                    + ". Nothing was changed.");
        }
    }

    private static String capitalized(String s) {
        return s.isEmpty() ? s : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
