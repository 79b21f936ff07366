package io.worldlink.examples.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server in its own JVM, started for a scenario: its port (read from its first lines), and what the
 * operating system and the JVM say about it (CPU time, resident memory, threads, heap after a GC).
 */
final class ServerProcess implements AutoCloseable {
    // The heap's lines of jcmd GC.heap_info: G1's one, or the serial and parallel collectors' generations.
    private static final Pattern HEAP_USED = Pattern.compile(
            "(?m)^\\s*(?:garbage-first heap|def new generation|tenured generation|PSYoungGen|ParOldGen)\\s+total \\d+K, used (\\d+)K");
    private static final long TICKS_PER_SECOND = ticksPerSecond();

    final Process process;
    final int port;
    private final Deque<String> lastLines = new ArrayDeque<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private ServerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /**
     * Starts a server that says its port.
     *
     * @param portLine the line that says the port, in its group 1
     */
    static ServerProcess start(List<String> command, Map<String, String> env, Pattern portLine) throws Exception {
        return start(command, env, portLine, m -> Integer.parseInt(m.group(1)));
    }

    /**
     * Starts a redis-server on a free port of the loopback, in a folder of its own, appending every write to
     * its file as ClusterNode's documentation asks; it is ready when it says so.
     *
     * @param binary the redis-server program
     * @param dir an empty folder for its files
     */
    static ServerProcess redis(Path binary, Path dir) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        return start(List.of(binary.toString(), "--port", String.valueOf(port), "--bind", "127.0.0.1", "--dir",
                dir.toString(), "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--daemonize", "no"),
                Map.of(), Pattern.compile("Ready to accept connections"), m -> port);
    }

    private static ServerProcess start(List<String> command, Map<String, String> env, Pattern readyLine,
            ToIntFunction<Matcher> portOf) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Deque<String> lines = new ArrayDeque<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    synchronized (lines) {
                        lines.addLast(line);
                        if (lines.size() > 50) {
                            lines.removeFirst();
                        }
                    }
                    Matcher m = readyLine.matcher(line);
                    if (m.find()) {
                        port.complete(portOf.applyAsInt(m));
                    }
                }
            } catch (IOException e) {
                port.completeExceptionally(e);
            }
            port.completeExceptionally(new IllegalStateException("the server exited before it listened"));
        }, "server-output");
        reader.setDaemon(true);
        reader.start();
        try {
            ServerProcess s = new ServerProcess(p, port.get(60, TimeUnit.SECONDS));
            return s;
        } catch (Exception e) {
            p.destroyForcibly();
            synchronized (lines) {
                throw new IllegalStateException("The server did not start: " + String.join("\n", lines), e);
            }
        }
    }

    long pid() {
        return process.pid();
    }

    /** @return the process's CPU time so far (user + system), in nanoseconds */
    long cpuNanos() throws IOException {
        String stat = Files.readString(Path.of("/proc", String.valueOf(pid()), "stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
        return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    }

    long rssBytes() throws IOException {
        return statusField("VmRSS:") * 1024;
    }

    int threads() throws IOException {
        return (int) statusField("Threads:");
    }

    private long statusField(String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
            if (line.startsWith(name)) {
                return Long.parseLong(line.substring(name.length()).trim().split("\\s+")[0]);
            }
        }
        throw new IOException(name + " is not in /proc/" + pid() + "/status");
    }

    /**
     * The CPU time of each of the process's live threads, from {@code /proc/<pid>/task/<tid>/stat}.
     *
     * @return CPU nanoseconds (user + system) by thread id, each with the thread's name (as Linux keeps it:
     *     at most 15 characters)
     */
    Map<Long, ThreadCpu> cpuByThread() throws IOException {
        Map<Long, ThreadCpu> threads = new HashMap<>();
        Path tasks = Path.of("/proc", String.valueOf(pid()), "task");
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(tasks)) {
            for (Path task : dir) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
                    threads.put(Long.parseLong(task.getFileName().toString()),
                            new ThreadCpu(name, ticks * 1_000_000_000L / TICKS_PER_SECOND));
                } catch (NoSuchFileException e) {
                    // the thread ended while the folder was read
                }
            }
        }
        return threads;
    }

    /**
     * A thread's name and CPU time.
     *
     * @param name its name, as Linux keeps it
     * @param cpuNanos its CPU time so far, user + system
     */
    record ThreadCpu(String name, long cpuNanos) {}

    /**
     * The JVM's own counters (jvmstat, as {@code jcmd PerfCounter.print} prints them): threads started so
     * far ({@code java.threads.started}), the time spent compiling ({@code sun.ci.totalTime}) and in GC
     * ({@code sun.gc.collector.N.time}), in ticks of {@code sun.os.hrt.frequency}.
     *
     * @return the counters by name; numbers only, empty when the JVM keeps none
     */
    Map<String, Long> perfCounters() throws Exception {
        Map<String, Long> counters = new HashMap<>();
        for (String line : jcmd("PerfCounter.print").split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                try {
                    counters.put(line.substring(0, eq), Long.parseLong(line.substring(eq + 1).trim()));
                } catch (NumberFormatException e) {
                    // a text counter
                }
            }
        }
        return counters;
    }

    /** @return the heap in use right after a full GC, in bytes (asked with jcmd) */
    long heapAfterGc() throws Exception {
        jcmd("GC.run");
        Matcher m = HEAP_USED.matcher(jcmd("GC.heap_info"));
        long used = -1;
        while (m.find()) {
            used = Math.max(used, 0) + Long.parseLong(m.group(1)) * 1024;
        }
        if (used < 0) {
            throw new IllegalStateException("jcmd GC.heap_info said nothing of the heap");
        }
        return used;
    }

    /** Runs a jcmd command (its words) against the server and returns what it printed. */
    String jcmd(String... command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        List<String> line = new ArrayList<>(List.of(jcmd.toString(), String.valueOf(pid())));
        line.addAll(List.of(command));
        Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        return out;
    }

    JsonObject health() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }

    /** Kills the server as a crash does ({@code kill -9}): nothing runs on its way out. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static long ticksPerSecond() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).strip();
            return Long.parseLong(out);
        } catch (IOException | NumberFormatException e) {
            return 100;
        }
    }
}
