package io.worldlink.examples.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * Cluster mode: two launcher processes with {@code --redis} over one data root, and a redis-server
 * started for the scenario. Three parts: one world's chunks fanned out to clients spread over both nodes
 * (the delay to clients on the owner's node against the other node's); chat turns with each world's
 * clients spread over both nodes against the same clients on one node; and the time a world takes to come
 * back after {@code kill -9} of its owner, with a check that no durable event a client was shown is lost.
 */
final class ClusterScenario {
    private static final long WAIT_SECONDS = 120;
    // The takeover's model: a reply of 50 chunks, one every 20 ms, so that a turn is under way at the kill.
    private static final int TAKEOVER_CHUNKS = 50;
    private static final int TAKEOVER_CHUNK_MS = 20;

    private final Benchmark bench;
    private final Benchmark.Options options;

    ClusterScenario(Benchmark bench, Benchmark.Options options) {
        this.bench = bench;
        this.options = options;
    }

    void run() throws Exception {
        Path binary = locate(options.redisServer);
        Path redisDir = Files.createTempDirectory("worldlink-bench-redis-");
        try (ServerProcess redis = ServerProcess.redis(binary, redisDir)) {
            List<Benchmark.ClusterPart> parts = options.clusterParts;
            if (parts.contains(Benchmark.ClusterPart.fanout)) {
                fanout(redis);
            }
            if (parts.contains(Benchmark.ClusterPart.chat)) {
                chat(redis, 1);
                chat(redis, 2);
            }
            if (parts.contains(Benchmark.ClusterPart.takeover)) {
                takeover(redis);
            }
        } finally {
            try (Stream<Path> s = Files.walk(redisDir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static Path locate(String program) {
        if (program.contains(File.separator)) {
            return Path.of(program);
        }
        for (String folder : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(folder, program);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException(program + " is not on the PATH: install Redis (apt-get install redis-server), "
                + "pass --redis-server, or leave the cluster scenario out of --scenarios.");
    }

    private static List<String> node(ServerProcess redis, String id, String... more) {
        List<String> args = new ArrayList<>(List.of("--redis", "redis://127.0.0.1:" + redis.port, "--node-id", id));
        args.addAll(List.of(more));
        return args;
    }

    // A JFR profile of each node over a measured window, when --jfr asks for one.
    private void startProfiles(List<ServerProcess> nodes) throws Exception {
        if (options.jfr != null) {
            for (ServerProcess s : nodes) {
                s.jcmd("JFR.start", "name=window", "settings=profile");
            }
        }
    }

    private void stopProfiles(String run, List<ServerProcess> nodes) throws Exception {
        if (options.jfr == null) {
            return;
        }
        for (int n = 0; n < nodes.size(); n++) {
            Path file = options.jfr.toAbsolutePath().resolveSibling(options.jfr.getFileName().toString()
                    .replaceFirst("(\\.jfr)?$", "-" + run + "-node-" + (char) ('a' + n) + ".jfr"));
            Files.createDirectories(file.getParent());
            nodes.get(n).jcmd("JFR.stop", "name=window", "filename=" + file);
            System.out.println("  profile of node " + (char) ('a' + n) + ": " + file);
        }
    }

    // ---- (i) fan-out across nodes ----

    private void fanout(ServerProcess redis) throws Exception {
        int m = Math.max(2, options.fanoutClients);
        int k = options.fanoutChunks;
        int pace = options.fanoutChunkDelayMs;
        System.out.println("cluster fan-out: " + m + " clients in one world, half on the node that runs it and half "
                + "on the other, a reply of " + k + " chunks, one every " + pace + " ms...");
        try (FakeModelServer model = new FakeModelServer(k, pace)) {
            Map<String, String> env = Map.of("WORLDLINK_PROVIDER", "openai-compatible", "OPENAI_COMPATIBLE_BASE_URL",
                    model.baseUrl());
            Path data = bench.newDataRoot();
            try (ServerProcess a = bench.worldLink(env, true, data, node(redis, "node-a"));
                    ServerProcess b = bench.worldLink(env, true, data, node(redis, "node-b"))) {
                String user = UUID.randomUUID().toString();
                Samples owner = new Samples();
                Samples other = new Samples();
                // A first reply warms both nodes up (the JIT, the subscriptions); the second is measured.
                CountDownLatch warm = new CountDownLatch(m);
                CountDownLatch complete = new CountDownLatch(m);
                // Client 0 selects first, on node a, which therefore runs the world; then every other client
                // goes to node b.
                IntFunction<Boolean> onOwner = i -> i % 2 == 0;
                IntFunction<java.util.function.Consumer<String>> onFrame = i -> f -> {
                    if (BenchClient.is(f, "chat-response")) {
                        long now = System.nanoTime();
                        if (f.contains("\"isComplete\":true")) {
                            (warm.getCount() > 0 ? warm : complete).countDown();
                        } else if (warm.getCount() == 0) {
                            int at = f.indexOf("\"content\":\"w") + 12;
                            int idx = Integer.parseInt(f.substring(at, f.indexOf(' ', at)));
                            (onOwner.apply(i) ? owner : other).add(now - model.lastEmit.get(idx));
                        }
                    }
                };
                String select = Benchmark.select("fast-world", "fan", user);
                BenchClient[] first = bench.openAll(i -> Benchmark.ws(a), 1, i -> select, onFrame, null);
                BenchClient[] rest = bench.openAll(i -> Benchmark.ws(onOwner.apply(i + 1) ? a : b), m - 1,
                        i -> select, i -> onFrame.apply(i + 1), null);
                first[0].send(Benchmark.chatFrame("Warming up."));
                if (!warm.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("Not every client got the whole first reply.");
                }
                startProfiles(List.of(a, b));
                first[0].send(Benchmark.chatFrame("Everyone, listen."));
                if (!complete.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("Not every client got the whole reply.");
                }
                stopProfiles("cluster-fanout", List.of(a, b));
                Map<String, Object> r = bench.result("cluster-fanout");
                r.put("clients", m);
                r.put("clientsOnOwnerNode", (m + 1) / 2);
                r.put("chunks", k);
                r.put("chunkEveryMs", pace);
                r.put("ownerNodeChunkDelayP50Ms", Benchmark.round(owner.ms(0.5)));
                r.put("ownerNodeChunkDelayP99Ms", Benchmark.round(owner.ms(0.99)));
                r.put("otherNodeChunkDelayP50Ms", Benchmark.round(other.ms(0.5)));
                r.put("otherNodeChunkDelayP99Ms", Benchmark.round(other.ms(0.99)));
                r.put("otherMinusOwnerP99Ms", Benchmark.round(other.ms(0.99) - owner.ms(0.99)));
                r.put("chunksDelivered", owner.count() + other.count());
                Benchmark.closeAll(first);
                Benchmark.closeAll(rest);
            }
        }
    }

    // ---- (ii) chat turns over one node or two ----

    /**
     * C worlds of two agents (the offline model at zero pace), each with two clients of its user: one that
     * selects it first (so that its node runs the world) and watches, and one that chats, sending its next
     * message when its last turn ends. On one node both are there; on two, world i runs on node i % 2 and
     * its chatting client is on the other node, so that every request and event of every turn crosses Redis.
     */
    private void chat(ServerProcess redis, int nodes) throws Exception {
        int c = options.chatClients;
        int warmup = options.warmupSeconds;
        int seconds = options.chatSeconds;
        String name = "cluster-chat-" + nodes + (nodes == 1 ? "-node" : "-nodes");
        System.out.println(name + ": " + c + " worlds of 2 agents, each with a watching and a chatting client"
                + (nodes == 1 ? " on one node" : ", the chatting one on the node that does not run the world") + ", "
                + warmup + " s warm-up + " + seconds + " s...");
        Path data = bench.newDataRoot();
        List<ServerProcess> servers = new ArrayList<>();
        try {
            for (int n = 0; n < nodes; n++) {
                servers.add(bench.worldLink(Map.of(), true, data, node(redis, "node-" + (char) ('a' + n))));
            }
            IntFunction<URI> owner = i -> Benchmark.ws(servers.get(i % nodes));
            IntFunction<URI> chatter = i -> Benchmark.ws(servers.get((i + 1) % nodes));
            List<String> users = new ArrayList<>();
            for (int i = 0; i < c; i++) {
                users.add(UUID.randomUUID().toString());
            }
            IntFunction<String> select = i -> Benchmark.select("default-world", "chat", users.get(i));
            BenchClient[] watchers = bench.openAll(owner, c, select, i -> f -> { }, null);

            Samples latency = new Samples();
            AtomicLong turns = new AtomicLong();
            AtomicInteger measuring = new AtomicInteger();
            long[] sentAt = new long[c];
            boolean[] sentInWindow = new boolean[c];
            AtomicReference<BenchClient[]> all = new AtomicReference<>();
            CountDownLatch stopped = new CountDownLatch(c);
            BenchClient[] chatters = bench.openAll(chatter, c, select, i -> f -> {
                if (!BenchClient.isIdle(f)) {
                    return;
                }
                long now = System.nanoTime();
                int phase = measuring.get();
                if (sentInWindow[i] && phase == 1) {
                    latency.add(now - sentAt[i]);
                    turns.incrementAndGet();
                }
                if (phase == 2) {
                    stopped.countDown();
                    return;
                }
                sentInWindow[i] = phase == 1;
                sentAt[i] = System.nanoTime();
                all.get()[i].send(Benchmark.chatFrame("turn " + now));
            }, null);
            all.set(chatters);
            for (int i = 0; i < c; i++) {
                sentAt[i] = System.nanoTime();
                chatters[i].send(Benchmark.chatFrame("first turn"));
            }
            TimeUnit.SECONDS.sleep(warmup);
            startProfiles(servers);
            Map<Long, ServerProcess.ThreadCpu> threads0 = threads(servers);
            long cpu0 = cpu(servers);
            long redisCpu0 = redis.cpuNanos();
            long t0 = System.nanoTime();
            measuring.set(1);
            TimeUnit.SECONDS.sleep(seconds);
            measuring.set(2);
            long cpu = cpu(servers) - cpu0;
            Map<Long, ServerProcess.ThreadCpu> threads1 = threads(servers);
            long redisCpu = redis.cpuNanos() - redisCpu0;
            double window = (System.nanoTime() - t0) / 1e9;
            stopProfiles(name, servers);
            if (!stopped.await(1, TimeUnit.MINUTES)) {
                System.out.println("  " + stopped.getCount() + " clients did not end their last turn in a minute");
            }
            long n = Math.max(1, turns.get());
            Map<String, Object> r = bench.result(name);
            r.put("nodes", nodes);
            r.put("worlds", c);
            r.put("windowSeconds", Benchmark.round(window));
            r.put("turns", turns.get());
            r.put("turnsPerSecond", Benchmark.round(turns.get() / window));
            r.put("turnLatencyP50Ms", Benchmark.round(latency.ms(0.5)));
            r.put("turnLatencyP99Ms", Benchmark.round(latency.ms(0.99)));
            r.put("nodesCpuMsPerTurn", Benchmark.round(cpu / 1e6 / n));
            r.put("redisCpuMsPerTurn", Benchmark.round(redisCpu / 1e6 / n));
            r.put("nodesCpuMsPerTurnByThread", Benchmark.cpuByThreadGroup(threads0, threads1, cpu, n));
            Benchmark.closeAll(chatters);
            Benchmark.closeAll(watchers);
        } finally {
            servers.forEach(ServerProcess::close);
        }
    }

    // The nodes' threads together: a thread's id is unique on the machine.
    private static Map<Long, ServerProcess.ThreadCpu> threads(List<ServerProcess> servers) throws IOException {
        Map<Long, ServerProcess.ThreadCpu> all = new HashMap<>();
        for (ServerProcess s : servers) {
            all.putAll(s.cpuByThread());
        }
        return all;
    }

    private static long cpu(List<ServerProcess> servers) throws IOException {
        long sum = 0;
        for (ServerProcess s : servers) {
            sum += s.cpuNanos();
        }
        return sum;
    }

    // ---- (iii) takeover after kill -9 ----

    /** What one client of the takeover was shown: the durable events by seq, and when things came. */
    private static final class Watched {
        final Map<Long, String> shown = new ConcurrentHashMap<>();
        final Map<String, CountDownLatch> waits = new ConcurrentHashMap<>();
        final Map<String, Long> at = new ConcurrentHashMap<>();
        final Map<String, String> messageIds = new ConcurrentHashMap<>();

        CountDownLatch latch(String what) {
            return waits.computeIfAbsent(what, k -> new CountDownLatch(1));
        }

        void mark(String what, long now) {
            if (at.putIfAbsent(what, now) == null) {
                latch(what).countDown();
            }
        }

        long await(String what) throws InterruptedException {
            if (!latch(what).await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new IllegalStateException("The takeover did not bring " + what + " within " + WAIT_SECONDS + " s.");
            }
            return at.get(what);
        }

        void onFrame(String f) {
            long now = System.nanoTime();
            if (BenchClient.is(f, "chat-response")) {
                mark("chunk", now);
            }
            if (!BenchClient.is(f, "event-stream")) {
                return;
            }
            JsonObject o = JsonParser.parseString(f).getAsJsonObject();
            JsonObject event = o.getAsJsonObject("payload").getAsJsonObject("event");
            if (o.has("seq")) {
                shown.put(o.get("seq").getAsLong(), event.get("id").getAsString());
            }
            if (o.has("replyTo")) {
                messageIds.put(o.get("replyTo").getAsString(), event.get("id").getAsString());
                mark("answer to " + o.get("replyTo").getAsString(), now);
            }
            JsonObject p = event.getAsJsonObject("payload");
            if (p.has("action") && p.get("action").getAsString().equals("idle")) {
                mark("idle of " + p.get("messageId").getAsString(), now);
            }
        }
    }

    /**
     * Rounds of: a world run by node a, a client on each node, a turn under way (a model that streams for a
     * second), node a killed with SIGKILL, and at once a message from the client on node b. Measured from the
     * kill: the message answered (its echo, from the world's new owner), and the interrupted turn's idle
     * (its replies asked of the model again by the new owner). Then each world's log is checked against what
     * its clients were shown.
     */
    private void takeover(ServerProcess redis) throws Exception {
        int rounds = options.takeoverRounds;
        System.out.println("cluster takeover: " + rounds + " rounds of a world's owner killed (kill -9) mid-turn...");
        Samples answered = new Samples();
        Samples idle = new Samples();
        Path data = bench.newDataRoot();
        String user = "bench-takeover";
        List<Watched> watched = new ArrayList<>();
        try (FakeModelServer model = new FakeModelServer(TAKEOVER_CHUNKS, TAKEOVER_CHUNK_MS)) {
            Map<String, String> env = Map.of("WORLDLINK_PROVIDER", "openai-compatible", "OPENAI_COMPATIBLE_BASE_URL",
                    model.baseUrl());
            try (ServerProcess b = bench.worldLink(env, true, data, node(redis, "node-b", "--insecure-trust-user-ids"))) {
                for (int round = 0; round < rounds; round++) {
                    String world = "takeover-" + round;
                    String select = Benchmark.select("default-world", world, user);
                    Watched onA = new Watched();
                    Watched onB = new Watched();
                    watched.add(onA);
                    watched.add(onB);
                    ServerProcess a = bench.worldLink(env, true, data, node(redis, "node-a", "--insecure-trust-user-ids"));
                    BenchClient[] ca;
                    BenchClient[] cb;
                    long killed;
                    try {
                        ca = bench.openAll(i -> Benchmark.ws(a), 1, i -> select, i -> onA::onFrame, null);
                        cb = bench.openAll(i -> Benchmark.ws(b), 1, i -> select, i -> onB::onFrame, null);
                        ca[0].send("{\"type\":\"chat-send\",\"id\":\"topic\",\"payload\":{\"message\":\"How do I learn "
                                + "Java?\"}}");
                        onB.await("chunk");
                    } finally {
                        killed = System.nanoTime();
                        a.kill();
                    }
                    cb[0].send("{\"type\":\"chat-send\",\"id\":\"after-kill\",\"payload\":{\"message\":\"Are you "
                            + "there?\"}}");
                    answered.add(onB.await("answer to after-kill") - killed);
                    String topic = onA.messageIds.get("topic");
                    idle.add(onB.await("idle of " + topic) - killed);
                    onB.await("idle of " + onB.messageIds.get("after-kill"));
                    Benchmark.closeAll(cb);
                    Benchmark.closeAll(ca);
                }
            }
        }
        int shown = 0;
        int lost = 0;
        int gaps = 0;
        for (int round = 0; round < rounds; round++) {
            List<Map.Entry<Long, String>> log = log(data, user, "takeover-" + round);
            Map<Long, String> bySeq = new LinkedHashMap<>();
            long previous = 0;
            for (Map.Entry<Long, String> e : log) {
                if (e.getKey() != previous + 1) {
                    gaps++;
                }
                previous = e.getKey();
                bySeq.put(e.getKey(), e.getValue());
            }
            for (Watched w : watched.subList(2 * round, 2 * round + 2)) {
                for (Map.Entry<Long, String> e : w.shown.entrySet()) {
                    shown++;
                    if (!e.getValue().equals(bySeq.get(e.getKey()))) {
                        lost++;
                    }
                }
            }
        }
        Map<String, Object> r = bench.result("cluster-takeover");
        r.put("rounds", rounds);
        r.put("killToRequestAnsweredMsMin", Benchmark.round(answered.ms(0)));
        r.put("killToRequestAnsweredMsMedian", Benchmark.round(answered.ms(0.5)));
        r.put("killToRequestAnsweredMsMax", Benchmark.round(answered.ms(1)));
        r.put("killToInterruptedTurnIdleMsMin", Benchmark.round(idle.ms(0)));
        r.put("killToInterruptedTurnIdleMsMedian", Benchmark.round(idle.ms(0.5)));
        r.put("killToInterruptedTurnIdleMsMax", Benchmark.round(idle.ms(1)));
        r.put("durableEventsShown", shown);
        r.put("durableEventsShownButNotLogged", lost);
        r.put("seqGapsOrRepeatsInLogs", gaps);
    }

    // A world's log as its file holds it: seq and event id, in the file's order.
    private static List<Map.Entry<Long, String>> log(Path data, String user, String world) throws IOException {
        List<Map.Entry<Long, String>> log = new ArrayList<>();
        for (String line : Files.readAllLines(data.resolve("users/" + user + "/worlds/" + world + "/events.jsonl"))) {
            JsonObject o = JsonParser.parseString(line).getAsJsonObject();
            log.add(Map.entry(o.get("seq").getAsLong(), o.get("id").getAsString()));
        }
        return log;
    }
}
