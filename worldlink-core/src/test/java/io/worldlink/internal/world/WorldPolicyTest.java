package io.worldlink.internal.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.internal.Names;
import org.junit.jupiter.api.Test;

/** Names that clients give worlds and agents cannot pass for someone else's. */
class WorldPolicyTest {
    final WorldPolicy policy = new WorldPolicy(16, 16_384, 100, 2_000, 50, 100, 256L << 20);

    @Test
    void aNameThatLooksLikeAReservedOneIsThatOneOrRefused() {
        String fullwidth = policy.displayName("agent name", "\uff33\uff39\uff33\uff34\uff25\uff2d");
        assertEquals("SYSTEM", fullwidth);
        assertEquals(ErrorCode.INVALID_NAME, assertThrows(WorldLinkException.class,
                () -> policy.notReserved(fullwidth, Names.toId("agent name", fullwidth))).code());
        for (String hidden : new String[] {"sys\u200btem", "wor\u200dld", "\u202eada", "qu\u00adick", "sys\u3164tem"}) {
            assertEquals(ErrorCode.INVALID_NAME, assertThrows(WorldLinkException.class,
                    () -> policy.displayName("agent name", hidden)).code(), hidden);
        }
        assertEquals("Ada Lovelace", policy.displayName("agent name", "  Ada Lovelace "));
    }
}
