package io.worldlink.redis.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.UserId;
import io.worldlink.WorldKey;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RedisKeysTest {
    @Test
    void aWorldsNamesSayWhereTheUserEnds() {
        WorldKey world = WorldKey.of("ann", "demo");
        assertEquals("worldlink:events:3:ann:demo", RedisKeys.events(world));
        assertEquals("worldlink:lease:{3:ann:demo}", RedisKeys.lease(world));
        assertEquals("worldlink:fence:{3:ann:demo}", RedisKeys.fence(world));
    }

    @Test
    void aNodesNamesSayWhereItsIdEndsAndPresenceKeysShareOneSlot() {
        assertEquals("worldlink:node:6:node-a", RedisKeys.node("node-a"));
        assertEquals("worldlink:{presence}:alive:6:node-a", RedisKeys.alive("node-a"));
        assertEquals("worldlink:{presence}:users:6:node-a", RedisKeys.users("node-a"));
        assertEquals("worldlink:{presence}:nodes", RedisKeys.nodes());
        assertFalse(RedisKeys.node("node-a").startsWith(RedisKeys.EVENTS), "the bus passes over the nodes' channels");
        assertTrue(RedisKeys.isNodeId("node-a.1_B"));
        for (String notAnId : Arrays.asList(null, "", "a b", "a:b", "ü", "x".repeat(65))) {
            assertFalse(RedisKeys.isNodeId(notAnId), notAnId);
        }
    }

    @Test
    void noTwoWorldsShareAChannelWhateverTheirIdsSpell() {
        List<WorldKey> worlds = List.of(
                new WorldKey(UserId.of("ann"), "demo"),
                new WorldKey(UserId.of("bob"), "demo"),
                new WorldKey(UserId.of("ann-x"), "y"),
                new WorldKey(UserId.of("ann"), "x-y"),
                new WorldKey(UserId.of("a"), "nn-demo"),
                new WorldKey(UserId.of("3"), "ann"),
                new WorldKey(UserId.of("ANN"), "demo"),
                new WorldKey(UserId.of("6F9619FF-8B86-D011-B42D-00CF4FC964FF"), "demo"));
        Set<String> channels = new HashSet<>();
        for (WorldKey w : worlds) {
            channels.add(RedisKeys.events(w));
        }
        assertEquals(worlds.size(), channels.size());
    }
}
