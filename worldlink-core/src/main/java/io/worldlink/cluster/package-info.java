/**
 * Cluster mode: several WorldLink nodes behind a load balancer serving the same users and worlds from one
 * Redis and one shared data root. The core defines what it needs of the other nodes
 * ({@link io.worldlink.cluster.Cluster}); the {@code worldlink-redis} module provides it. Without a
 * cluster, nothing of this is used.
 */
package io.worldlink.cluster;
