package io.worldlink;

import io.worldlink.internal.JsonMaps;
import io.worldlink.internal.SnapshotJson;
import io.worldlink.internal.Names;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A world's {@code config.json}.
 *
 * @param id the world's id
 * @param name its display name
 * @param description what the world is for
 * @param turnLimit how many model calls an agent may make before a human speaks again (default 5)
 * @param isTemplate {@code true} for the read-only templates under {@code worlds/}
 * @param metadata free-form string metadata; a clone records {@code originalTemplate},
 *     {@code clonedFor} and {@code clonedAt} here
 * @param extra fields this version does not know, each value as its JSON text, kept so that a rewrite
 *     does not drop them
 */
public record WorldConfig(String id, String name, String description, int turnLimit, boolean isTemplate,
        Map<String, String> metadata, Map<String, String> extra) {
    /** The turn limit of a world whose config names none. */
    public static final int DEFAULT_TURN_LIMIT = 5;

    /** Validates the id and the turn limit and makes immutable copies of the maps. */
    public WorldConfig {
        if (!Names.isValidId(id)) {
            throw new IllegalArgumentException("not a world id: " + id);
        }
        name = name == null || name.isBlank() ? id : name;
        description = description == null ? "" : description;
        if (turnLimit < 1) {
            throw new IllegalArgumentException("turnLimit must be at least 1, was " + turnLimit);
        }
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        extra = JsonMaps.copyOf(extra, SnapshotJson.WORLD_FIELDS);
    }

    /**
     * {@return a copy with another id and name}
     *
     * @param id the new id
     * @param name the new display name
     */
    public WorldConfig withIdentity(String id, String name) {
        return new WorldConfig(id, name, description, turnLimit, isTemplate, metadata, extra);
    }

    /**
     * {@return a copy with another template flag and metadata}
     *
     * @param isTemplate whether the world is a template
     * @param metadata the new metadata
     */
    public WorldConfig withTemplate(boolean isTemplate, Map<String, String> metadata) {
        return new WorldConfig(id, name, description, turnLimit, isTemplate, Objects.requireNonNull(metadata), extra);
    }
}
