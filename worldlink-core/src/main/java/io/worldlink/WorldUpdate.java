package io.worldlink;

/**
 * A change to a world's settings, as a client or the host asks for it; a {@code null} field stays as it
 * is. The world's id, and so its folder and the names clients select it by, never change.
 *
 * @param name the new display name, or {@code null}
 * @param description the new description, or {@code null}
 * @param turnLimit the new turn limit (how many model calls an agent may make before a person speaks
 *     again), or {@code null}
 */
public record WorldUpdate(String name, String description, Integer turnLimit) {
    /**
     * Says whether the update changes nothing.
     *
     * @return whether every field is {@code null}
     */
    public boolean isEmpty() {
        return name == null && description == null && turnLimit == null;
    }
}
