package io.worldlink.internal.protocol;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.Connection;
import io.worldlink.ErrorCode;
import io.worldlink.MessageRouter;
import io.worldlink.WorldLinkException;

/** A decoded client frame on its way through the host's {@link io.worldlink.MessageRouter}. */
final class Exchange implements MessageRouter.Request {
    /** The longest request id a client may send. */
    static final int MAX_ID_LENGTH = 64;

    private final ClientSession session;
    private final String type;
    private final String id;
    private final JsonObject payload;

    Exchange(ClientSession session, String type, String id, JsonObject payload) {
        this.session = session;
        this.type = type;
        this.id = id;
        this.payload = payload;
    }

    /**
     * @param request a request a host's router passed on, possibly one of its own making
     * @return it as the protocol reads it
     * @throws IllegalArgumentException when its connection is not one WorldLink made, or its type, id or
     *     payload is not one a client could have sent
     */
    static Exchange of(MessageRouter.Request request) {
        if (request instanceof Exchange e) {
            return e;
        }
        if (!(request.connection() instanceof ClientSession s)) {
            throw new IllegalArgumentException("The request's connection must be the one WorldLink gave the router.");
        }
        String type = request.type();
        if (type == null || type.isEmpty()) {
            throw new IllegalArgumentException("A request needs a type.");
        }
        String id = request.id();
        if (id != null && id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("A request's id has at most " + MAX_ID_LENGTH + " characters.");
        }
        return new Exchange(s, type, id, object(request.payload()));
    }

    ClientSession session() {
        return session;
    }

    /** @return the payload as the protocol reads it */
    JsonObject json() {
        return payload;
    }

    @Override
    public String type() {
        return type;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String payload() {
        return payload.toString();
    }

    @Override
    public String text(String field) {
        JsonElement e = payload.get(field);
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "In " + type + ", payload field \"" + field
                    + "\" must be a string.");
        }
        return e.getAsString();
    }

    @Override
    public Connection connection() {
        return session;
    }

    @Override
    public void reply(String type, String payload) {
        if (type == null || type.isEmpty()) {
            throw new IllegalArgumentException("An answer needs a type.");
        }
        session.send(ServerFrames.frame(type, object(payload), id, 0));
    }

    private static JsonObject object(String json) {
        if (json == null) {
            throw new IllegalArgumentException("A payload must be a JSON object, such as {}.");
        }
        try {
            JsonElement e = JsonParser.parseString(json);
            if (e.isJsonObject()) {
                return e.getAsJsonObject();
            }
        } catch (JsonParseException e) {
            // refused below
        }
        throw new IllegalArgumentException("A payload must be a JSON object, such as {}.");
    }
}
