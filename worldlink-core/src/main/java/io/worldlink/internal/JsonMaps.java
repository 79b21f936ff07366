package io.worldlink.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.IOException;
import java.io.StringReader;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The unknown JSON fields that the model records carry through a rewrite, each value as its JSON text. */
public final class JsonMaps {
    private JsonMaps() {}

    /**
     * Checks and copies the unknown fields of a record.
     *
     * @param fields fields to copy, possibly {@code null}
     * @param known the record's own fields, which an unknown field must not shadow
     * @return an unmodifiable, ordered copy
     * @throws IllegalArgumentException when a name or value is missing, a name is a known field, or a value
     *     is not one whole JSON value (a string is given with its quotes: {@code "\"eu\""})
     */
    public static Map<String, String> copyOf(Map<String, String> fields, Set<String> known) {
        if (fields == null || fields.isEmpty()) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>();
        fields.forEach((name, value) -> {
            if (name == null || value == null) {
                throw new IllegalArgumentException("An extra field needs a name and a value.");
            }
            if (known.contains(name)) {
                throw new IllegalArgumentException("\"" + name + "\" is a field of its own, not an extra one.");
            }
            if (!isJson(value)) {
                throw new IllegalArgumentException("The extra field \"" + name + "\" must hold one JSON value, such as "
                        + "\"\\\"eu\\\"\" for the string eu.");
            }
            copy.put(name, value);
        });
        return Collections.unmodifiableMap(copy);
    }

    private static boolean isJson(String text) {
        try {
            JsonReader reader = new JsonReader(new StringReader(text));
            reader.setStrictness(Strictness.STRICT);
            Json.GSON.getAdapter(JsonElement.class).read(reader);
            return reader.peek() == JsonToken.END_DOCUMENT;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * @param json a field's value as JSON text, or {@code null}
     * @return the value when it is a JSON string, else {@code null}
     */
    public static String stringValue(String json) {
        if (json == null || json.isEmpty() || json.charAt(0) != '"') {
            return null;
        }
        try {
            return JsonParser.parseString(json).getAsString();
        } catch (JsonParseException | IllegalStateException e) {
            return null;
        }
    }

    /**
     * @param json a field's value as JSON text
     * @return the value, parsed; JSON {@code null} when the text is not JSON
     */
    public static JsonElement parse(String json) {
        try {
            return JsonParser.parseString(json);
        } catch (JsonParseException e) {
            return com.google.gson.JsonNull.INSTANCE;
        }
    }
}
