package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.Identity;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.client.Confirmation;
import io.worldlink.client.WorldLinkClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LauncherTest {
    static final String SECRET = "a-launcher-test-secret-long-enough!!";

    /** Each whole-number option, the environment variable it is also read from, and its default. */
    static final List<List<Object>> NUMBERS = List.of(
            List.of("--port", "WORLDLINK_PORT", 8080),
            List.of("--offline-pace-ms", "WORLDLINK_OFFLINE_PACE_MS", 25),
            List.of("--model-first-byte-timeout-seconds", "WORLDLINK_MODEL_FIRST_BYTE_TIMEOUT_SECONDS", 60),
            List.of("--model-gap-timeout-seconds", "WORLDLINK_MODEL_GAP_TIMEOUT_SECONDS", 30),
            List.of("--reply-timeout-seconds", "WORLDLINK_REPLY_TIMEOUT_SECONDS", 120),
            List.of("--memory-window", "WORLDLINK_MEMORY_WINDOW", 10),
            List.of("--memory-cap", "WORLDLINK_MEMORY_CAP", 200),
            List.of("--memory-cap-chars", "WORLDLINK_MEMORY_CAP_CHARS", 64 * 1024),
            List.of("--grace-seconds", "WORLDLINK_GRACE_SECONDS", 30),
            List.of("--max-connections", "WORLDLINK_MAX_CONNECTIONS", 10_000),
            List.of("--max-network-connections", "WORLDLINK_MAX_NETWORK_CONNECTIONS", 11_000),
            List.of("--max-connections-per-address", "WORLDLINK_MAX_CONNECTIONS_PER_ADDRESS", 100),
            List.of("--max-connections-per-user", "WORLDLINK_MAX_CONNECTIONS_PER_USER", 20),
            List.of("--max-loaded-worlds", "WORLDLINK_MAX_LOADED_WORLDS", 10_000),
            List.of("--max-total-queued-chars", "WORLDLINK_MAX_TOTAL_QUEUED_CHARS", 64 * 1024 * 1024),
            List.of("--max-worlds-per-user", "WORLDLINK_MAX_WORLDS_PER_USER", 100),
            List.of("--max-worlds-per-anonymous-user", "WORLDLINK_MAX_WORLDS_PER_ANONYMOUS_USER", 3),
            List.of("--select-timeout-seconds", "WORLDLINK_SELECT_TIMEOUT_SECONDS", 30),
            List.of("--rate-limit", "WORLDLINK_RATE_LIMIT", 20),
            List.of("--max-tokens", "WORLDLINK_MAX_TOKENS", 8192),
            List.of("--max-log-mib", "WORLDLINK_MAX_LOG_MIB", 64));

    @TempDir
    Path work;

    @Test
    void theDefaultsNeedNoKeyAndNoService() throws Exception {
        Launcher.Options o = Launcher.parse(new String[0], Map.of());
        assertEquals("serve", o.command());
        assertEquals("127.0.0.1", o.host());
        assertEquals(8080, o.port());
        assertEquals("/ws", o.path());
        assertEquals(Path.of("data"), o.data());
        assertEquals("offline", o.provider());
        assertEquals(false, o.insecure());
        assertEquals(List.of(), o.allowedOrigins());
    }

    @Test
    void everyNumberHasItsDefaultItsVariableAndItsOptionInBothSpellings() throws Exception {
        Launcher.Options defaults = Launcher.parse(new String[0], Map.of());
        for (List<Object> n : NUMBERS) {
            String option = (String) n.get(0);
            String env = (String) n.get(1);
            int fallback = (Integer) n.get(2);
            assertEquals(fallback, defaults.number(option), option);
            Map<String, String> environment = Map.of(env, String.valueOf(fallback + 1));
            assertEquals(fallback + 1, Launcher.parse(new String[0], environment).number(option), env);
            assertEquals(fallback + 2, Launcher.parse(new String[] {option, String.valueOf(fallback + 2)}, environment)
                    .number(option), option);
            assertEquals(fallback + 3, Launcher.parse(new String[] {option + "=" + (fallback + 3)}, environment)
                    .number(option), option + "=");
        }
    }

    @Test
    void theHelpListsEveryOptionWithItsVariableAndItsDefault() throws Exception {
        Launcher.Options o = Launcher.parse(new String[] {"--help"}, Map.of("WORLDLINK_PORT", "7000"));
        assertEquals("help", o.command());
        assertEquals(o.help(), Launcher.parse(new String[] {"-h"}, Map.of()).help());
        assertTrue(o.help().lines().anyMatch(l -> l.strip().equals(
                "java -jar worldlink-server.jar mint-token USER_ID --auth-secret=SECRET [--valid-hours=N]")), o.help());
        String help = o.help().replaceAll("\\s+", " ");
        for (List<Object> n : NUMBERS) {
            assertTrue(help.contains(n.get(0) + "=N "), n.get(0) + " is missing: " + help);
            // The built-in default, not the one this environment would give.
            assertTrue(help.contains("[" + n.get(1) + "] (default " + n.get(2) + ")"), n.get(1) + ": " + help);
        }
        for (String text : List.of("--host=HOST", "[WORLDLINK_HOST] (default 127.0.0.1)", "--path=PATH",
                "[WORLDLINK_PATH] (default /ws)", "--data=DIR", "[WORLDLINK_DATA] (default data)", "--provider=NAME",
                "[WORLDLINK_PROVIDER] (default offline)", "--log-level=LEVEL", "[WORLDLINK_LOG_LEVEL] (default INFO)",
                "--auth-secret=SECRET", "[WORLDLINK_AUTH_SECRET]", "--insecure-trust-user-ids",
                "[WORLDLINK_INSECURE=true]", "--no-sync", "[WORLDLINK_SYNC=false]", "--allow-models=PROVIDER=M1,M2",
                "[WORLDLINK_ALLOW_MODELS,", "--allowed-origins=A,B", "[WORLDLINK_ALLOWED_ORIGINS]", "-h, --help",
                "mint-token Prints a token")) {
            assertTrue(help.contains(text), text + " is missing: " + help);
        }
        String mint = Launcher.parse(new String[] {"mint-token", "--help"}, Map.of()).help().replaceAll("\\s+", " ");
        assertTrue(mint.contains("Usage: java -jar worldlink-server.jar mint-token"), mint);
        assertTrue(mint.contains("--auth-secret=SECRET the secret of the server the token is for"), mint);
        assertTrue(mint.contains("--valid-hours=N how long the token is valid, in hours (default 24)"), mint);
    }

    @Test
    void allowedOriginsComeCommaSeparatedFromTheOptionOrTheEnvironment() throws Exception {
        assertEquals(List.of("https://a.example", "http://localhost:3000"), Launcher.parse(new String[0],
                Map.of("WORLDLINK_ALLOWED_ORIGINS", "https://a.example, http://localhost:3000")).allowedOrigins());
        assertEquals(List.of("*"), Launcher.parse(new String[] {"--allowed-origins", "*"},
                Map.of("WORLDLINK_ALLOWED_ORIGINS", "https://a.example")).allowedOrigins());
        assertEquals("--allowed-origins: \"a.example\" is not an origin: write the scheme, host and port the browser "
                + "shows, such as https://chat.example.com or http://localhost:3000 (no path), or * for every origin.",
                assertThrows(Launcher.UsageException.class, () -> Launcher.parse(new String[] {"--allowed-origins",
                    "https://b.example,a.example"}, Map.of())).getMessage());
    }

    @Test
    void optionsWinOverTheEnvironment() throws Exception {
        Launcher.Options o = Launcher.parse(new String[] {"--port=9000", "--provider", "ollama", "--log-level",
            "debug", "--data=/srv/worlds"}, Map.of("WORLDLINK_PORT", "7000", "WORLDLINK_PROVIDER", "openai",
            "WORLDLINK_INSECURE", "true", "WORLDLINK_DATA", "/var/elsewhere"));
        assertEquals(9000, o.port());
        assertEquals("ollama", o.provider());
        assertEquals("DEBUG", o.logLevel());
        assertEquals(Path.of("/srv/worlds"), o.data());
        assertTrue(o.insecure());
        // The last of an option given twice wins, so a script can add to a fixed command line.
        assertEquals(9001, Launcher.parse(new String[] {"--port", "9000", "--port=9001"}, Map.of()).port());
    }

    @Test
    void limitsSyncAndAllowedModelsComeFromOptionsOrTheEnvironment() throws Exception {
        Launcher.Options defaults = Launcher.parse(new String[0], Map.of());
        assertTrue(defaults.sync());
        assertEquals(false, Launcher.parse(new String[0], Map.of("WORLDLINK_SYNC", "FALSE")).sync());
        assertTrue(defaults.resume());
        assertEquals(10, defaults.number("--resume-within-minutes"));
        Launcher.Options noResume = Launcher.parse(new String[] {"--no-resume"},
                Map.of("WORLDLINK_RESUME_WITHIN_MINUTES", "3"));
        assertEquals(false, noResume.resume());
        assertEquals(3, noResume.number("--resume-within-minutes"));
        Launcher.Options o = Launcher.parse(new String[] {"--max-connections", "50", "--no-sync", "--allow-models",
            "openai=gpt-4o-mini, gpt-4o"}, Map.of("WORLDLINK_MAX_CONNECTIONS", "9", "WORLDLINK_SELECT_TIMEOUT_SECONDS",
            "5", "WORLDLINK_ALLOW_MODELS", "ollama=llama3"));
        assertEquals(50, o.number("--max-connections"));
        assertEquals(5, o.number("--select-timeout-seconds"));
        assertEquals(false, o.sync());
        assertEquals(Map.of("ollama", List.of("llama3"), "openai", List.of("gpt-4o-mini", "gpt-4o")),
                o.allowedModels());
        Launcher.worldLink(o).environment(Map.of()).dataRoot(work).build().close();
        assertEquals("--max-loaded-worlds must be a whole number from 1 to 100000000, not \"0\".", assertThrows(
                Launcher.UsageException.class, () -> Launcher.parse(new String[] {"--max-loaded-worlds", "0"},
                        Map.of())).getMessage());
        assertTrue(assertThrows(Launcher.UsageException.class, () -> Launcher.parse(new String[] {"--allow-models",
            "gpt-4o"}, Map.of())).getMessage().startsWith("--allow-models takes PROVIDER=MODEL1,MODEL2"));
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertEquals("--port must be a whole number from 0 to 65535, not \"http\".", problem(Map.of(), "--port",
                "http"));
        assertEquals("Unknown option: '--prot=1'. Did you mean --provider?", problem(Map.of(), "--prot=1"));
        assertEquals("Unknown option: '--verbose'.", problem(Map.of(), "--verbose"));
        assertEquals("Unknown option: '--max-connection=5'. Did you mean --max-connections, "
                + "--max-network-connections or --max-connections-per-address?", problem(Map.of(),
                "--max-connection=5"));
        assertEquals("Unmatched argument at index 0: 'serve'.", problem(Map.of(), "serve"));
        assertEquals("Missing required parameter for option '--data' (DIR).", problem(Map.of(), "--data"));
        assertEquals("--data must not be empty.", problem(Map.of(), "--data="));
        assertEquals("--memory-cap must be a whole number from 4 to 1000000, not \"2\".", problem(Map.of(),
                "--memory-cap", "2"));
        assertEquals("mint-token needs the secret: --auth-secret or WORLDLINK_AUTH_SECRET.", problem(Map.of(),
                "mint-token", "ann"));
        assertEquals("Missing required parameter: 'USER_ID'.", problem(Map.of(), "mint-token", "--auth-secret", SECRET));
        assertEquals("The auth secret must be at least 32 characters long.", problem(Map.of(), "--auth-secret",
                "short"));
    }

    @Test
    void aBadEnvironmentVariableIsNamed() {
        assertEquals("WORLDLINK_PORT must be a whole number from 0 to 65535, not \"http\".", problem(Map.of(
                "WORLDLINK_PORT", "http")));
        assertEquals("WORLDLINK_SYNC must be true or false, not \"yes\".", problem(Map.of("WORLDLINK_SYNC", "yes")));
        assertEquals("WORLDLINK_LOG_LEVEL must be TRACE, DEBUG, INFO, WARN or ERROR, not \"LOUD\".", problem(Map.of(
                "WORLDLINK_LOG_LEVEL", "loud")));
    }

    private static String problem(Map<String, String> env, String... args) {
        return assertThrows(Launcher.UsageException.class, () -> Launcher.parse(args, env)).getMessage();
    }

    @Test
    void aMintedTokenProvesTheUserToAServerWithTheSameSecret() throws Exception {
        for (String[] args : List.of(new String[] {"mint-token", "ann", "--auth-secret", SECRET},
                new String[] {"--auth-secret=" + SECRET, "mint-token", "ann", "--valid-hours=2"},
                new String[] {"mint-token", "ann"})) {
            Launcher.Options o = Launcher.parse(args, Map.of("WORLDLINK_AUTH_SECRET", SECRET));
            assertEquals("mint-token", o.command());
            String token = io.worldlink.HmacTokens.withSecret(o.authSecret()).mint(o.tokenUser(),
                    java.time.Duration.ofHours(o.number("--valid-hours")));
            try (WorldLink link = Launcher.worldLink(Launcher.parse(new String[] {"--data", work.toString()},
                    Map.of("WORLDLINK_AUTH_SECRET", SECRET))).environment(Map.of()).build()) {
                assertEquals(Identity.of("ann"), link.authenticate(token));
            }
        }
    }

    @Test
    void theBannerSaysWhereItListensWhichModelAndWhetherAuthIsOn() throws Exception {
        Launcher.Options o = Launcher.parse(new String[] {"--port", "0", "--data", TestData.SHIPPED_DATA.toString()},
                Map.of());
        try (WorldLink link = Launcher.worldLink(o).environment(Map.of()).build();
                WorldLinkServer server = WorldLinkServer.builder(link).port(0).build().start()) {
            String banner = Launcher.banner(o, link, server, List.of());
            assertTrue(banner.contains("ws://127.0.0.1:" + server.port() + "/ws"), banner);
            assertTrue(banner.contains("use \"offline\" (built in: no network, no API key)"), banner);
            assertTrue(banner.contains("off: anonymous (UUID) users only"), banner);
            assertTrue(banner.contains("templates: default-world, extended-world, fast-world"), banner);
            assertTrue(!banner.contains("copied"), banner);
        }
    }

    @Test
    void helpAndBadOptionsAnswerWithTheHelpAndTheExitCodesScriptsExpect() throws Exception {
        Ran help = run("--help");
        assertEquals(0, help.status(), help.err());
        assertTrue(help.out().startsWith("Usage: java -jar worldlink-server.jar [OPTION...]"), help.out());
        assertEquals("", help.err());
        Ran bad = run("--prot", "8081");
        assertEquals(2, bad.status(), bad.out());
        assertTrue(bad.err().startsWith("Unknown options: '--prot', '8081'. Did you mean --provider?\n\n"
                + "Usage: java -jar worldlink-server.jar"),
                bad.err());
        assertEquals("", bad.out());
        Ran token = run("mint-token", "ann", "--auth-secret=" + SECRET);
        assertEquals(0, token.status(), token.err());
        try (WorldLink link = WorldLink.builder().dataRoot(work).environment(Map.of())
                .authenticator(io.worldlink.HmacTokens.withSecret(SECRET)).build()) {
            assertEquals(Identity.of("ann"), link.authenticate(token.out().strip()));
        }
    }

    @Test
    void aServerOnAnEmptyDataRootCopiesTheShippedTemplatesAndServesThem() throws Exception {
        Path data = work.resolve("empty");
        try (LauncherProcess server = LauncherProcess.start(data, "--offline-pace-ms", "0");
                WorldLinkClient client = WorldLinkClient.builder(server.webSocketUri).build()) {
            assertTrue(server.lineContaining("templates: default-world, extended-world, fast-world") != null);
            assertTrue(server.lineContaining("had none, so the shipped ones were copied there").contains(
                    data.resolve("worlds").toAbsolutePath().toString()));
            Confirmation c = client.selectWorld("extended-world", "debate", UUID.randomUUID().toString())
                    .get(30, TimeUnit.SECONDS);
            assertEquals(List.of("con", "moderator", "pro"), c.agents().stream().map(a -> a.id()).sorted().toList());
        }
        assertEquals(Files.readString(TestData.SHIPPED_DATA.resolve("worlds/default-world/agents/ada/system-prompt.md")),
                Files.readString(data.resolve("worlds/default-world/agents/ada/system-prompt.md")));
    }

    @Test
    void copyingTheShippedTemplatesNeverOverwritesAFile() throws Exception {
        Path worlds = work.resolve("worlds");
        Path prompt = worlds.resolve("default-world/agents/ada/system-prompt.md");
        Files.createDirectories(prompt.getParent());
        Files.writeString(prompt, "You are my own Ada.");
        assertEquals(List.of("default-world", "extended-world", "fast-world"), ShippedTemplates.copyInto(worlds));
        assertEquals("You are my own Ada.", Files.readString(prompt));
        assertTrue(Files.isRegularFile(worlds.resolve("default-world/config.json")));
        assertTrue(Files.isRegularFile(worlds.resolve("fast-world/config.json")));
    }

    /** What a launcher run in a JVM of its own printed, and how it ended. */
    record Ran(int status, String out, String err) {}

    private Ran run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), Launcher.class.getName()));
        command.addAll(List.of(args));
        Path out = work.resolve("out.txt");
        Path err = work.resolve("err.txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("WORLDLINK_"));
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("the launcher did not exit within 60 s");
        }
        return new Ran(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void aClusterNodesDefaultIdIsOneThatTheClusterAccepts() throws Exception {
        String id = Launcher.nodeId(Launcher.parse(new String[] {"--redis", "redis://127.0.0.1:6379", "--port", "8081"},
                Map.of()));
        assertTrue(id.matches("[A-Za-z0-9._-]{1,64}") && id.endsWith("-8081"), id);
        assertEquals("b", Launcher.nodeId(Launcher.parse(new String[] {"--redis", "redis://h:1", "--node-id", "b"},
                Map.of())));
        Launcher.Options anyPort = Launcher.parse(new String[] {"--redis", "redis://h:1", "--port", "0"}, Map.of());
        assertThrows(IllegalArgumentException.class, () -> Launcher.nodeId(anyPort));
    }
}
