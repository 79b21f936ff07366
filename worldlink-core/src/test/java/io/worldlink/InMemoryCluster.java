package io.worldlink;

import io.worldlink.cluster.Cluster;
import io.worldlink.cluster.NodeUnreachableException;
import io.worldlink.cluster.Ownership;
import io.worldlink.cluster.WorldLease;
import io.worldlink.event.EventLog;
import io.worldlink.event.EventLogStore;
import io.worldlink.event.WorldEvent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The nodes of a cluster in one process, for the core's tests: leases, calls between nodes, presence and
 * one bus, kept in memory. A node can be killed: its calls and leases end at once, its publishes and
 * appends stop, as when its process dies. A call to a node that is not there fails with a
 * {@link NodeUnreachableException}; a call whose request the node took and did not answer (see
 * {@link #failAfterTaking}) fails with a {@link TimeoutException}, as over Redis. {@code worldlink-redis}
 * tests the same with a real Redis.
 */
final class InMemoryCluster implements AutoCloseable {
    private final EventBus shared = EventBus.inProcess();
    private final Map<WorldKey, Lease> leases = new HashMap<>();
    private final Map<String, Node> nodes = new HashMap<>();
    private final Map<WorldKey, Long> fences = new HashMap<>();
    // Answers are handed back on a thread of their own, as a bus between processes does.
    private final ExecutorService wire = Executors.newSingleThreadExecutor();

    /** {@return how many calls the nodes made to each other} */
    synchronized int calls() {
        return nodes.values().stream().mapToInt(n -> n.calls).sum();
    }

    Node node(String id) {
        synchronized (this) {
            Node n = new Node(id);
            nodes.put(id, n);
            return n;
        }
    }

    /**
     * Makes the next call to a node with a request of an op (a {@code WorldCalls} op: "chat", "chatHistory"...)
     * reach the node, which does what it asks, and then fail as if its answer never came: the node is too slow,
     * or (when {@code dies}) is killed once it has done it.
     */
    void failAfterTaking(String nodeId, String op, boolean dies) {
        synchronized (this) {
            nodes.get(nodeId).unanswered = new Unanswered("\"op\":\"" + op + "\"", dies);
        }
    }

    private record Unanswered(String request, boolean dies) {}

    /**
     * Ends a world's lease as one runs out while its node cannot reach the store: it is no longer valid and
     * another node may take the world, but its node has not been told yet ({@link WorldLease#ended()} has
     * not completed), so it still runs the world.
     */
    void endLease(WorldKey world) {
        synchronized (this) {
            leases.remove(world);
        }
    }

    /** Kills a node: what it held ends at once, and nothing it does reaches the others any more. */
    void kill(String id) {
        synchronized (this) {
            Node n = nodes.remove(id);
            n.dead = true;
            leases.values().removeIf(l -> l.node == n);
        }
    }

    @Override
    public void close() throws InterruptedException {
        wire.shutdownNow();
        wire.awaitTermination(10, TimeUnit.SECONDS);
    }

    private final class Lease implements WorldLease {
        final WorldKey world;
        final Node node;
        final long fence;
        final CompletableFuture<Void> ended = new CompletableFuture<>();

        Lease(WorldKey world, Node node, long fence) {
            this.world = world;
            this.node = node;
            this.fence = fence;
        }

        @Override
        public WorldKey world() {
            return world;
        }

        @Override
        public long fence() {
            return fence;
        }

        @Override
        public boolean isValid() {
            synchronized (InMemoryCluster.this) {
                return leases.get(world) == this;
            }
        }

        @Override
        public CompletionStage<Void> ended() {
            return ended;
        }

        @Override
        public void close() {
            synchronized (InMemoryCluster.this) {
                leases.remove(world, this);
            }
            ended.complete(null);
        }
    }

    final class Node implements Cluster {
        final String id;
        volatile boolean dead;
        private volatile Function<String, CompletionStage<String>> handler;
        private final Set<UserId> present = new HashSet<>();
        private Unanswered unanswered;
        int calls;

        Node(String id) {
            this.id = id;
        }

        @Override
        public String nodeId() {
            return id;
        }

        @Override
        public EventBus bus() {
            return new EventBus() {
                @Override
                public void publish(WorldKey world, WorldEvent event) {
                    if (!dead) {
                        shared.publish(world, event);
                    }
                }

                @Override
                public Subscription subscribe(WorldKey world, Consumer<? super WorldEvent> listener) {
                    return shared.subscribe(world, e -> {
                        if (!dead) {
                            listener.accept(e);
                        }
                    });
                }
            };
        }

        @Override
        public CompletionStage<Ownership> claim(WorldKey world) {
            synchronized (InMemoryCluster.this) {
                if (dead) {
                    return CompletableFuture.failedFuture(new IllegalStateException("dead"));
                }
                Lease held = leases.get(world);
                if (held != null) {
                    return CompletableFuture.completedFuture(new Ownership.OwnedBy(held.node.id));
                }
                Lease lease = new Lease(world, this, fences.merge(world, 1L, Long::sum));
                leases.put(world, lease);
                return CompletableFuture.completedFuture(new Ownership.Acquired(lease));
            }
        }

        @Override
        public EventLogStore fenced(EventLogStore logs) {
            return new EventLogStore() {
                @Override
                public EventLog open(WorldKey world) {
                    EventLog log = logs.open(world);
                    Lease lease;
                    synchronized (InMemoryCluster.this) {
                        lease = leases.get(world);
                    }
                    return new EventLog() {
                        @Override
                        public long lastSeq() {
                            return log.lastSeq();
                        }

                        @Override
                        public <E extends WorldEvent> E append(E event) {
                            if (lease == null || lease.node != Node.this || !lease.isValid()) {
                                throw new WorldLinkException(ErrorCode.STORAGE_ERROR, "node " + id + " lost world "
                                        + world);
                            }
                            return log.append(event);
                        }

                        @Override
                        public void sync() {
                            log.sync();
                        }

                        @Override
                        public void forEachAfter(long afterSeq, Consumer<? super WorldEvent> action) {
                            log.forEachAfter(afterSeq, action);
                        }

                        @Override
                        public void close() {
                            log.close();
                        }
                    };
                }

                @Override
                public void delete(WorldKey world) {
                    logs.delete(world);
                }
            };
        }

        @Override
        public CompletionStage<String> call(String nodeId, String request) {
            Node to;
            Unanswered fails = null;
            synchronized (InMemoryCluster.this) {
                to = nodes.get(nodeId);
                calls++;
                if (to != null && to.unanswered != null && request.contains(to.unanswered.request())) {
                    fails = to.unanswered;
                    to.unanswered = null;
                }
            }
            if (dead || to == null || to.handler == null) {
                return CompletableFuture.failedFuture(new NodeUnreachableException("node " + nodeId + " is not there"));
            }
            CompletionStage<String> answer = to.handler.apply(request);
            if (fails == null) {
                return answer.thenApplyAsync(a -> a, wire);
            }
            boolean dies = fails.dies();
            return answer.handle((a, e) -> {
                if (dies) {
                    kill(nodeId);
                }
                return a;
            }).thenComposeAsync(a -> CompletableFuture.<String>failedFuture(new TimeoutException("node " + nodeId
                    + " did not answer in time")), wire);
        }

        @Override
        public void serve(Function<String, CompletionStage<String>> handler) {
            this.handler = handler;
        }

        @Override
        public void present(UserId user, boolean here) {
            synchronized (InMemoryCluster.this) {
                if (here) {
                    present.add(user);
                } else {
                    present.remove(user);
                }
            }
        }

        @Override
        public CompletionStage<Boolean> presentElsewhere(UserId user) {
            synchronized (InMemoryCluster.this) {
                return CompletableFuture.completedFuture(nodes.values().stream()
                        .anyMatch(n -> n != this && n.present.contains(user)));
            }
        }

        @Override
        public void close() {
            synchronized (InMemoryCluster.this) {
                leases.values().removeIf(l -> l.node == this);
            }
        }
    }
}
