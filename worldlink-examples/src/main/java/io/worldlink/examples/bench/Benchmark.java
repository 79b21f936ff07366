package io.worldlink.examples.bench;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jetty.websocket.core.client.WebSocketCoreClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * How fast, how many, and nothing leaked: starts the launcher's server in its own JVM and drives it
 * with real WebSocket clients from this one. Prints a table and writes the figures as JSON.
 *
 * <pre>
 * java -cp worldlink-examples/target/worldlink-examples.jar io.worldlink.examples.bench.Benchmark [options]
 * </pre>
 *
 * {@code --help} lists the options: which scenarios to run, and the size of each.
 */
public final class Benchmark {
    /**
     * The JVM options the README's command gives the launcher: the serial collector sizes the heap to what
     * is live (a few tens of MB at C = 100), where G1 on the JVM's defaults grows it towards a quarter of
     * the machine's memory under a chat's allocation rate; 384 MB leaves room for 10,000 connections.
     */
    static final List<String> LAUNCHER_JVM_OPTIONS = List.of("-XX:+UseSerialGC", "-Xms64m", "-Xmx384m");

    private static final Pattern WORLDLINK_PORT = Pattern.compile("listening on ws://[^:]+:(\\d+)/");
    private static final Pattern ECHO_PORT = Pattern.compile("listening on (\\d+)");
    private static final long WAIT_MINUTES = 30;
    // A pause or the warm-up may be nothing; every other number counts something that must be there.
    private static final Set<String> MAY_BE_ZERO = Set.of("--warmup-seconds", "--fanout-chunk-delay-ms",
            "--chunk-delay-ms", "--chat-turns");

    /** A scenario the benchmark can run. */
    enum Scenario { connections, fanout, chat, baseline, churn, cluster }

    /** A part of the cluster scenario. */
    enum ClusterPart { fanout, chat, takeover }

    /** The chat scenario's model. */
    enum Model { offline, http }

    /** Whether the chat scenario's server syncs its files. */
    enum Sync { on, off, both }

    /** The command line, as picocli reads it. */
    @Command(name = "java -cp worldlink-examples.jar io.worldlink.examples.bench.Benchmark", sortOptions = false,
            abbreviateSynopsis = true, usageHelpWidth = 100, description = {"", "Starts the launcher's server in a JVM of its own and drives it "
                    + "with real WebSocket clients from this one; prints a table and writes the figures as JSON. Run "
                    + "it from the repository's root after mvn -B -q package -DskipTests.", ""},
            optionListHeading = "Options (each also written --name=value):%n")
    static final class Options {
        @Option(names = "--scenarios", split = ",", paramLabel = "NAME", defaultValue = "connections,fanout,chat,"
                + "baseline,churn,cluster", description = "which to run, of ${COMPLETION-CANDIDATES} (default all)")
        List<Scenario> scenarios;

        @Option(names = "--connections", paramLabel = "N", defaultValue = "10000",
                description = "connections and baseline: connections to open (default ${DEFAULT-VALUE})")
        int connections;

        @Option(names = "--select-window", paramLabel = "W", defaultValue = "16",
                description = "connections: world-selects under way at once, once every connection is open "
                        + "(default ${DEFAULT-VALUE})")
        int selectWindow;

        @Option(names = "--fanout-clients", paramLabel = "M", defaultValue = "1000",
                description = "fanout: clients of the one world (default ${DEFAULT-VALUE})")
        int fanoutClients;

        @Option(names = "--fanout-chunks", paramLabel = "K", defaultValue = "100",
                description = "fanout: chunks the model streams (default ${DEFAULT-VALUE})")
        int fanoutChunks;

        @Option(names = "--fanout-chunk-delay-ms", paramLabel = "D", defaultValue = "10",
                description = "fanout: the model's pause before each chunk (default ${DEFAULT-VALUE})")
        int fanoutChunkDelayMs;

        @Option(names = {"--chat-clients", "--clients"}, paramLabel = "C", defaultValue = "100",
                description = "chat and baseline: clients, each in its own world of two agents that both answer "
                        + "every message (default ${DEFAULT-VALUE})")
        int chatClients;

        @Option(names = "--chat-seconds", paramLabel = "S", defaultValue = "20",
                description = "chat and baseline: measured time, after the warm-up (default ${DEFAULT-VALUE})")
        int chatSeconds;

        @Option(names = "--chat-turns", paramLabel = "N", defaultValue = "0",
                description = "chat: measure until N turns have ended after the warm-up, instead of for "
                        + "--chat-seconds (default ${DEFAULT-VALUE}: by time)")
        int chatTurns;

        @Option(names = "--warmup-seconds", paramLabel = "S", defaultValue = "5",
                description = "chat: time before measuring (default ${DEFAULT-VALUE})")
        int warmupSeconds;

        @Option(names = "--model", paramLabel = "MODEL", defaultValue = "offline",
                description = "chat: the offline model at zero pace, or an OpenAI-compatible model on loopback; "
                        + "${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
        Model model;

        @Option(names = "--chunks", paramLabel = "N", defaultValue = "20",
                description = "chat with --model http: chunks per reply (default ${DEFAULT-VALUE})")
        int chunks;

        @Option(names = "--chunk-delay-ms", paramLabel = "D", split = ",", defaultValue = "0",
                description = "chat with --model http: pause before each chunk; several (0,5) run the scenario "
                        + "once each, on a new server (default ${DEFAULT-VALUE})")
        List<Integer> chunkDelayMs;

        @Option(names = "--sync", paramLabel = "SYNC", defaultValue = "both",
                description = "chat: with the event log and files synced to disk, without, or one run each so that "
                        + "the cost of syncing shows; ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE})")
        Sync sync;

        @Option(names = "--churn-cycles", paramLabel = "N", defaultValue = "100000",
                description = "churn: connect/select/chat/disconnect cycles (default ${DEFAULT-VALUE})")
        int churnCycles;

        @Option(names = "--parallel", paramLabel = "P", defaultValue = "50",
                description = "churn: cycles under way at once (default ${DEFAULT-VALUE})")
        int parallel;

        @Option(names = "--takeover-rounds", paramLabel = "N", defaultValue = "3",
                description = "cluster: how many times a world's owner is killed (kill -9) and the world taken over "
                        + "(default ${DEFAULT-VALUE})")
        int takeoverRounds;

        @Option(names = "--cluster-parts", split = ",", paramLabel = "PART", defaultValue = "fanout,chat,takeover",
                description = "cluster: which parts to run, of ${COMPLETION-CANDIDATES} (default all)")
        List<ClusterPart> clusterParts;

        @Option(names = "--redis-server", paramLabel = "PROGRAM", defaultValue = "redis-server",
                description = "cluster: the redis-server the nodes share, started for the scenario on a free port "
                        + "(default ${DEFAULT-VALUE}, found on the PATH)")
        String redisServer;

        @Option(names = "--heap", paramLabel = "SIZE", defaultValue = "4g",
                description = "the server's -Xmx, with -Xms1g and G1 (default ${DEFAULT-VALUE})")
        String heap;

        @Option(names = "--jvm-defaults",
                description = "run the servers with the JVM options the README gives the launcher instead ("
                        + "-XX:+UseSerialGC -Xms64m -Xmx384m), so that their resident memory is the launcher's")
        boolean jvmDefaults;

        @Option(names = "--jfr", paramLabel = "FILE",
                description = "chat, connections and cluster: record a JFR profile (settings=profile) of the server "
                        + "over the measured window into FILE; with several runs, each gets its own name (FILE-<run>.jfr; "
                        + "FILE-connections.jfr for the selects; FILE-<run>-<node>.jfr for each node of the cluster's "
                        + "fan-out and chat). The recording costs CPU: take the figures from a run without it")
        Path jfr;

        @Option(names = "--server-jvm-args", paramLabel = "ARGS",
                description = "more JVM options for the server, space-separated (a profiler, say)")
        String serverJvmArgs;

        @Option(names = "--json", paramLabel = "FILE", defaultValue = "target/benchmark.json",
                description = "where the figures go (default ${DEFAULT-VALUE})")
        Path json;

        @Option(names = "--server-jar", paramLabel = "JAR", defaultValue = "worldlink-jetty/target/worldlink-server.jar",
                description = "the launcher to measure (default ${DEFAULT-VALUE})")
        Path serverJar;

        @Option(names = "--templates", paramLabel = "DIR", defaultValue = "data/worlds",
                description = "the templates each server starts with (default ${DEFAULT-VALUE})")
        Path templates;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
        boolean help;
    }

    /**
     * A command line read: the options to run with, or the status to exit with at once.
     *
     * @param options the options, or {@code null} when the help was shown or the command line was wrong
     * @param given the options the command line gave, by name, as it gave them
     * @param status the exit status when there are no options
     */
    record Parsed(Options options, Map<String, String> given, int status) {}

    private final Options options;
    private final Map<String, String> given;
    private final Map<String, Map<String, Object>> results = new LinkedHashMap<>();
    private final WebSocketCoreClient ws = new WebSocketCoreClient();
    private final Path ownJar;

    private Benchmark(Parsed parsed) throws Exception {
        this.options = parsed.options();
        this.given = parsed.given();
        this.ownJar = Path.of(Benchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    /**
     * Runs the scenarios the command line asks for and reports their figures; {@code --help} shows the
     * help, and a command line that cannot run is explained, with the help, and exits with 2.
     *
     * @param args the command line; {@code --help} describes it
     * @throws Exception when a scenario cannot run
     */
    public static void main(String[] args) throws Exception {
        Parsed parsed = parse(args, System.out, System.err);
        if (parsed.options() == null) {
            System.exit(parsed.status());
            return;
        }
        if (!Files.isRegularFile(parsed.options().serverJar)) {
            System.err.println(parsed.options().serverJar + " is missing: build first (mvn -B -q package -DskipTests), "
                    + "and run the benchmark from the repository's root, or pass --server-jar.");
            System.exit(1);
            return;
        }
        Benchmark b = new Benchmark(parsed);
        b.ws.start();
        for (Scenario scenario : parsed.options().scenarios) {
            switch (scenario) {
                case connections -> b.connections();
                case fanout -> b.fanout();
                case chat -> b.chat();
                case baseline -> b.baseline();
                case churn -> b.churn();
                case cluster -> new ClusterScenario(b, parsed.options()).run();
            }
        }
        b.report();
        b.ws.stop();
        b.deleteDataRoots();
    }

    /**
     * Reads the command line; shows the help when it is asked for, or what is wrong and the help.
     *
     * @param args the command line
     * @param out where the help goes when it is asked for
     * @param err where a wrong command line is explained
     * @return the options and those the command line gave, or the exit status: 0 after the help, 2 for a
     *     wrong command line
     */
    static Parsed parse(String[] args, PrintStream out, PrintStream err) {
        CommandLine line = new CommandLine(new Options()).setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF))
                .setExpandAtFiles(false);
        try {
            ParseResult parsed = line.parseArgs(args);
            if (line.isUsageHelpRequested()) {
                out.print(line.getUsageMessage());
                return new Parsed(null, Map.of(), 0);
            }
            for (OptionSpec o : line.getCommandSpec().options()) {
                int least = MAY_BE_ZERO.contains(o.longestName()) ? 0 : 1;
                List<?> values = o.getValue() instanceof List<?> l ? l : java.util.Collections.singletonList(o.getValue());
                for (Object v : values) {
                    if (v instanceof Integer n && n < least) {
                        throw new ParameterException(line, o.longestName() + " must be " + least + " or more, not "
                                + n);
                    }
                }
            }
            // The figures are kept with the options that made them: those given, as they were given.
            Map<String, String> given = new LinkedHashMap<>();
            for (OptionSpec o : parsed.matchedOptions()) {
                given.put(o.longestName().substring(2), String.join(",", o.stringValues()));
            }
            return new Parsed(line.getCommand(), given, 0);
        } catch (ParameterException e) {
            err.println(e.getMessage() + ".");
            err.println();
            err.print(line.getUsageMessage());
            return new Parsed(null, Map.of(), 2);
        }
    }

    // Each scenario's server worked in a data root of its own: remove them all (tens of thousands of files).
    private void deleteDataRoots() throws IOException {
        for (Path root : new java.util.LinkedHashSet<>(dataRoots.values())) {
            try (Stream<Path> s = Files.walk(root)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    Map<String, Object> result(String scenario) {
        return results.computeIfAbsent(scenario, k -> new LinkedHashMap<>());
    }

    static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    // ---- servers ----

    private ServerProcess worldLink(Map<String, String> env) throws Exception {
        return worldLink(env, true);
    }

    private ServerProcess worldLink(Map<String, String> scenarioEnv, boolean sync) throws Exception {
        return worldLink(scenarioEnv, sync, newDataRoot(), List.of());
    }

    /** @return a new data root with the templates, deleted at the end of the run */
    Path newDataRoot() throws IOException {
        Path data = Files.createTempDirectory("worldlink-bench-");
        copyTree(options.templates, data.resolve("worlds"));
        return data;
    }

    /**
     * Starts a launcher.
     *
     * @param data its data root, which other launchers may share (the nodes of a cluster)
     * @param more more of the launcher's options
     */
    ServerProcess worldLink(Map<String, String> scenarioEnv, boolean sync, Path data, List<String> more)
            throws Exception {
        Map<String, String> env = new LinkedHashMap<>(scenarioEnv);
        // The load comes from one address and opens far more than a production server allows one client.
        env.put("WORLDLINK_MAX_CONNECTIONS", "1000000");
        env.put("WORLDLINK_MAX_CONNECTIONS_PER_ADDRESS", "1000000");
        // The fan-out's clients are one user in one world.
        env.put("WORLDLINK_MAX_CONNECTIONS_PER_USER", "1000000");
        env.put("WORLDLINK_MAX_LOADED_WORLDS", "1000000");
        // The connections scenario opens every connection before the first select.
        env.put("WORLDLINK_SELECT_TIMEOUT_SECONDS", "86400");
        env.put("WORLDLINK_SYNC", String.valueOf(sync));
        List<String> cmd = new ArrayList<>(jvm());
        if (options.serverJvmArgs != null) {
            cmd.addAll(List.of(options.serverJvmArgs.split(" ")));
        }
        cmd.addAll(List.of("-jar", options.serverJar.toString(), "--port", "0", "--data", data.toString(),
                "--offline-pace-ms", "0", "--grace-seconds", "0", "--rate-limit", "1000000", "--log-level", "WARN"));
        cmd.addAll(more);
        ServerProcess s = ServerProcess.start(cmd, env, WORLDLINK_PORT);
        dataRoots.put(s, data);
        return s;
    }

    private final Map<ServerProcess, Path> dataRoots = new LinkedHashMap<>();
    private int lastFailures;

    // The server JVM and its memory options: the benchmark's fixed heap, or the launcher's as the README runs it.
    private List<String> jvm() {
        List<String> cmd = new ArrayList<>(List.of(java()));
        cmd.addAll(options.jvmDefaults ? LAUNCHER_JVM_OPTIONS : List.of("-Xms1g", "-Xmx" + options.heap, "-XX:+UseG1GC"));
        return cmd;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static URI ws(ServerProcess s) {
        return URI.create("ws://127.0.0.1:" + s.port + "/ws");
    }

    static String select(String template, String world, String user) {
        return "{\"type\":\"world-select\",\"payload\":{\"templateName\":\"" + template + "\",\"worldName\":\"" + world
                + "\",\"userId\":\"" + user + "\"}}";
    }

    static String chatFrame(String text) {
        return "{\"type\":\"chat-send\",\"payload\":{\"message\":\"" + text + "\"}}";
    }

    /**
     * Opens n clients, each selecting a world, at most 256 opening at once, and returns them when all are
     * in, client i at index i. With no select frame, a client is in once it is connected, and every frame
     * goes to {@code onLaterFrame}.
     */
    private BenchClient[] openAll(ServerProcess s, int n, IntFunction<String> selectFrame,
            IntFunction<Consumer<String>> onLaterFrame, Samples selectLatency) throws Exception {
        return openAll(i -> ws(s), n, selectFrame, onLaterFrame, selectLatency);
    }

    /** Opens n clients as above, client i on the server {@code node.apply(i)}. */
    BenchClient[] openAll(IntFunction<URI> node, int n, IntFunction<String> selectFrame,
            IntFunction<Consumer<String>> onLaterFrame, Samples selectLatency) throws Exception {
        BenchClient[] clients = new BenchClient[n];
        CountDownLatch in = new CountDownLatch(n);
        Semaphore window = new Semaphore(256);
        AtomicInteger failures = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        for (int i = 0; i < n; i++) {
            window.acquire();
            int index = i;
            long[] sent = new long[1];
            Consumer<String> later = onLaterFrame.apply(index);
            boolean[] confirmed = {selectFrame == null};
            BenchClient.open(ws, node.apply(index), f -> {
                if (!confirmed[0] && (BenchClient.is(f, "connection-confirmed") || BenchClient.is(f, "connection-error"))) {
                    confirmed[0] = true;
                    if (BenchClient.is(f, "connection-error")) {
                        failures.incrementAndGet();
                        firstFailure.compareAndSet(null, f);
                    } else if (selectLatency != null) {
                        selectLatency.add(System.nanoTime() - sent[0]);
                    }
                    window.release();
                    in.countDown();
                } else {
                    later.accept(f);
                }
            }).thenAccept(c -> {
                clients[index] = c;
                if (selectFrame == null) {
                    window.release();
                    in.countDown();
                    return;
                }
                sent[0] = System.nanoTime();
                c.send(selectFrame.apply(index));
            }).exceptionally(e -> {
                failures.incrementAndGet();
                firstFailure.compareAndSet(null, e.toString());
                window.release();
                in.countDown();
                return null;
            });
        }
        if (!in.await(WAIT_MINUTES, TimeUnit.MINUTES)) {
            throw new IllegalStateException("Not every client got into its world in time.");
        }
        if (failures.get() > 0) {
            System.out.println("  " + failures.get() + " of " + n + " clients could not connect or select; the first: "
                    + firstFailure.get());
            lastFailures = failures.get();
        }
        return clients;
    }

    static void closeAll(BenchClient[] clients) {
        List<CompletableFuture<Integer>> closing = new ArrayList<>();
        for (BenchClient c : clients) {
            if (c != null) {
                closing.add(c.close());
            }
        }
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(2, TimeUnit.MINUTES);
        } catch (Exception e) {
            for (BenchClient c : clients) {
                if (c != null) {
                    c.abort();
                }
            }
        }
    }

    // ---- scenarios ----

    /**
     * After a warm-up of selects, N connections opened first (no world yet), then each selects a world of its
     * own from a template (a new user each), W selects under way at once: world-selects per second, their
     * latency and the server's CPU per select are the select's alone, not the connection's; then what the
     * server holds per connection, and the user folders the selects left on disk (a world that was only
     * selected need not cost a file).
     */
    private void connections() throws Exception {
        int n = options.connections;
        int w = options.selectWindow;
        int warm = Math.min(n, 2000);
        System.out.println("connections: " + warm + " selects to warm up, then " + n + " connections opened, then each "
                + "selects its own new world, " + w + " selects at once...");
        try (ServerProcess s = worldLink(Map.of())) {
            // The JIT's first work on the select path is not the select's cost.
            closeAll(openAll(s, warm, i -> select("fast-world", "w", UUID.randomUUID().toString()), i -> f -> { },
                    null));
            settle(s);
            long heap0 = s.heapAfterGc();
            long rss0 = s.rssBytes();
            Semaphore window = new Semaphore(w);
            long[] sentAt = new long[n];
            Samples latency = new Samples();
            CountDownLatch selected = new CountDownLatch(n);
            AtomicInteger failures = new AtomicInteger();
            AtomicReference<String> firstFailure = new AtomicReference<>();
            long connectStart = System.nanoTime();
            // Each select: 0 not sent, 1 under way, 2 answered (or its connection closed first).
            AtomicIntegerArray state = new AtomicIntegerArray(n);
            BenchClient[] clients = openAll(s, n, null, i -> f -> {
                if ((BenchClient.is(f, "connection-confirmed") || BenchClient.is(f, "connection-error"))
                        && state.compareAndSet(i, 1, 2)) {
                    if (BenchClient.is(f, "connection-error")) {
                        failures.incrementAndGet();
                        firstFailure.compareAndSet(null, f);
                    } else {
                        latency.add(System.nanoTime() - sentAt[i]);
                    }
                    window.release();
                    selected.countDown();
                }
            }, null);
            for (int i = 0; i < n; i++) {
                int index = i;
                if (clients[i] != null) {
                    // A connection the server closed before it answered its select counts as a failure.
                    clients[i].whenClosed().thenRun(() -> {
                        if (state.compareAndSet(index, 1, 2)) {
                            failures.incrementAndGet();
                            firstFailure.compareAndSet(null, "closed by the server before its select was answered");
                            window.release();
                            selected.countDown();
                        }
                    });
                }
            }
            double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
            Path jfr = options.jfr == null ? null : options.jfr.resolveSibling(options.jfr.getFileName().toString()
                    .replaceFirst("(\\.jfr)?$", "-connections.jfr"));
            if (jfr != null) {
                s.jcmd("JFR.start", "name=window", "settings=profile");
            }
            Map<Long, ServerProcess.ThreadCpu> threads0 = s.cpuByThread();
            long cpu0 = s.cpuNanos();
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                window.acquire();
                if (clients[i] == null) {
                    window.release();
                    selected.countDown();
                    continue;
                }
                sentAt[i] = System.nanoTime();
                state.set(i, 1);
                if (clients[i].whenClosed().isDone() && state.compareAndSet(i, 1, 2)) {
                    failures.incrementAndGet();
                    firstFailure.compareAndSet(null, "closed by the server before its select was sent");
                    window.release();
                    selected.countDown();
                    continue;
                }
                clients[i].send(select("fast-world", "w", UUID.randomUUID().toString()));
            }
            if (!selected.await(WAIT_MINUTES, TimeUnit.MINUTES)) {
                throw new IllegalStateException("Not every client got into its world in time.");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long cpu = s.cpuNanos() - cpu0;
            Map<Long, ServerProcess.ThreadCpu> threads1 = s.cpuByThread();
            if (jfr != null) {
                s.jcmd("JFR.stop", "name=window", "filename=" + jfr.toAbsolutePath());
            }
            if (failures.get() > 0) {
                System.out.println("  " + failures.get() + " of " + n + " selects failed; the first: " + firstFailure.get());
            }
            long heap = s.heapAfterGc();
            long rss = s.rssBytes();
            JsonObject health = s.health();
            Path users = dataRoots.get(s).resolve("users");
            Map<String, Object> r = result("connections");
            r.put("connections", n);
            r.put("failedToConnect", lastFailures);
            r.put("connectionsPerSecond", round(n / connectSeconds));
            r.put("selectsAtOnce", w);
            r.put("failedToSelect", failures.get());
            r.put("worldSelectsPerSecond", round((n - lastFailures - failures.get()) / seconds));
            r.put("selectLatencyP50Ms", round(latency.ms(0.5)));
            r.put("selectLatencyP99Ms", round(latency.ms(0.99)));
            r.put("selectLatencyMaxMs", round(latency.ms(1.0)));
            r.put("serverCpuMsPerSelect", round(cpu / 1e6 / n));
            r.put("serverCpuMsPerSelectByThread", cpuByThreadGroup(threads0, threads1, cpu, n));
            r.put("loadedWorlds", health.get("loadedWorlds").getAsInt());
            r.put("userFoldersAfterSelects", count(users));
            r.put("heapPerConnectionKiB", round((heap - heap0) / 1024.0 / n));
            r.put("rssPerConnectionKiB", round((rss - rss0) / 1024.0 / n));
            r.put("serverHeapAfterGcMiB", round(heap / 1048576.0));
            r.put("serverRssMiB", round(rss / 1048576.0));
            r.put("serverThreads", s.threads());
            closeAll(clients);
            settle(s);
            r.put("userFoldersAfterClose", count(users));
        }
    }

    private static long count(Path folder) throws IOException {
        try (Stream<Path> list = Files.exists(folder) ? Files.list(folder) : Stream.empty()) {
            return list.count();
        }
    }

    /**
     * M clients in one world, a reply of K chunks streamed to all of them, one every D ms (0: as fast as the
     * model writes); then the same clients on a bare Jetty endpoint that broadcasts K frames of the same
     * size at the same pace. Each runs once to warm up, then once measured, from the first chunk's writing
     * until every client has the whole reply. Chunks per second count every chunk a client got (several in
     * one frame when WorldLink merged a late client's queued chunks); the delay is from the chunk's writing
     * to its arrival.
     */
    private void fanout() throws Exception {
        int m = options.fanoutClients;
        int k = options.fanoutChunks;
        int pace = options.fanoutChunkDelayMs;
        System.out.println("fanout: " + m + " clients in one world, a reply of " + k + " chunks, one every " + pace
                + " ms; then a bare Jetty broadcast to as many clients...");
        Map<String, Object> r = result("fanout");
        r.put("clients", m);
        r.put("chunks", k);
        r.put("chunkEveryMs", pace);
        AtomicReference<Broadcast> current = new AtomicReference<>();
        try (FakeModelServer model = new FakeModelServer(k, pace);
                ServerProcess s = worldLink(Map.of("WORLDLINK_PROVIDER", "openai-compatible",
                        "OPENAI_COMPATIBLE_BASE_URL", model.baseUrl()))) {
            String user = UUID.randomUUID().toString();
            BenchClient[] clients = openAll(s, m, i -> select("fast-world", "fan", user),
                    i -> f -> current.get().frame(f), null);
            for (String round : List.of("", "measured")) {
                current.set(new Broadcast(m, k, f -> {
                    // Chunk i reads "w<i> "; a merged frame holds a run of them.
                    int from = f.indexOf("\"content\":\"") + 11;
                    String[] words = f.substring(from, f.indexOf('"', from)).trim().split(" ");
                    long[] at = new long[words.length];
                    for (int i = 0; i < words.length; i++) {
                        at[i] = model.lastEmit.get(Integer.parseInt(words[i].substring(1)));
                    }
                    return at;
                }));
                clients[0].send(chatFrame("Everyone, listen."));
                current.get().await(round.isEmpty() ? null : r, "");
            }
            closeAll(clients);
        }
        List<String> cmd = new ArrayList<>(jvm());
        cmd.addAll(List.of("-cp", ownJar.toString(), EchoServer.class.getName()));
        try (ServerProcess s = ServerProcess.start(cmd, Map.of(), ECHO_PORT)) {
            BenchClient[] clients = openAll(s, m, i -> "{\"type\":\"connection-confirmed\"}",
                    i -> f -> current.get().frame(f), null);
            for (String round : List.of("", "measured")) {
                // The broadcast's frames carry the nanoTime they were sent at.
                current.set(new Broadcast(m, k, f -> {
                    int from = f.indexOf("\"messageId\":\"t") + 14;
                    return new long[] {Long.parseLong(f.substring(from, f.indexOf('"', from)))};
                }));
                clients[0].send("{\"type\":\"broadcast\",\"chunks\":" + k + ",\"delayMs\":" + pace + "}");
                current.get().await(round.isEmpty() ? null : r, "bareJetty");
            }
            closeAll(clients);
        }
        r.put("ratioToBareJetty", round((double) r.get("chunksDeliveredPerSecond")
                / (double) r.get("bareJettyChunksDeliveredPerSecond")));
    }

    /** What the clients of a fan-out get: chunks, frames, each chunk's delay, and when every client is done. */
    private static final class Broadcast {
        private final CountDownLatch complete;
        private final java.util.function.Function<String, long[]> sentAt;
        private final Samples delay = new Samples();
        private final AtomicLong chunks = new AtomicLong();
        private final AtomicLong frames = new AtomicLong();
        private final AtomicLong firstWritten = new AtomicLong(Long.MAX_VALUE);
        private final int expected;

        Broadcast(int clients, int chunksEach, java.util.function.Function<String, long[]> sentAt) {
            this.complete = new CountDownLatch(clients);
            this.sentAt = sentAt;
            this.expected = clients * chunksEach;
        }

        void frame(String f) {
            if (!BenchClient.is(f, "chat-response")) {
                return;
            }
            long now = System.nanoTime();
            if (f.contains("\"isComplete\":true")) {
                complete.countDown();
                return;
            }
            frames.incrementAndGet();
            for (long at : sentAt.apply(f)) {
                delay.add(now - at);
                chunks.incrementAndGet();
                firstWritten.accumulateAndGet(at, Math::min);
            }
        }

        /** Waits for every client's whole reply; puts the figures into r, unless r is null (a warm-up). */
        void await(Map<String, Object> r, String prefix) throws InterruptedException {
            if (!complete.await(WAIT_MINUTES, TimeUnit.MINUTES)) {
                throw new IllegalStateException("Not every client got the whole reply.");
            }
            double seconds = (System.nanoTime() - firstWritten.get()) / 1e9;
            if (r == null) {
                return;
            }
            r.put(name(prefix, "chunksDelivered"), chunks.get() + " of " + expected);
            r.put(name(prefix, "framesDeliveredPerSecond"), round(frames.get() / seconds));
            r.put(name(prefix, "chunksDeliveredPerSecond"), round(chunks.get() / seconds));
            r.put(name(prefix, "chunkDelayP50Ms"), round(delay.ms(0.5)));
            r.put(name(prefix, "chunkDelayP99Ms"), round(delay.ms(0.99)));
            r.put(name(prefix, "chunkDelayMaxMs"), round(delay.ms(1.0)));
        }

        private static String name(String prefix, String figure) {
            return prefix.isEmpty() ? figure : prefix + Character.toUpperCase(figure.charAt(0)) + figure.substring(1);
        }
    }

    private void chat() throws Exception {
        List<Integer> delays = options.model == Model.http ? options.chunkDelayMs : List.of(0);
        List<Boolean> syncs = options.sync == Sync.both ? List.of(true, false) : List.of(options.sync == Sync.on);
        boolean severalRuns = delays.size() * syncs.size() > 1;
        for (int delay : delays) {
            for (boolean sync : syncs) {
                chat(sync, delay, severalRuns);
            }
        }
    }

    // The phases of a chat run, and of the turn each client has under way.
    private static final int WARM_UP = 0;
    private static final int MEASURE = 1;
    private static final int STOP = 2;

    /**
     * C clients, each in a world of its own with two agents that both answer every message; each client
     * sends its next message when its last turn ends ({@code idle}). Only turns sent and ended in the
     * measured window count, and the server's CPU, threads and memory are read over that window.
     */
    private void chat(boolean sync, int chunkDelay, boolean severalRuns) throws Exception {
        int c = options.chatClients;
        int turnTarget = options.chatTurns;
        int warmup = options.warmupSeconds;
        Model modelKind = options.model;
        int chunks = options.chunks;
        String name = (modelKind == Model.offline ? "chat" : "chat-http-" + chunks + "x" + chunkDelay + "ms")
                + (sync ? "" : "-nosync");
        System.out.println(name + ": " + c + " clients, each in its own world of 2 agents, "
                + (modelKind == Model.offline ? "offline model" : "HTTP model, " + chunks + " chunks per reply, "
                        + chunkDelay + " ms each") + ", " + (sync ? "synced" : "not synced") + ", " + warmup
                + " s warm-up + " + (turnTarget > 0 ? turnTarget + " turns" : options.chatSeconds + " s") + "...");
        FakeModelServer model = modelKind == Model.http ? new FakeModelServer(chunks, chunkDelay) : null;
        // Both agents' provider is "default": the server's default provider, set here, never by a client.
        Map<String, String> env = model == null ? Map.of()
                : Map.of("WORLDLINK_PROVIDER", "openai-compatible", "OPENAI_COMPATIBLE_BASE_URL", model.baseUrl());
        try (ServerProcess s = worldLink(env, sync); ProcessPeaks peaks = new ProcessPeaks(s)) {
            int threadsAtStart = s.threads();
            long rssAtStart = s.rssBytes();
            Samples latency = new Samples();
            Samples firstChunk = new Samples();
            AtomicLong turns = new AtomicLong();
            AtomicLong frames = new AtomicLong();
            Map<String, AtomicLong> framesByType = new java.util.concurrent.ConcurrentHashMap<>();
            AtomicInteger phase = new AtomicInteger(WARM_UP);
            CountDownLatch targetReached = new CountDownLatch(1);
            CountDownLatch stopped = new CountDownLatch(c);
            long[] sentAt = new long[c];
            int[] sentIn = new int[c];
            boolean[] firstSeen = new boolean[c];
            AtomicReference<BenchClient[]> all = new AtomicReference<>();
            BenchClient[] clients = openAll(s, c, i -> select("default-world", "chat", UUID.randomUUID().toString()),
                    i -> f -> {
                        long now = System.nanoTime();
                        boolean counted = sentIn[i] == MEASURE && phase.get() == MEASURE;
                        if (counted) {
                            frames.incrementAndGet();
                            framesByType.computeIfAbsent(frameType(f), k -> new AtomicLong()).incrementAndGet();
                        }
                        if (BenchClient.is(f, "chat-response")) {
                            if (!firstSeen[i] && !f.contains("\"isComplete\":true")) {
                                firstSeen[i] = true;
                                if (counted) {
                                    firstChunk.add(now - sentAt[i]);
                                }
                            }
                        } else if (BenchClient.isIdle(f)) {
                            if (counted) {
                                latency.add(now - sentAt[i]);
                                if (turns.incrementAndGet() == turnTarget) {
                                    targetReached.countDown();
                                }
                            }
                            int p = phase.get();
                            if (p == STOP) {
                                stopped.countDown();
                            } else {
                                sentIn[i] = p;
                                firstSeen[i] = false;
                                sentAt[i] = System.nanoTime();
                                all.get()[i].send(chatFrame("turn " + now));
                            }
                        }
                    }, null);
            all.set(clients);
            for (int i = 0; i < c; i++) {
                sentAt[i] = System.nanoTime();
                clients[i].send(chatFrame("first turn"));
            }
            TimeUnit.SECONDS.sleep(warmup);

            // The window: a profile if asked, then the counters, the CPU and the clock, in that order.
            Path jfr = options.jfr == null ? null : severalRuns
                    ? options.jfr.resolveSibling(options.jfr.getFileName().toString().replaceFirst("(\\.jfr)?$",
                            "-" + name + ".jfr")) : options.jfr;
            if (jfr != null) {
                s.jcmd("JFR.start", "name=window", "settings=profile");
            }
            Map<String, Long> perf0 = perfCounters(s);
            long perfT0 = System.nanoTime();
            long requests0 = model == null ? 0 : model.requests.get();
            Map<Long, ServerProcess.ThreadCpu> threads0 = s.cpuByThread();
            long cpu0 = s.cpuNanos();
            long t0 = System.nanoTime();
            phase.set(MEASURE);
            if (turnTarget > 0) {
                if (!targetReached.await(WAIT_MINUTES, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("The chat did not reach " + turnTarget + " turns in time.");
                }
            } else {
                TimeUnit.SECONDS.sleep(options.chatSeconds);
            }
            phase.set(STOP);
            long cpu = s.cpuNanos() - cpu0;
            double window = (System.nanoTime() - t0) / 1e9;
            long n = Math.max(1, turns.get());
            long requests = model == null ? 0 : model.requests.get() - requests0;
            Map<Long, ServerProcess.ThreadCpu> threads1 = s.cpuByThread();
            int threadsAtEnd = s.threads();
            long rssAtEnd = s.rssBytes();
            Map<String, Long> perf1 = perfCounters(s);
            double perfSeconds = (System.nanoTime() - perfT0) / 1e9;
            if (jfr != null) {
                if (jfr.getParent() != null) {
                    Files.createDirectories(jfr.getParent());
                }
                s.jcmd("JFR.stop", "name=window", "filename=" + jfr.toAbsolutePath());
            }
            if (!stopped.await(1, TimeUnit.MINUTES)) {
                System.out.println("  " + stopped.getCount() + " clients did not end their last turn in a minute");
            }
            peaks.close();
            // After the window (a full GC): what is live, against the resident memory the heap grew to.
            long heapAfterGc = s.heapAfterGc();

            Map<String, Object> r = result(name);
            r.put("sync", sync);
            r.put("clients", c);
            r.put("model", model == null ? "offline, zero pace" : "HTTP on loopback, " + chunks + " chunks, "
                    + chunkDelay + " ms each");
            r.put("serverJvm", options.jvmDefaults ? String.join(" ", LAUNCHER_JVM_OPTIONS)
                    : "-Xms1g -Xmx" + options.heap + " G1");
            r.put("windowSeconds", round(window));
            r.put("turns", turns.get());
            r.put("turnsPerSecond", round(turns.get() / window));
            r.put("serverCpuMsPerTurn", round(cpu / 1e6 / n));
            r.put("serverCoresBusy", round(cpu / 1e9 / window));
            r.put("turnLatencyP50Ms", round(latency.ms(0.5)));
            r.put("turnLatencyP99Ms", round(latency.ms(0.99)));
            r.put("firstChunkP50Ms", round(firstChunk.ms(0.5)));
            r.put("firstChunkP99Ms", round(firstChunk.ms(0.99)));
            r.put("framesPerTurn", round(frames.get() / (double) n));
            Map<String, Double> byType = new LinkedHashMap<>();
            framesByType.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue().get(), x.getValue().get()))
                    .forEach(e -> byType.put(e.getKey(), round(e.getValue().get() / (double) n)));
            r.put("framesPerTurnByType", byType);
            if (model != null) {
                r.put("modelRequestsPerTurn", round(requests / (double) n));
            }
            r.put("serverRssMiBAtStart", round(rssAtStart / 1048576.0));
            r.put("serverRssMiBPeak", round(peaks.rss / 1048576.0));
            r.put("serverRssMiBAtEnd", round(rssAtEnd / 1048576.0));
            r.put("serverHeapAfterGcMiBAtEnd", round(heapAfterGc / 1048576.0));
            r.put("serverThreadsAtStart", threadsAtStart);
            r.put("serverThreadsPeak", peaks.threads);
            r.put("serverThreadsAtEnd", threadsAtEnd);
            Long started0 = perf0.get("java.threads.started");
            Long started1 = perf1.get("java.threads.started");
            if (started0 != null && started1 != null) {
                r.put("threadsStartedInWindow", started1 - started0);
                r.put("threadsStartedPerSecond", round((started1 - started0) / perfSeconds));
            }
            r.put("serverCpuMsPerTurnByThread", cpuByThreadGroup(threads0, threads1, cpu, n));
            if (jfr != null) {
                r.put("jfr", jfr.toString());
            }
            closeAll(clients);
        } finally {
            if (model != null) {
                model.close();
            }
        }
    }

    private static String frameType(String frame) {
        int at = frame.indexOf("\"type\":\"");
        if (at < 0) {
            return "?";
        }
        int from = at + 8;
        int to = frame.indexOf('"', from);
        String type = frame.substring(from, to);
        if (type.equals("event-stream")) {
            int action = frame.indexOf("\"action\":\"");
            if (action > 0) {
                type += ":" + frame.substring(action + 10, frame.indexOf('"', action + 10));
            }
        } else if (type.equals("chat-response") && frame.contains("\"isComplete\":true")) {
            type += ":complete";
        }
        return type;
    }

    // The jvmstat counters, or none when jcmd cannot read them (the figures that need them are left out).
    private static Map<String, Long> perfCounters(ServerProcess s) {
        try {
            return s.perfCounters();
        } catch (Exception e) {
            return Map.of();
        }
    }

    /**
     * The window's CPU by thread, in ms per turn (or per select), threads grouped by name with their numbers left out
     * ({@code qtpN-N}, {@code GC Thread#N}; the C1 and C2 compilers apart), largest first; the CPU of threads that ended within the window
     * is what the process used beyond the threads still there.
     */
    static Map<String, Double> cpuByThreadGroup(Map<Long, ServerProcess.ThreadCpu> before,
            Map<Long, ServerProcess.ThreadCpu> after, long processCpu, long turns) {
        Map<String, Long> groups = new java.util.HashMap<>();
        long live = 0;
        for (Map.Entry<Long, ServerProcess.ThreadCpu> e : after.entrySet()) {
            ServerProcess.ThreadCpu was = before.get(e.getKey());
            long d = e.getValue().cpuNanos() - (was == null ? 0 : was.cpuNanos());
            live += d;
            String thread = e.getValue().name();
            groups.merge(thread.matches("C[12] .*") ? thread : thread.replaceAll("\\d+", "N"), d, Long::sum);
        }
        groups.merge("(threads that ended in the window)", Math.max(0, processCpu - live), Long::sum);
        Map<String, Double> top = new LinkedHashMap<>();
        groups.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .filter(e -> e.getValue() > 0).limit(12)
                .forEach(e -> top.put(e.getKey(), round(e.getValue() / 1e6 / turns)));
        return top;
    }

    /** Samples the server's thread count and resident memory ten times a second, keeping the highest. */
    private static final class ProcessPeaks implements AutoCloseable {
        volatile int threads;
        volatile long rss;
        private final Thread sampler;

        ProcessPeaks(ServerProcess s) {
            sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        threads = Math.max(threads, s.threads());
                        rss = Math.max(rss, s.rssBytes());
                        TimeUnit.MILLISECONDS.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    } catch (IOException e) {
                        return; // the server has exited
                    }
                }
            }, "server-peaks");
            sampler.setDaemon(true);
            sampler.start();
        }

        @Override
        public void close() throws InterruptedException {
            sampler.interrupt();
            sampler.join();
        }
    }

    private void baseline() throws Exception {
        int n = options.connections;
        int c = options.chatClients;
        int seconds = options.chatSeconds;
        System.out.println("baseline: a bare Jetty echo endpoint, " + n + " connections and " + c
                + " clients in a loop...");
        List<String> cmd = new ArrayList<>(jvm());
        cmd.addAll(List.of("-cp", ownJar.toString(), EchoServer.class.getName()));
        try (ServerProcess s = ServerProcess.start(cmd, Map.of(), ECHO_PORT)) {
            Samples connect = new Samples();
            long start = System.nanoTime();
            BenchClient[] clients = openAll(s, n, i -> "{\"type\":\"connection-confirmed\"}", i -> f -> { }, connect);
            double connectSeconds = (System.nanoTime() - start) / 1e9;
            closeAll(clients);

            Samples rtt = new Samples();
            AtomicLong trips = new AtomicLong();
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            long[][] sentAt = new long[c][1];
            AtomicReference<BenchClient[]> all = new AtomicReference<>();
            BenchClient[] loop = openAll(s, c, i -> "{\"type\":\"connection-confirmed\"}", i -> f -> {
                long now = System.nanoTime();
                rtt.add(now - sentAt[i][0]);
                trips.incrementAndGet();
                if (now < end) {
                    sentAt[i][0] = System.nanoTime();
                    all.get()[i].send("{\"type\":\"echo\",\"payload\":{\"message\":\"turn " + now + "\"}}");
                }
            }, null);
            all.set(loop);
            long cpu0 = s.cpuNanos();
            long t0 = System.nanoTime();
            for (int i = 0; i < c; i++) {
                sentAt[i][0] = System.nanoTime();
                loop[i].send("{\"type\":\"echo\",\"payload\":{\"message\":\"first\"}}");
            }
            TimeUnit.NANOSECONDS.sleep(Math.max(0, end - System.nanoTime()));
            double loopSeconds = (System.nanoTime() - t0) / 1e9;
            long cpu = s.cpuNanos() - cpu0;
            Map<String, Object> r = result("baseline");
            r.put("connectionsPerSecond", round(n / connectSeconds));
            r.put("connectLatencyP50Ms", round(connect.ms(0.5)));
            r.put("connectLatencyP99Ms", round(connect.ms(0.99)));
            r.put("roundTripsPerSecond", round(trips.get() / loopSeconds));
            r.put("roundTripP50Ms", round(rtt.ms(0.5)));
            r.put("roundTripP99Ms", round(rtt.ms(0.99)));
            r.put("serverCpuMsPerRoundTrip", round(cpu / 1e6 / Math.max(1, trips.get())));
            closeAll(loop);
        }
    }

    private void churn() throws Exception {
        int cycles = options.churnCycles;
        int parallel = options.parallel;
        int warm = Math.min(1000, Math.max(1, cycles / 10));
        System.out.println("churn: " + cycles + " anonymous connect/select/chat/disconnect cycles, " + parallel
                + " at once (after " + warm + " to warm up)...");
        try (ServerProcess s = worldLink(Map.of())) {
            runCycles(s, warm, parallel);
            settle(s);
            long heap0 = s.heapAfterGc();
            int threads0 = s.threads();
            long start = System.nanoTime();
            runCycles(s, cycles, parallel);
            double seconds = (System.nanoTime() - start) / 1e9;
            JsonObject health = settle(s);
            long heap = s.heapAfterGc();
            long folders = count(dataRoots.get(s).resolve("users"));
            Map<String, Object> r = result("churn");
            r.put("cycles", cycles);
            r.put("cyclesPerSecond", round(cycles / seconds));
            r.put("userFoldersLeft", folders);
            r.put("worldsStillLoaded", health.get("loadedWorlds").getAsInt());
            r.put("subscriptionsStillOpen", health.get("subscriptions").getAsInt());
            r.put("usersStillTracked", health.get("trackedUsers").getAsInt());
            r.put("threadsAtStart", threads0);
            r.put("threadsAtEnd", s.threads());
            r.put("heapAfterGcAtStartMiB", round(heap0 / 1048576.0));
            r.put("heapAfterGcAtEndMiB", round(heap / 1048576.0));
            r.put("heapChangePercent", round(100.0 * (heap - heap0) / heap0));
        }
    }

    private void runCycles(ServerProcess s, int cycles, int parallel) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(parallel);
        for (int w = 0; w < parallel; w++) {
            cycle(s, next, cycles, failures, done);
        }
        if (!done.await(WAIT_MINUTES, TimeUnit.MINUTES)) {
            throw new IllegalStateException("The churn did not finish in time.");
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " churn cycles failed.");
        }
    }

    // One worker: a cycle at a time, each starting when the last one's connection has closed.
    private void cycle(ServerProcess s, AtomicInteger next, int cycles, AtomicInteger failures, CountDownLatch done) {
        if (next.getAndIncrement() >= cycles) {
            done.countDown();
            return;
        }
        String user = UUID.randomUUID().toString();
        BenchClient[] client = new BenchClient[1];
        BenchClient.open(ws, ws(s), f -> {
            if (BenchClient.is(f, "connection-confirmed")) {
                client[0].send(chatFrame("hello"));
            } else if (BenchClient.isIdle(f)) {
                client[0].close().whenComplete((x, e) -> cycle(s, next, cycles, failures, done));
            } else if (BenchClient.is(f, "connection-error")) {
                failures.incrementAndGet();
                client[0].close().whenComplete((x, e) -> cycle(s, next, cycles, failures, done));
            }
        }).thenAccept(c -> {
            client[0] = c;
            c.send(select("fast-world", "w", user));
        }).exceptionally(e -> {
            failures.incrementAndGet();
            cycle(s, next, cycles, failures, done);
            return null;
        });
    }

    // Waits (up to a minute) until the server holds no connection, world or user any more.
    private static JsonObject settle(ServerProcess s) throws Exception {
        JsonObject h = s.health();
        for (int i = 0; i < 600 && (h.get("connections").getAsInt() > 0 || h.get("loadedWorlds").getAsInt() > 0
                || h.get("trackedUsers").getAsInt() > 0); i++) {
            TimeUnit.MILLISECONDS.sleep(100);
            h = s.health();
        }
        return h;
    }

    // ---- report ----

    private void report() throws IOException {
        Map<String, Object> base = results.get("baseline");
        if (base != null) {
            Map<String, Object> conn = results.get("connections");
            if (conn != null) {
                conn.put("ratioToBareJettyConnects", round((double) conn.get("worldSelectsPerSecond")
                        / (double) base.get("connectionsPerSecond")));
            }
            results.forEach((name, r) -> {
                if (name.startsWith("chat")) {
                    // A turn is one request but ~47 frames back: the ratio is small, keep its digits.
                    r.put("ratioToBareJettyRoundTrips", Math.round((double) r.get("turnsPerSecond")
                            / (double) base.get("roundTripsPerSecond") * 100_000) / 100_000.0);
                }
            });
        }
        StringBuilder table = new StringBuilder();
        table.append(String.format("%n%-26s %-30s %s%n", "scenario", "figure", "value"));
        results.forEach((scenario, figures) -> figures.forEach((k, v) ->
                table.append(String.format("%-26s %-30s %s%n", scenario, k, v))));
        System.out.print(table);
        Path json = options.json;
        if (json.getParent() != null) {
            Files.createDirectories(json.getParent());
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("machine", Map.of("cores", Runtime.getRuntime().availableProcessors(),
                "java", System.getProperty("java.version"), "os", System.getProperty("os.name")));
        doc.put("options", given);
        doc.put("results", results);
        Files.writeString(json, new GsonBuilder().setPrettyPrinting().create().toJson(doc));
        System.out.println("Written to " + json);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
