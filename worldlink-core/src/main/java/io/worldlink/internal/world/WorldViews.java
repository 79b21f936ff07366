package io.worldlink.internal.world;

import io.worldlink.WorldConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/** A world's settings as clients see them: what {@code world-update} may change, and its id. */
public final class WorldViews {
    private WorldViews() {}

    /**
     * Turns a world's config into the fields clients see.
     *
     * @param c the world's config
     * @return its {@code id}, {@code name}, {@code description} and {@code turnLimit}, JSON-ready
     */
    public static Map<String, Object> of(WorldConfig c) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", c.id());
        v.put("name", c.name());
        v.put("description", c.description());
        v.put("turnLimit", c.turnLimit());
        return v;
    }
}
