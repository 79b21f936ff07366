package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.Identity;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LauncherTest {
    static final String SECRET = "a-launcher-test-secret-long-enough!!";

    @Test
    void theDefaultsNeedNoKeyAndNoService() throws Exception {
        Launcher.Options o = Launcher.parse(new String[0], Map.of());
        assertEquals("serve", o.command());
        assertEquals("127.0.0.1", o.host());
        assertEquals(8080, o.port());
        assertEquals("/ws", o.path());
        assertEquals(Path.of("data"), o.data());
        assertEquals(null, o.provider());
        assertEquals(false, o.insecure());
        assertEquals(List.of(), o.allowedOrigins());
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
        Launcher.Options o = Launcher.parse(new String[] {"--port", "9000", "--provider", "ollama", "--log-level",
            "debug"}, Map.of("WORLDLINK_PORT", "7000", "WORLDLINK_PROVIDER", "openai", "WORLDLINK_INSECURE", "true"));
        assertEquals(9000, o.port());
        assertEquals("ollama", o.provider());
        assertEquals("DEBUG", o.logLevel());
        assertTrue(o.insecure());
    }

    @Test
    void limitsSyncAndAllowedModelsComeFromOptionsOrTheEnvironment() throws Exception {
        Launcher.Options defaults = Launcher.parse(new String[0], Map.of());
        assertEquals(100, defaults.limits().get("--max-connections-per-address"));
        assertEquals(3, defaults.limits().get("--max-worlds-per-anonymous-user"));
        assertTrue(defaults.sync());
        Launcher.Options o = Launcher.parse(new String[] {"--max-connections", "50", "--no-sync", "--allow-models",
            "openai=gpt-4o-mini, gpt-4o"}, Map.of("WORLDLINK_MAX_CONNECTIONS", "9", "WORLDLINK_SELECT_TIMEOUT_SECONDS",
            "5", "WORLDLINK_ALLOW_MODELS", "ollama=llama3"));
        assertEquals(50, o.limits().get("--max-connections"));
        assertEquals(5, o.limits().get("--select-timeout-seconds"));
        assertEquals(false, o.sync());
        assertEquals(Map.of("ollama", java.util.List.of("llama3"), "openai", java.util.List.of("gpt-4o-mini", "gpt-4o")),
                o.allowedModels());
        Launcher.worldLink(o).environment(Map.of()).dataRoot(Path.of("x")).build().close();
        assertEquals("--max-loaded-worlds must be a whole number from 1 to 100000000, not \"0\".", assertThrows(
                Launcher.UsageException.class, () -> Launcher.parse(new String[] {"--max-loaded-worlds", "0"},
                        Map.of())).getMessage());
        assertTrue(assertThrows(Launcher.UsageException.class, () -> Launcher.parse(new String[] {"--allow-models",
            "gpt-4o"}, Map.of())).getMessage().startsWith("--allow-models takes PROVIDER=MODEL1,MODEL2"));
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertEquals("--port must be a whole number from 0 to 65535, not \"http\".", assertThrows(
                Launcher.UsageException.class, () -> Launcher.parse(new String[] {"--port", "http"}, Map.of()))
                .getMessage());
        assertEquals("Unknown option \"--prot\".", assertThrows(Launcher.UsageException.class,
                () -> Launcher.parse(new String[] {"--prot", "1"}, Map.of())).getMessage());
        assertEquals("--data needs a value.", assertThrows(Launcher.UsageException.class,
                () -> Launcher.parse(new String[] {"--data"}, Map.of())).getMessage());
        assertEquals("mint-token needs the secret: --auth-secret or WORLDLINK_AUTH_SECRET.", assertThrows(
                Launcher.UsageException.class, () -> Launcher.parse(new String[] {"mint-token", "ann"}, Map.of()))
                .getMessage());
        assertEquals("The auth secret must be at least 32 characters long.", assertThrows(
                Launcher.UsageException.class, () -> Launcher.parse(new String[] {"--auth-secret", "short"}, Map.of()))
                .getMessage());
    }

    @Test
    void aMintedTokenProvesTheUserToAServerWithTheSameSecret() throws Exception {
        Launcher.Options o = Launcher.parse(new String[] {"mint-token", "ann", "--auth-secret", SECRET}, Map.of());
        String token = io.worldlink.HmacTokens.withSecret(o.authSecret()).mint(o.tokenUser(),
                java.time.Duration.ofHours(o.validHours()));
        try (WorldLink link = Launcher.worldLink(Launcher.parse(new String[] {"--data", "x"},
                Map.of("WORLDLINK_AUTH_SECRET", SECRET))).environment(Map.of()).build()) {
            assertEquals(Identity.of("ann"), link.authenticate(token));
        }
    }

    @Test
    void theBannerSaysWhereItListensWhichModelAndWhetherAuthIsOn() throws Exception {
        Launcher.Options o = Launcher.parse(new String[] {"--port", "0", "--data", TestData.SHIPPED_DATA.toString()},
                Map.of());
        try (WorldLink link = Launcher.worldLink(o).environment(Map.of()).build();
                WorldLinkServer server = WorldLinkServer.builder(link).port(0).build().start()) {
            String banner = Launcher.banner(o, link, server);
            assertTrue(banner.contains("ws://127.0.0.1:" + server.port() + "/ws"), banner);
            assertTrue(banner.contains("use \"offline\" (built in: no network, no API key)"), banner);
            assertTrue(banner.contains("off: anonymous (UUID) users only"), banner);
            assertTrue(banner.contains("templates: default-world, extended-world, fast-world"), banner);
        }
    }
}
