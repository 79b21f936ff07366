package io.worldlink;

import io.worldlink.internal.Names;
import java.util.Objects;

/**
 * Names one user's world: the key of its event bus, its event log and its folder
 * {@code users/{userId}/worlds/{worldId}/}. Two users' worlds of the same name have different keys.
 *
 * @param userId the owner
 * @param worldId the world's id, as {@link #of} makes it from a world's name
 */
public record WorldKey(UserId userId, String worldId) {
    /**
     * Makes the key of a user's world from an id.
     *
     * @throws WorldLinkException with {@link ErrorCode#INVALID_NAME} when {@code worldId} is not an id
     */
    public WorldKey {
        Objects.requireNonNull(userId, "userId");
        if (!Names.isValidId(worldId)) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "The world id is not a valid id.");
        }
    }

    /**
     * Makes the key of a user's world from the world's name, as WorldLink names folders: the name in
     * lower-case kebab case ({@code "My World"} becomes {@code my-world}).
     *
     * @param userId the owner
     * @param worldName the world's name (or id)
     * @return the key
     * @throws WorldLinkException with {@link ErrorCode#INVALID_NAME} when either makes no valid id
     */
    public static WorldKey of(String userId, String worldName) {
        return new WorldKey(UserId.of(userId), Names.toId("world name", worldName));
    }

    /** {@return the world's folder relative to the data root, {@code users/{userId}/worlds/{worldId}}} */
    public String relativePath() {
        return "users/" + userId.value() + "/worlds/" + worldId;
    }

    @Override
    public String toString() {
        return userId.value() + "/" + worldId;
    }
}
