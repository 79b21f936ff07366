package io.worldlink.redis.internal;

import io.worldlink.WorldKey;

/**
 * The names WorldLink gives to a world in Redis. A world is written as {@code <length of user>:<user>:<world>},
 * so that no two worlds share a name whatever characters their ids may hold one day (the length says where
 * the user ends), and two users' worlds of the same name stay apart. The keys put that name in a hash tag
 * ({@code {...}}), so that a script touching a world's lease and its fence counter touches one slot, as a
 * Redis Cluster requires.
 */
final class RedisKeys {
    private static final String PREFIX = "worldlink:";

    private RedisKeys() {}

    /** @return the pub/sub channel that carries the world's events */
    static String events(WorldKey world) {
        return PREFIX + "events:" + name(world);
    }

    /** @return the key of the world's lease, whose value is {@code nodeId:fence} */
    static String lease(WorldKey world) {
        return PREFIX + "lease:{" + name(world) + "}";
    }

    /** @return the key of the world's fence counter */
    static String fence(WorldKey world) {
        return PREFIX + "fence:{" + name(world) + "}";
    }

    static String name(WorldKey world) {
        String user = world.userId().value();
        return user.length() + ":" + user + ":" + world.worldId();
    }
}
