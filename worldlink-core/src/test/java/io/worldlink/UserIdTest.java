package io.worldlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserIdTest {

    @Test
    void aUuidIsAnAnonymousUserKeptInLowerCase() {
        UserId id = UserId.of("3F2504E0-4F89-11D3-9A0C-0305E82C3301");
        assertTrue(id.isAnonymous());
        assertEquals("3f2504e0-4f89-11d3-9a0c-0305e82c3301", id.value());
        assertTrue(UserId.anonymous().isAnonymous());
    }

    @ParameterizedTest
    @ValueSource(strings = {"john123", "ann_b", "A-Z_09", "x"})
    void otherIdsAreSignedUsers(String value) {
        UserId id = UserId.of(value);
        assertFalse(id.isAnonymous());
        assertEquals(value, id.value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "../x", "a/b", "..", "with space", "nul\u0000", "é"})
    void refusesInvalidIds(String value) {
        assertEquals(ErrorCode.INVALID_NAME, assertThrows(WorldLinkException.class, () -> UserId.of(value)).code());
    }

    @Test
    void refusesMissingAndOverlongIds() {
        assertEquals(ErrorCode.INVALID_NAME, assertThrows(WorldLinkException.class, () -> UserId.of(null)).code());
        assertThrows(WorldLinkException.class, () -> UserId.of("a".repeat(65)));
        assertEquals(64, UserId.of("a".repeat(64)).value().length());
    }

    @Test
    void worldKeysOfTwoUsersWithTheSameWorldDiffer() {
        WorldKey a = new WorldKey(UserId.of("ann"), "demo");
        WorldKey b = new WorldKey(UserId.of("bob"), "demo");
        assertFalse(a.equals(b));
        assertEquals("users/ann/worlds/demo", a.relativePath());
        assertThrows(WorldLinkException.class, () -> new WorldKey(UserId.of("ann"), "../demo"));
    }
}
