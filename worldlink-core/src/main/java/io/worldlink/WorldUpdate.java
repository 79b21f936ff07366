package io.worldlink;

import io.worldlink.internal.protocol.ManagementJson;

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
     * Reads a change to a world's settings from the JSON a client sends for one ({@code world-update}'s
     * payload, the body of {@code PATCH /api/users/{u}/worlds/{w}}), by the rules WorldLink's own protocol
     * applies, so that a host that takes the request over a transport of its own refuses what the WebSocket
     * refuses.
     *
     * @param json an object with at least one of {@code name}, {@code description} and {@code turnLimit}
     * @return the change, not yet checked against the host's limits: {@link WorldLink#updateWorld} does that
     * @throws WorldLinkException {@link ErrorCode#INVALID_JSON} for text that is not JSON;
     *     {@link ErrorCode#FORBIDDEN} for any other field (a world's id, folder and metadata are the
     *     server's); {@link ErrorCode#INVALID_MESSAGE} for JSON that is not an object, a field of the wrong
     *     type or no field at all
     */
    public static WorldUpdate fromJson(String json) {
        return ManagementJson.worldUpdate(ManagementJson.object(json, "the request"), "the request");
    }

    /**
     * Says whether the update changes nothing.
     *
     * @return whether every field is {@code null}
     */
    public boolean isEmpty() {
        return name == null && description == null && turnLimit == null;
    }
}
