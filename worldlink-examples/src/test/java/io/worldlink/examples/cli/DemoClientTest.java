package io.worldlink.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.jetty.WorldLinkServer;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI demo driven through its input and output streams, against a real server. */
class DemoClientTest {
    @TempDir
    Path root;

    WorldLink link;
    WorldLinkServer server;

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
    }

    @AfterEach
    void stop() {
        server.close();
        link.close();
    }

    String session(String... lines) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        DemoClient.Options o = new DemoClient.Options(server.webSocketUri(), "default-world", "cli-world",
                UUID.randomUUID().toString(), null);
        int status = DemoClient.run(new BufferedReader(new StringReader(String.join("\n", lines) + "\n")), out, o);
        assertEquals(0, status);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void chatsAndShowsEachAgentsReplyOnItsOwnLine() {
        String out = session("How do I start?", "/quit");
        assertTrue(out.contains("You are in \"cli-world\" (from default-world), with Ada, Ben."), out);
        // The prompt "> " stays before the first reply, where a terminal shows the typed line.
        assertTrue(out.lines().anyMatch(l -> l.contains("[Ada] Ada here") && l.contains("How do I start?")), out);
        assertTrue(out.lines().anyMatch(l -> l.contains("[Ben] Ben here") && l.contains("How do I start?")), out);
        assertTrue(out.strip().endsWith("Bye."), out);
    }

    @Test
    void slashCommandsManageTheWorld() {
        Path export = root.resolve("export.md");
        String out = session(
                "/help",
                "/agents",
                "/agent ben off",
                "/agent ben",
                "@ben are you there?",
                "/prompt ada You are Ada. Be brief.",
                "/agent ada",
                "/clear ada",
                "/reload",
                "/export " + export,
                "/worlds",
                "/world second",
                "/agent zed sideways",
                "/nonsense",
                "/quit");
        assertTrue(out.contains("/prompt NAME TEXT"), out);
        assertTrue(out.contains("  Ada (@ada), active, 0 remembered"), out);
        assertTrue(out.contains("Ben: now off."), out);
        assertTrue(out.contains("Ben (@ben): inactive"), out);
        assertTrue(out.contains("Ada: prompt set."), out);
        assertTrue(out.contains("You are Ada. Be brief."), out);
        assertTrue(out.contains("Ada: memory cleared."), out);
        assertTrue(out.contains("Reloaded: 2 agents."), out);
        assertTrue(out.contains("Exported to " + export + "."), out);
        assertTrue(out.contains("  default-world: Two general assistants"), out);
        assertTrue(out.contains("  cli-world"), out);
        assertTrue(out.contains("You are in \"second\""), out);
        assertTrue(out.contains("Use /agent zed on, or /agent zed off."), out);
        assertTrue(out.contains("Unknown command /nonsense; /help lists them."), out);
        assertTrue(out.lines().noneMatch(l -> l.contains("[Ben]")), "an inactive agent does not answer: " + out);
    }

    @Test
    void errorsFromTheServerAreShownAndTheClientGoesOn() throws Exception {
        String out = session("/agent zed on", "/world ../etc", "still chatting", "/quit");
        assertTrue(out.contains("Failed: The world \"cli-world\" has no agent \"zed\""), out);
        assertTrue(out.contains("Could not enter the world: The world name must not contain"), out);
        assertTrue(out.contains("[Ada] "), out);
        assertTrue(Files.isDirectory(root.resolve("users")));
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertEquals("--url needs a value.", assertThrows(IllegalArgumentException.class,
                () -> DemoClient.parse(new String[] {"--url"})).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DemoClient.parse(new String[] {"--nope", "x"}))
                .getMessage().startsWith("Unknown option \"--nope\""));
    }
}
