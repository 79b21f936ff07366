package io.worldlink.internal;

import com.google.gson.JsonElement;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Immutable copies of the unknown JSON fields that the model records carry through a rewrite. */
public final class JsonMaps {
    private JsonMaps() {}

    /**
     * @param fields fields to copy, possibly {@code null}
     * @return an unmodifiable, ordered map of deep copies
     */
    public static Map<String, JsonElement> copyOf(Map<String, JsonElement> fields) {
        if (fields == null || fields.isEmpty()) {
            return Map.of();
        }
        Map<String, JsonElement> copy = new LinkedHashMap<>();
        fields.forEach((k, v) -> copy.put(k, v.deepCopy()));
        return Collections.unmodifiableMap(copy);
    }
}
