/**
 * Cluster mode's parts on Redis: an event bus between WorldLink nodes and world leases with fencing. Only
 * {@code io.worldlink.redis} is exported; {@code io.worldlink.redis.internal} stays inside.
 */
// Lettuce and Netty have no module descriptors; the names they give in their manifests are stable.
@SuppressWarnings("requires-automatic")
module io.worldlink.redis {
    // In this module's API: RedisEventBus is an EventBus, WorldLeases wraps an EventLogStore.
    requires transitive io.worldlink;

    requires lettuce.core;
    requires io.netty.common;

    exports io.worldlink.redis;
}
