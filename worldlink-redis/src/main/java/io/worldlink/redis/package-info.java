/**
 * Cluster mode on Redis: several WorldLink nodes that share one Redis server and one data root. A
 * {@link io.worldlink.redis.ClusterNode} is one node's link to Redis and the core's
 * {@link io.worldlink.cluster.Cluster}: its event bus (a world's events reach the clients of every node),
 * its world leases (a world runs on one node at a time, and only that node appends to its log), calls to
 * the other nodes (a request reaches the world's owner) and the presence of users (no node deletes an
 * anonymous user's folder while another serves them). Which node loads a world is the core's to decide,
 * with these.
 *
 * <h2>The client: Lettuce</h2>
 * Lettuce's connections are thread-safe and multiplexed: every thread of a node sends its commands on one
 * connection, pipelined, through a non-blocking API that returns a future, so a publish never waits for
 * Redis. Its pub/sub connection reconnects by itself, and the node subscribes again. A node therefore needs
 * two connections (one for commands, one for pub/sub, which can send nothing else once it subscribes)
 * whatever the number of worlds, clients, calls and users. Jedis, the other well-kept client, blocks: it
 * would need a pool of connections for concurrent publishes, and a subscribing connection holds a thread of
 * its own; Redisson brings far more than a bus and a lease (its own locks, maps and executors). Lettuce's
 * cost is its dependencies: Netty, and Reactor, which Lettuce requires though this module does not use it.
 *
 * <h2>Threads</h2>
 * A node starts five daemon threads and no more, whatever it carries: {@code worldlink-redis-io-1} and
 * {@code -2} (Netty's event loops: the two sockets), {@code worldlink-redis-work-1} and {@code -2}
 * (Lettuce's computation pool, which delivers events to listeners, runs the handler of calls and completes
 * every stage the node returns) and {@code worldlink-redis-timer-1} (command and call timeouts, reconnect
 * delays, and the short rounds of lease and liveness renewals and publish retries, which no backlog of
 * deliveries can hold up there). Lettuce's latency metrics are off. {@code close()} waits until they have
 * ended; Lettuce's shutdown reports through Netty's global executor, whose one thread ends by itself a
 * second later. Lettuce takes a short lock of its own on each command it writes to a connection; no other
 * lock is shared between worlds.
 *
 * <h2>Names in Redis</h2>
 * A world is named {@code <length of user id>:<user id>:<world id>}, so no two worlds share a name and
 * two users' worlds of the same name stay apart: events go on the channel
 * {@code worldlink:events:3:ann:demo}, the lease is the key {@code worldlink:lease:{3:ann:demo}} and the
 * fence counter {@code worldlink:fence:{3:ann:demo}} (the braces keep both in one slot of a Redis
 * Cluster, as the scripts that touch both need). A node's names end with its id after its length: its
 * channel {@code worldlink:node:6:node-a}, its liveness key {@code worldlink:{presence}:alive:6:node-a}
 * and the set of its users {@code worldlink:{presence}:users:6:node-a}; the set
 * {@code worldlink:{presence}:nodes} names the nodes (the presence keys share one slot, as the script that
 * reads every node's needs).
 *
 * <h2>Events</h2>
 * A publish hands the event to the node's own subscribers of the world (they do not depend on Redis) and
 * sends its JSON ({@link io.worldlink.event.WorldEvent#toJson()}) to the other nodes with a {@code PUBLISH},
 * in the order of the calls. A world has one {@code PUBLISH} in flight at a time: the events published
 * meanwhile gather and go as one message when Redis has answered it, so that a burst (a turn's chunks, say)
 * costs a command, and each other node one message to read, instead of one per event. Every other node
 * subscribed to the world delivers them, the publishing node skips its own echo. The
 * first local listener of a world subscribes its channel, the last one to leave unsubscribes it. Listeners
 * run on the node's workers, never on a socket's thread, one event at a time per world in the order the
 * node received them. Across nodes delivery is at most once: while Redis is out of reach a publish fails at
 * once without blocking or throwing, the event is lost to the other nodes, and once the node reaches Redis
 * again it tells them to catch up; a subscriber's {@code catchUp} action then reads the missing events back
 * from the world's log (where every durable event is before it is published). It is also called when a
 * subscription takes effect, after each reconnect, and when a world's listeners fall 8192 events behind.
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
 *
 * <h2>Calls</h2>
 * Each node subscribes to its own channel when it starts, and again after each reconnect. A call
 * {@code PUBLISH}es {@code q<call id> <caller> <request>} on the target's channel. Redis answers a
 * {@code PUBLISH} with the number of subscribers that got it, so a call to a node that is not connected
 * fails at once. That is how a dead owner is noticed: Redis drops a subscription when its socket closes,
 * also when the process was killed ({@code kill -9}); only a node cut off while its socket stays open (a
 * network partition) is noticed by the call timeout alone. The handler runs on the target's workers; its
 * answer ({@code a<call id> <answer>}) or its failure's message ({@code f<call id> <message>}) comes back on
 * the caller's channel. A call id starts with a token random per run of the caller, so that an answer
 * meant for an earlier run of a node with that id, or for a call that timed out, is passed over. A call
 * waits at most the call timeout (10 seconds unless set); at most 4096 calls of a node wait for an answer
 * and its handler serves at most 8192 requests at once, and beyond that a call fails at once with a
 * message that says so. A request or an answer is at most 16 MB of UTF-8 (a page of history is a few MB).
 * Redis closes a subscriber whose unread pub/sub output passes 32 MB (its default
 * {@code client-output-buffer-limit pubsub}), which many large answers to one node at once could reach:
 * raise that limit where pages are large and many.
 *
 * <h2>Presence</h2>
 * A node keeps the set of its present users in Redis ({@code SADD} when a user's first connection
 * arrives, {@code SREM} when their last leaves) and a liveness key that expires one lease time after its
 * last renewal, renewed with the leases. {@code presentElsewhere} is one Lua script: it looks at every
 * node of {@code worldlink:{presence}:nodes} but this one, finds the user among the users of those whose
 * liveness key exists, and clears the users of those whose key has run out, so that a dead node stops
 * counting within a lease time and leaves nothing behind. A node that starts clears what an earlier run
 * with its id left; one that closes clears its own at once. The node also keeps its users in memory: when
 * a change may not have reached Redis (a failed command, or liveness that ran out while the node was cut
 * off, so that other nodes cleared its users), the next renewal writes them all again; each user's changes
 * are sent inside that user's atomic update, so that they reach Redis in order across such a rewrite.
 */
package io.worldlink.redis;
