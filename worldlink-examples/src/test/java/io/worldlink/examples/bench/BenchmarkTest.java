package io.worldlink.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark's command line: its help, its options and what it refuses. */
class BenchmarkTest {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    Benchmark.Parsed parse(String... args) {
        return Benchmark.parse(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void theHelpListsEveryOptionWithItsDefault() {
        Benchmark.Parsed p = parse("--help");
        assertNull(p.options());
        assertEquals(0, p.status());
        String help = out.toString(StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        assertTrue(help.startsWith("Usage: java -cp worldlink-examples.jar io.worldlink.examples.bench.Benchmark"),
                help);
        for (String option : List.of("--scenarios=NAME[,NAME...] which to run, of connections, fanout, chat, baseline, "
                + "churn, cluster (default all)", "--connections=N", "(default 10000)", "--fanout-clients=M", "--fanout-chunks=K",
                "--fanout-chunk-delay-ms=D", "--select-window=W", "--clients, --chat-clients=C", "--chat-seconds=S", "--chat-turns=N",
                "--warmup-seconds=S",
                "--model=MODEL", "offline, http (default offline)", "--chunks=N", "--chunk-delay-ms=D", "--sync=SYNC",
                "on, off, both (default both)", "--churn-cycles=N", "--parallel=P", "--takeover-rounds=N", "(default 3)",
                "--cluster-parts=PART[,PART...] cluster: which parts to run, of fanout, chat, takeover (default all)",
                "--redis-server=PROGRAM", "(default redis-server, found on the PATH)", "--heap=SIZE", "--jvm-defaults",
                "--jfr=FILE", "--server-jvm-args=ARGS",
                "--json=FILE", "(default target/benchmark.json)", "--server-jar=JAR", "--templates=DIR", "-h, --help")) {
            assertTrue(help.contains(option), option + " is missing: " + help);
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void optionsComeInEitherSpellingAndTheGivenOnesAreKeptForTheFigures() {
        Benchmark.Parsed p = parse("--scenarios=chat,churn", "--chat-clients", "4", "--model=http", "--sync", "off",
                "--json=/tmp/b.json", "--warmup-seconds=0");
        Benchmark.Options o = p.options();
        assertEquals(List.of(Benchmark.Scenario.chat, Benchmark.Scenario.churn), o.scenarios);
        assertEquals(4, o.chatClients);
        assertEquals(20, o.chatSeconds);
        assertEquals(0, o.warmupSeconds);
        assertEquals(Benchmark.Model.http, o.model);
        assertEquals(Benchmark.Sync.off, o.sync);
        assertEquals(Path.of("/tmp/b.json"), o.json);
        assertEquals(Path.of("worldlink-jetty/target/worldlink-server.jar"), o.serverJar);
        assertEquals(Map.of("scenarios", "chat,churn", "chat-clients", "4", "model", "http", "sync", "off", "json",
                "/tmp/b.json", "warmup-seconds", "0"), p.given());
        assertEquals(List.of(Benchmark.Scenario.values()), parse().options().scenarios);
    }

    @Test
    void theIssuesWorkloadIsOneCommandLine() {
        Benchmark.Options o = parse("--scenarios=chat", "--model=http", "--clients=100", "--chunk-delay-ms=0,5",
                "--chat-turns=4000", "--jvm-defaults", "--jfr=target/chat-http.jfr").options();
        assertEquals(100, o.chatClients);
        assertEquals(List.of(0, 5), o.chunkDelayMs);
        assertEquals(4000, o.chatTurns);
        assertTrue(o.jvmDefaults);
        assertEquals(Path.of("target/chat-http.jfr"), o.jfr);
        assertEquals(List.of(0), parse().options().chunkDelayMs);
    }

    @Test
    void aWrongCommandLineIsExplainedWithTheHelp() {
        assertEquals("Unknown options: '--client', '5'.", problem("--client", "5"));
        assertEquals("--chunk-delay-ms must be 0 or more, not -5.", problem("--chunk-delay-ms=0,-5"));
        assertEquals("Invalid value for option '--scenarios' (NAME): expected one of [connections, fanout, chat, "
                + "baseline, churn, cluster] (case-sensitive) but was 'chats'.", problem("--scenarios=chat,chats"));
        assertEquals("--chat-clients must be 1 or more, not 0.", problem("--chat-clients=0"));
        assertEquals("Missing required parameter for option '--heap' (SIZE).", problem("--heap"));
    }

    private String problem(String... args) {
        out.reset();
        err.reset();
        Benchmark.Parsed p = parse(args);
        assertNull(p.options());
        assertEquals(2, p.status());
        String[] said = err.toString(StandardCharsets.UTF_8).split("\n", 3);
        assertTrue(said[2].startsWith("Usage: java -cp worldlink-examples.jar"), said[2]);
        return said[0];
    }
}
