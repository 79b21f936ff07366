package io.worldlink.internal;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The unknown JSON fields that the model records carry through a rewrite, each value as its JSON text. */
public final class JsonMaps {
    private JsonMaps() {}

    /**
     * @param fields fields to copy, possibly {@code null}
     * @return an unmodifiable, ordered copy
     */
    public static Map<String, String> copyOf(Map<String, String> fields) {
        if (fields == null || fields.isEmpty()) {
            return Map.of();
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(fields));
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
