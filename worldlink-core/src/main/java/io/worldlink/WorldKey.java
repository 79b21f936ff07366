package io.worldlink;

import java.util.Objects;

/**
 * Names one user's world: the key of its event bus, its event log and its folder
 * {@code users/{userId}/worlds/{worldId}/}. Two users' worlds of the same name have different keys.
 *
 * @param userId the owner
 * @param worldId the world's id, as made by {@link Names#toId}
 */
public record WorldKey(UserId userId, String worldId) {
    /**
     * @throws WorldLinkException with {@link ErrorCode#INVALID_NAME} when {@code worldId} is not an id
     */
    public WorldKey {
        Objects.requireNonNull(userId, "userId");
        if (!Names.isValidId(worldId)) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "The world id is not a valid id.");
        }
    }

    /** @return the world's folder relative to the data root, {@code users/{userId}/worlds/{worldId}} */
    public String relativePath() {
        return "users/" + userId.value() + "/worlds/" + worldId;
    }

    @Override
    public String toString() {
        return userId.value() + "/" + worldId;
    }
}
