package io.worldlink.redis.internal;

import io.worldlink.WorldKey;
import java.util.regex.Pattern;

/**
 * The names WorldLink gives to a world in Redis. A world is written as {@code <length of user>:<user>:<world>},
 * so that no two worlds share a name whatever characters their ids may hold one day (the length says where
 * the user ends), and two users' worlds of the same name stay apart. The keys put that name in a hash tag
 * ({@code {...}}), so that a script touching a world's lease and its fence counter touches one slot, as a
 * Redis Cluster requires. A node's names hold its id after its length too; the keys of presence share the hash tag
 * {@code {presence}}, as the script that reads every node's touches them all.
 */
public final class RedisKeys {
    private static final String PREFIX = "worldlink:";
    static final String EVENTS = PREFIX + "events:";
    private static final String PRESENCE = PREFIX + "{presence}:";
    /** The start of a node's liveness key, before its length and id (for the script that builds it). */
    static final String ALIVE = PRESENCE + "alive:";
    /** The start of the key of a node's users, before its length and id (for the script that builds it). */
    static final String USERS = PRESENCE + "users:";
    private static final Pattern NODE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private RedisKeys() {}

    /** @return the pub/sub channel that carries the world's events */
    static String events(WorldKey world) {
        return EVENTS + name(world);
    }

    /** @return the key of the world's lease, whose value is {@code nodeId:fence} */
    static String lease(WorldKey world) {
        return PREFIX + "lease:{" + name(world) + "}";
    }

    /** @return the key of the world's fence counter */
    static String fence(WorldKey world) {
        return PREFIX + "fence:{" + name(world) + "}";
    }

    /**
     * @param id a node id as given
     * @return whether it is 1 to 64 of the characters A-Z, a-z, 0-9, '.', '_' and '-'
     */
    public static boolean isNodeId(String id) {
        return id != null && NODE_ID.matcher(id).matches();
    }

    /** @return the pub/sub channel that carries the requests to the node and the answers to its calls */
    static String node(String nodeId) {
        return PREFIX + "node:" + nodeName(nodeId);
    }

    /** @return the set of the ids of the nodes that are alive, or dead but not yet seen to be */
    static String nodes() {
        return PRESENCE + "nodes";
    }

    /** @return the key that exists, holding the token of the node's run, while the node is alive */
    static String alive(String nodeId) {
        return ALIVE + nodeName(nodeId);
    }

    /** @return the key of the set of the users present on the node */
    static String users(String nodeId) {
        return USERS + nodeName(nodeId);
    }

    private static String nodeName(String nodeId) {
        return nodeId.length() + ":" + nodeId;
    }

    static String name(WorldKey world) {
        String user = world.userId().value();
        return user.length() + ":" + user + ":" + world.worldId();
    }
}
