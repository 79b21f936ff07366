package io.worldlink.examples.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a server's CPU went, from a JFR recording such as {@code Benchmark --jfr} takes: CPU samples
 * ({@code jdk.ExecutionSample}) by bucket and by method, the threads started and by which code
 * ({@code jdk.ThreadStart}), allocations ({@code jdk.ObjectAllocationSample}), GC and JIT.
 *
 * <pre>
 * java -cp worldlink-examples/target/worldlink-examples.jar io.worldlink.examples.bench.JfrReport FILE.jfr [TOP]
 * </pre>
 *
 * <p>A sample goes to the bucket of the first frame, from the top of its stack, that belongs to one (the
 * rows of {@link #BUCKETS}, in order): a {@code HashMap.get} called by Gson is JSON, a socket write
 * called by the JDK's HttpClient is the HttpClient. "incl." is the share of samples with a frame of the
 * bucket anywhere in the stack (they add up to more than 100 %). JFR samples Java threads only: the
 * JIT's and the GC's own threads show in the benchmark's CPU by thread, not here.
 */
public final class JfrReport {
    private JfrReport() {}

    /** A bucket of code: its name and the frames that belong to it. */
    record Bucket(String name, Predicate<String> frame) {}

    private static Predicate<String> startsWith(String... prefixes) {
        return f -> {
            for (String p : prefixes) {
                if (f.startsWith(p)) {
                    return true;
                }
            }
            return false;
        };
    }

    /** The buckets, the most specific first; a frame is "class.method". */
    static final List<Bucket> BUCKETS = List.of(
            new Bucket("thread start (Thread.start, CompletableFuture's thread per task)",
                    startsWith("java.lang.Thread.start", "java.util.concurrent.CompletableFuture$ThreadPerTaskExecutor")),
            new Bucket("JDK HttpClient", startsWith("jdk.internal.net.http.", "java.net.http.")),
            new Bucket("Redis client (Lettuce and its Netty)", startsWith("io.lettuce.", "io.netty.")),
            new Bucket("JSON (Gson)", startsWith("com.google.gson.")),
            new Bucket("logging", startsWith("org.slf4j.", "ch.qos.logback.", "java.util.logging.",
                    "org.eclipse.jetty.logging.", "jdk.internal.logger.", "sun.util.logging.")),
            new Bucket("file I/O and fsync", startsWith("sun.nio.ch.FileChannelImpl", "sun.nio.ch.FileDispatcherImpl",
                    "java.nio.channels.FileChannel", "sun.nio.fs.", "java.nio.file.", "java.io.FileOutputStream",
                    "java.io.FileInputStream", "java.io.RandomAccessFile", "java.io.UnixFileSystem", "java.io.File.")),
            new Bucket("model code (io.worldlink.internal.model)", startsWith("io.worldlink.internal.model.")),
            new Bucket("WorldLink storage (internal.store)", startsWith("io.worldlink.internal.store.")),
            new Bucket("WorldLink protocol (internal.protocol)", startsWith("io.worldlink.internal.protocol.")),
            new Bucket("WorldLink Jetty host", startsWith("io.worldlink.jetty.")),
            new Bucket("WorldLink cluster on Redis (io.worldlink.redis)", startsWith("io.worldlink.redis.")),
            new Bucket("world runtime (rest of io.worldlink)", startsWith("io.worldlink.")),
            new Bucket("WebSocket frames (Jetty websocket)", startsWith("org.eclipse.jetty.websocket.",
                    "org.eclipse.jetty.ee11.websocket.")),
            new Bucket("Jetty I/O and its thread pool", startsWith("org.eclipse.jetty.")),
            new Bucket("JFR itself", startsWith("jdk.jfr.")),
            new Bucket("other JDK", f -> true));

    /**
     * Prints the report.
     *
     * @param args the recording, and how many methods to list (default 15)
     * @throws IOException when the recording cannot be read
     */
    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: JfrReport FILE.jfr [TOP]");
            System.exit(2);
            return;
        }
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        List<RecordedEvent> samples = new ArrayList<>();
        List<RecordedEvent> starts = new ArrayList<>();
        List<RecordedEvent> allocations = new ArrayList<>();
        long gcs = 0;
        double gcPauseMs = 0;
        long compilations = 0;
        double compileMs = 0;
        RecordedEvent firstCompilerStats = null;
        RecordedEvent lastCompilerStats = null;
        java.time.Instant first = null;
        java.time.Instant last = null;
        try (RecordingFile file = new RecordingFile(Path.of(args[0]))) {
            while (file.hasMoreEvents()) {
                RecordedEvent e = file.readEvent();
                first = first == null || e.getStartTime().isBefore(first) ? e.getStartTime() : first;
                last = last == null || e.getEndTime().isAfter(last) ? e.getEndTime() : last;
                switch (e.getEventType().getName()) {
                    case "jdk.ExecutionSample" -> samples.add(e);
                    case "jdk.ThreadStart" -> starts.add(e);
                    case "jdk.ObjectAllocationSample" -> allocations.add(e);
                    case "jdk.GarbageCollection" -> {
                        gcs++;
                        gcPauseMs += e.getDuration("sumOfPauses").toNanos() / 1e6;
                    }
                    case "jdk.Compilation" -> {
                        compilations++;
                        compileMs += e.getDuration().toNanos() / 1e6;
                    }
                    case "jdk.CompilerStatistics" -> {
                        if (firstCompilerStats == null || e.getStartTime().isBefore(firstCompilerStats.getStartTime())) {
                            firstCompilerStats = e;
                        }
                        if (lastCompilerStats == null || e.getStartTime().isAfter(lastCompilerStats.getStartTime())) {
                            lastCompilerStats = e;
                        }
                    }
                    default -> { }
                }
            }
        }
        double seconds = first == null ? 0 : java.time.Duration.between(first, last).toMillis() / 1000.0;
        System.out.printf("%s: %.1f s recorded%n%n", args[0], seconds);

        // CPU samples by bucket: attributed (first bucket frame from the top) and inclusive (any frame).
        Map<String, Integer> attributed = new LinkedHashMap<>();
        Map<String, Integer> inclusive = new LinkedHashMap<>();
        Map<String, Integer> self = new HashMap<>();
        Map<String, Integer> anywhere = new HashMap<>();
        Map<String, Integer> byThread = new HashMap<>();
        Map<String, Integer> byCaller = new HashMap<>();
        for (Bucket b : BUCKETS) {
            attributed.put(b.name(), 0);
            inclusive.put(b.name(), 0);
        }
        for (RecordedEvent e : samples) {
            List<String> frames = frames(e.getStackTrace());
            RecordedThread t = e.getThread("sampledThread");
            byThread.merge(t == null ? "?" : group(t.getJavaName()), 1, Integer::sum);
            if (!frames.isEmpty()) {
                self.merge(frames.get(0), 1, Integer::sum);
            }
            new HashSet<>(frames).stream().filter(f -> !plumbing(f)).forEach(f -> anywhere.merge(f, 1, Integer::sum));
            String bucket = bucketOf(frames);
            attributed.merge(bucket, 1, Integer::sum);
            byCaller.merge(bucket + "  <  " + frames.stream().filter(f -> f.startsWith("io.worldlink.") && !plumbing(f))
                    .findFirst().orElse("(no WorldLink frame)"), 1, Integer::sum);
            Set<String> seen = new HashSet<>();
            for (String f : frames) {
                for (Bucket b : BUCKETS) {
                    if (!b.name().equals("other JDK") && b.frame().test(f) && seen.add(b.name())) {
                        inclusive.merge(b.name(), 1, Integer::sum);
                    }
                }
            }
        }
        int n = Math.max(1, samples.size());
        System.out.printf("CPU samples (jdk.ExecutionSample): %d%n", samples.size());
        System.out.printf("  %-66s %8s %7s %7s%n", "bucket", "samples", "self %", "incl. %");
        attributed.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).forEach(en ->
                System.out.printf("  %-66s %8d %6.1f%% %6.1f%%%n", en.getKey(), en.getValue(),
                        100.0 * en.getValue() / n, 100.0 * inclusive.get(en.getKey()) / n));
        printTop("Samples by thread (names with their numbers left out)", byThread, n, top);
        printTop("Buckets by the first WorldLink frame below them (who asked for the work)", byCaller, n, top);
        printTop("Hot methods, self (top frame)", self, n, top);
        printTop("Hot methods, inclusive (anywhere in the stack)", anywhere, n, top);

        // Threads started, grouped by the thread's name and by the code that started them.
        System.out.printf("%nThreads started (jdk.ThreadStart): %d, %.0f per second%n", starts.size(),
                seconds == 0 ? 0 : starts.size() / seconds);
        Map<String, Integer> startedNames = new HashMap<>();
        Map<String, Integer> startedBy = new HashMap<>();
        for (RecordedEvent e : starts) {
            RecordedThread t = e.getThread("thread");
            startedNames.merge(t == null ? "?" : group(t.getJavaName()), 1, Integer::sum);
            startedBy.merge(origin(frames(e.getStackTrace())), 1, Integer::sum);
        }
        printTop("Threads started, by name", startedNames, Math.max(1, starts.size()), top);
        printTop("Threads started, by the code that started them (first frames outside java.lang.Thread "
                + "and java.util.concurrent, then the first io.worldlink frame)", startedBy,
                Math.max(1, starts.size()), top);

        // Allocation samples, weighted by the bytes each stands for.
        Map<String, Long> byClass = new HashMap<>();
        Map<String, Long> bySite = new HashMap<>();
        long total = 0;
        for (RecordedEvent e : allocations) {
            long w = e.getLong("weight");
            total += w;
            byClass.merge(e.getClass("objectClass").getName(), w, Long::sum);
            bySite.merge(allocationSite(frames(e.getStackTrace())), w, Long::sum);
        }
        System.out.printf("%nAllocation (jdk.ObjectAllocationSample): %.0f MB sampled weight, %.1f MB/s%n",
                total / 1e6, seconds == 0 ? 0 : total / 1e6 / seconds);
        printTopBytes("by class", byClass, total, top);
        printTopBytes("by site (first non-JDK frame, with the JDK frame it called)", bySite, total, top);

        System.out.printf("%nGC: %d collections, %.0f ms of pauses%n", gcs, gcPauseMs);
        if (firstCompilerStats != null && firstCompilerStats != lastCompilerStats) {
            // jdk.CompilerStatistics counts every compilation; jdk.Compilation only those over its threshold.
            System.out.printf("JIT: %d compilations, %.1f s compiling (jdk.CompilerStatistics, first to last); "
                    + "%d of them over jdk.Compilation's threshold, %.0f ms%n",
                    lastCompilerStats.getInt("compileCount") - firstCompilerStats.getInt("compileCount"),
                    (lastCompilerStats.getDuration("totalTimeSpent").toMillis()
                            - firstCompilerStats.getDuration("totalTimeSpent").toMillis()) / 1000.0,
                    compilations, compileMs);
        } else {
            System.out.printf("JIT: %d compilations over jdk.Compilation's threshold, %.0f ms%n", compilations,
                    compileMs);
        }
    }

    static String bucketOf(List<String> frames) {
        for (String f : frames) {
            for (Bucket b : BUCKETS) {
                if (!b.name().equals("other JDK") && b.frame().test(f)) {
                    return b.name();
                }
            }
        }
        return "other JDK";
    }

    private static List<String> frames(RecordedStackTrace stack) {
        List<String> frames = new ArrayList<>();
        if (stack != null) {
            for (RecordedFrame f : stack.getFrames()) {
                RecordedMethod m = f.getMethod();
                if (m != null) {
                    // A lambda's class name carries its address: one name for all of them.
                    frames.add(m.getType().getName().replaceFirst("\\$\\$Lambda\\$.*", "\\$\\$Lambda") + "."
                            + m.getName());
                }
            }
        }
        return frames;
    }

    // Frames every stack has (a thread's run loop, an executor's worker): no news in an inclusive list.
    private static boolean plumbing(String frame) {
        return frame.startsWith("java.lang.Thread.run") || frame.startsWith("java.util.concurrent.ThreadPoolExecutor")
                || frame.contains("$$Lambda") || frame.startsWith("io.worldlink.internal.world.SerialExecutor")
                || frame.startsWith("org.eclipse.jetty.util.thread.QueuedThreadPool")
                || frame.startsWith("org.eclipse.jetty.util.thread.strategy.");
    }

    /**
     * Where a thread was started: the executor that started it, the first frame outside java.lang.Thread
     * and java.util.concurrent (the code that ran the step, or completed the future, that needed the
     * thread), and the first WorldLink frame below.
     */
    private static String origin(List<String> frames) {
        String executor = frames.stream().filter(f -> !f.startsWith("java.lang.Thread.")).findFirst().orElse("?");
        String async = frames.stream().filter(f -> f.matches(".*CompletableFuture\\.\\w+Async")).findFirst()
                .orElse(null);
        String caller = frames.stream().filter(f -> !f.startsWith("java.lang.Thread.")
                && !f.startsWith("java.util.concurrent.")).findFirst().orElse("?");
        String worldLink = frames.stream().filter(f -> f.startsWith("io.worldlink.")).findFirst().orElse(null);
        StringBuilder origin = new StringBuilder(shorten(executor));
        if (async != null) {
            origin.append(" via ").append(shorten(async));
        }
        origin.append(" < ").append(shorten(caller));
        if (worldLink != null && !worldLink.equals(caller)) {
            origin.append(" ... ").append(shorten(worldLink));
        }
        return origin.toString();
    }

    private static String allocationSite(List<String> frames) {
        String jdk = null;
        for (String f : frames) {
            boolean platform = f.startsWith("java.") || f.startsWith("jdk.") || f.startsWith("sun.");
            if (!platform) {
                return shorten(f) + (jdk == null ? "" : " > " + shorten(jdk));
            }
            if (jdk == null) {
                jdk = f;
            }
        }
        return jdk == null ? "?" : shorten(jdk);
    }

    private static String shorten(String frame) {
        return frame.replace("java.util.concurrent.", "j.u.c.");
    }

    private static String group(String thread) {
        return thread == null ? "?" : thread.replaceAll("\\d+", "N");
    }

    private static void printTop(String title, Map<String, Integer> counts, int of, int top) {
        System.out.printf("%n%s:%n", title);
        counts.entrySet().stream().sorted((a, b) -> b.getValue() - a.getValue()).limit(top).forEach(en ->
                System.out.printf("  %6.1f%% %7d  %s%n", 100.0 * en.getValue() / of, en.getValue(), en.getKey()));
    }

    private static void printTopBytes(String title, Map<String, Long> bytes, long of, int top) {
        System.out.printf("%s:%n", title);
        bytes.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue(), a.getValue())).limit(top).forEach(en ->
                System.out.printf("  %6.1f%% %8.1f MB  %s%n", 100.0 * en.getValue() / Math.max(1, of),
                        en.getValue() / 1e6, en.getKey()));
    }
}
