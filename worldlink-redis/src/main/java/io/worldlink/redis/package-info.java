/**
 * Cluster mode's parts on Redis: several WorldLink nodes that share one Redis server and one data root.
 * A {@link io.worldlink.redis.ClusterNode} is one node's link to Redis; it gives the node's
 * {@link io.worldlink.redis.RedisEventBus event bus} (a world's events reach the clients of every node) and
 * its {@link io.worldlink.redis.WorldLeases world leases} (a world runs on one node at a time, and only that
 * node appends to its log). Which node loads a world and how requests reach it are built on these.
 *
 * <h2>The client: Lettuce</h2>
 * Lettuce's connections are thread-safe and multiplexed: every thread of a node sends its commands on one
 * connection, pipelined, through a non-blocking API that returns a future, so a publish never waits for
 * Redis. Its pub/sub connection reconnects by itself and subscribes again. A node therefore needs two
 * connections (one for commands, one for pub/sub, which can send nothing else once it subscribes) whatever
 * the number of worlds and clients. Jedis, the other well-kept client, blocks: it would need a pool of
 * connections for concurrent publishes, and a subscribing connection holds a thread of its own; Redisson
 * brings far more than a bus and a lease (its own locks, maps and executors). Lettuce's cost is its
 * dependencies: Netty, and Reactor, which Lettuce requires though this module does not use it.
 *
 * <h2>Threads</h2>
 * A node starts five daemon threads and no more, whatever it carries: {@code worldlink-redis-io-1} and
 * {@code -2} (Netty's event loops: the two sockets), {@code worldlink-redis-work-1} and {@code -2}
 * (Lettuce's computation pool, which delivers events to listeners) and {@code worldlink-redis-timer-1}
 * (command timeouts, reconnect delays, and the short rounds of lease renewals and publish retries, which
 * no backlog of deliveries can hold up there). Lettuce's
 * latency metrics are off. {@code close()} waits until they have ended; Lettuce's shutdown reports through
 * Netty's global executor, whose one thread ends by itself a second later. Lettuce takes a short lock of
 * its own on each command it writes to a connection; no other lock is shared between worlds.
 *
 * <h2>Names in Redis</h2>
 * A world is named {@code <length of user id>:<user id>:<world id>}, so no two worlds share a name and
 * two users' worlds of the same name stay apart: events go on the channel
 * {@code worldlink:events:3:ann:demo}, the lease is the key {@code worldlink:lease:{3:ann:demo}} and the
 * fence counter {@code worldlink:fence:{3:ann:demo}} (the braces keep both in one slot of a Redis
 * Cluster, as the scripts that touch both need).
 *
 * <h2>Events</h2>
 * A publish hands the event to the node's own subscribers of the world (they do not depend on Redis) and
 * sends a {@code PUBLISH} of its JSON ({@link io.worldlink.event.WorldEvent#toJson()}) in the order of the
 * calls; every other node subscribed to the world delivers it, the publishing node skips its own echo. The first local listener of a
 * world subscribes its channel, the last one to leave unsubscribes it. Listeners run on the node's workers,
 * never on a socket's thread, one event at a time per world in the order the node received them. Across
 * nodes delivery is at most once: while Redis is out of reach a publish fails at once without blocking or
 * throwing, the event is lost to the other nodes, and once the node reaches Redis again it tells them to
 * catch up; a subscriber's {@code catchUp} action then reads the missing events back from the world's log
 * (where every durable event is before it is published). It is also called when a subscription takes
 * effect, after each reconnect, and when a world's listeners fall 8192 events behind.
 *
 * <h2>Leases and fences</h2>
 * A lease is the key {@code worldlink:lease:{...}} holding {@code nodeId:fence} with an expiry of the lease
 * time (5 seconds unless set); Lua scripts acquire (when no one holds it, with the next value of the
 * world's counter), renew and release it atomically, and renew and release only when the value is still
 * this lease's. One task renews all of a node's leases every third of the lease time. A lease counts as
 * valid, on the node's monotonic clock, until the start of its last successful renewal plus 0.8 lease
 * times; Redis keeps it a full lease time after receiving that renewal, so an owner cut off from Redis
 * stops writing before another node can take its world. The fenced log store refuses an append when the
 * lease it was opened under is no longer valid.
 *
 * <p>Redis may lose what it holds. Run it with {@code appendonly yes}, as the tests do: leases and counters
 * then survive a restart. Fences keep rising even without that: the first append of each burst records
 * the writer's fence in the world's folder ({@code lease-fence}), a new owner's fence is set above the
 * recorded one, and a log refuses to write once a higher fence is recorded there. What that cannot fully
 * cover is a Redis that loses a lease key while its owner still counts it valid: another node may then take
 * the world, and both may write until the old owner's next burst reads the newer record or its lease runs
 * out (at most 0.8 lease times). A world's counter is kept for 30 days after its last acquisition; a world
 * idle for longer gets its next fence from its record.
 */
package io.worldlink.redis;
