package io.worldlink.internal.protocol;

import io.worldlink.ErrorCode;
import io.worldlink.Identity;
import io.worldlink.UserId;
import io.worldlink.WorldLinkException;

/** Who may open whose worlds: anyone an anonymous user's, only the proven user a signed user's. */
final class WorldAccess {
    private final boolean trustClaimedUserIds;

    WorldAccess(boolean trustClaimedUserIds) {
        this.trustClaimedUserIds = trustClaimedUserIds;
    }

    /**
     * @param identity what the client proved
     * @param userId the user id it asks for
     * @return the user id, when the client may use it
     * @throws WorldLinkException INVALID_NAME, AUTH_REQUIRED or FORBIDDEN
     */
    UserId authorize(Identity identity, String userId) {
        UserId user = UserId.of(userId);
        if (user.isAnonymous() || trustClaimedUserIds) {
            return user;
        }
        if (!identity.isProven()) {
            throw new WorldLinkException(ErrorCode.AUTH_REQUIRED, "User \"" + user + "\" is a signed user: connect "
                    + "with a token (an Authorization: Bearer header or a token query parameter), or use an "
                    + "anonymous UUID user id." + (identity.refusal() == null ? "" : " " + identity.refusal()));
        }
        if (!identity.userId().equals(user.value())) {
            throw new WorldLinkException(ErrorCode.FORBIDDEN, "This connection is signed in as \""
                    + identity.userId() + "\" and cannot open the worlds of \"" + user + "\".");
        }
        return user;
    }
}
