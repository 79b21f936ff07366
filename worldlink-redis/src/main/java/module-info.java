/**
 * Cluster mode on Redis: {@code ClusterNode}, the core's {@code io.worldlink.cluster.Cluster} on Redis. Only
 * {@code io.worldlink.redis} is exported; {@code io.worldlink.redis.internal} stays inside.
 */
// Lettuce and Netty have no module descriptors; the names they give in their manifests are stable.
@SuppressWarnings("requires-automatic")
module io.worldlink.redis {
    // In this module's API: ClusterNode is an io.worldlink.cluster.Cluster.
    requires transitive io.worldlink;

    requires lettuce.core;
    requires io.netty.common;

    exports io.worldlink.redis;
}
