package io.worldlink.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.jetty.WorldLinkServer;
import io.worldlink.model.ChatModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI demo driven through its input and output streams, against a real server. Ctrl-C is typed as
 * the character a terminal set up by {@link InterruptKey} delivers.
 */
class DemoClientTest {
    @TempDir
    Path root;

    WorldLink link;
    WorldLinkServer server;

    final String user = UUID.randomUUID().toString();

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
        return sessionIn(null, lines);
    }

    String sessionIn(String chat, String... lines) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        DemoClient.Options o = new DemoClient.Options(server.webSocketUri(), "default-world", "cli-world", chat,
                user, null);
        int status = DemoClient.run(new StringReader(String.join("\n", lines) + "\n"), out, o);
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
    void chatCommandsStartListAndSwitchChatsAndTheCommandLineNamesOne() {
        String out = session("Remember: owls", "/new-chat Birds of prey", "/chats", "/chat chat-1", "/chat nope",
                "/quit");
        assertTrue(out.contains("Chat: chat-1  \"New Chat\", 0 messages."), out);
        Matcher created = Pattern.compile("New chat: (chat-[0-9a-f-]+)  \"Birds of prey\", 0 messages\\.").matcher(out);
        assertTrue(created.find(), out);
        String birds = created.group(1);
        assertTrue(out.contains("* " + birds + "  \"Birds of prey\", 0 messages"), "the current chat is marked: " + out);
        assertTrue(out.contains("  chat-1  \"Remember: owls\", 3 messages"), out);
        assertTrue(out.contains("Chat: chat-1  \"Remember: owls\", 3 messages."), out);
        assertTrue(out.contains("Failed: The world \"cli-world\" has no chat \"nope\""), out);

        String again = sessionIn(birds, "/quit");
        assertTrue(again.contains("Chat: " + birds + "  \"Birds of prey\""), again);
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
    void theReplyEndsBeforeThePromptComesBack() {
        String out = session("How do I start?", "/quit");
        int ada = out.indexOf("[Ada] ");
        int ben = out.indexOf("[Ben] ");
        int prompt = out.indexOf("> ", Math.max(ada, ben));
        assertTrue(ada > 0 && ben > 0 && prompt > ben && prompt > ada, out);
        // One agent at a time: neither reply's line holds the other's name.
        assertTrue(out.lines().filter(l -> l.contains("[Ada] ") || l.contains("[Ben] "))
                .noneMatch(l -> l.contains("[Ada] ") && l.contains("[Ben] ")), out);
    }

    @Test
    void slashStopWhileARepliesStreamsStopsTheTurnAndLinesTypedMeanwhileWaitForThePrompt() throws Exception {
        try (Thinking model = new Thinking()) {
            Typing keys = new Typing();
            Output screen = new Output();
            CompletableFuture<Integer> status = model.run(keys, screen);
            screen.await("Type /help", 0);
            keys.type("Tell me everything.\n");
            // Whichever agent's model answered first streams first; the other's text waits its turn.
            int at = screen.await("] Let me think", 0);
            keys.type("/agents\n/stop\n");
            at = screen.await("] Let me think (stopped)\n> ", at);
            assertTrue(screen.text().contains("[Ada] Let me think (stopped)\n"), screen.text());
            assertTrue(screen.text().contains("[Ben] Let me think (stopped)\n"), screen.text());
            // Typed while the replies streamed, /agents was answered at the prompt, after the turn.
            screen.await("  Ada (@ada), active", at);
            keys.type("/quit\n");
            assertEquals(0, status.get(30, TimeUnit.SECONDS));
            assertTrue(model.cancelled.await(30, TimeUnit.SECONDS), "both models' calls were cancelled");
        }
    }

    @Test
    void ctrlCWhileRepliesStreamStopsThemAndCtrlCAtThePromptQuits() throws Exception {
        try (Thinking model = new Thinking()) {
            Typing keys = new Typing();
            Output screen = new Output();
            CompletableFuture<Integer> status = model.run(keys, screen);
            screen.await("Type /help", 0);
            keys.type("Tell me everything.\n");
            int at = screen.await("] Let me think", 0);
            keys.type(String.valueOf(Keyboard.CTRL_C));
            screen.await("] Let me think (stopped)\n> ", at);
            assertTrue(!status.isDone(), "Ctrl-C during a reply does not quit");
            keys.type("half a line, then" + Keyboard.CTRL_C);
            assertEquals(DemoClient.INTERRUPTED, status.get(30, TimeUnit.SECONDS));
            assertTrue(screen.text().strip().endsWith("Bye."), screen.text());
        }
    }

    @Test
    void aSecondCtrlCStopsWaitingForATurnThatCannotEnd() throws Exception {
        Typing keys = new Typing();
        Output screen = new Output();
        CompletableFuture<Integer> status;
        try (Thinking model = new Thinking()) {
            status = model.run(keys, screen);
            screen.await("Type /help", 0);
            keys.type("Tell me everything.\n");
            screen.await("] Let me think", 0);
        }
        // The server is gone: the turn can neither end nor be stopped, and Ctrl-C does not end the client.
        int at = screen.await("(connection lost; reconnecting...)", 0);
        keys.type(String.valueOf(Keyboard.CTRL_C));
        keys.type(String.valueOf(Keyboard.CTRL_C));
        screen.await("(no longer waiting for this turn; its replies may still come)\n> ", at);
        keys.type("/quit\n");
        assertEquals(0, status.get(30, TimeUnit.SECONDS));
    }

    @Test
    void theHelpListsEveryOption() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        DemoClient.Parsed p = DemoClient.parse(new String[] {"--help"}, print(out), print(err));
        assertEquals(new DemoClient.Parsed(null, 0), p);
        String help = out.toString(StandardCharsets.UTF_8);
        assertTrue(help.startsWith("Usage: java -jar worldlink-examples.jar"), help);
        for (String option : List.of("--url=URL", "(default ws://127.0.0.1:8080/ws)", "--template=NAME",
                "(default default-world)", "--world=NAME", "--user=ID", "--token=TOKEN", "[WORLDLINK_TOKEN]",
                "-h, --help", "/stop or Ctrl-C stops them")) {
            assertTrue(help.contains(option), option + " is missing: " + help);
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theWorldAndEveryOptionComeFromTheCommandLineInEitherSpelling() {
        DemoClient.Options o = DemoClient.parse(new String[] {"--template=extended-world", "--world", "debate",
            "--url=ws://localhost:9000/ws", "--user=ann", "--token", "t0k", "--chat", "chat-123"},
                print(new ByteArrayOutputStream()), print(new ByteArrayOutputStream())).options();
        assertEquals(new DemoClient.Options(java.net.URI.create("ws://localhost:9000/ws"), "extended-world", "debate",
                "chat-123", "ann", "t0k"), o);
        DemoClient.Options defaults = DemoClient.parse(new String[0], print(new ByteArrayOutputStream()),
                print(new ByteArrayOutputStream())).options();
        assertEquals("my-world", defaults.world());
        assertEquals(java.net.URI.create("ws://127.0.0.1:8080/ws"), defaults.url());
        UUID.fromString(defaults.user());
    }

    @Test
    void badCommandLinesSayWhatIsWrongAndShowTheHelp() {
        assertEquals("Missing required parameter for option '--url' (URL).", problem("--url"));
        assertEquals("Unknown options: '--nope', 'x'.", problem("--nope", "x"));
        assertEquals("--url must be a ws:// or wss:// address such as ws://127.0.0.1:8080/ws, not "
                + "\"http://127.0.0.1:8080/\".", problem("--url=http://127.0.0.1:8080/"));
    }

    private static String problem(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(new DemoClient.Parsed(null, 2), DemoClient.parse(args, print(out), print(err)));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        String[] said = err.toString(StandardCharsets.UTF_8).split("\n", 3);
        assertEquals("", said[1]);
        assertTrue(said[2].startsWith("Usage: java -jar worldlink-examples.jar"), said[2]);
        return said[0];
    }

    private static PrintStream print(OutputStream out) {
        return new PrintStream(out, true, StandardCharsets.UTF_8);
    }

    /**
     * A server whose agents each say "Let me think" and then nothing more until their call is cancelled,
     * so a test can stop replies that are sure to be streaming.
     */
    final class Thinking implements AutoCloseable {
        final CountDownLatch cancelled = new CountDownLatch(2);
        final WorldLink thinking;
        final WorldLinkServer thinkingServer;

        Thinking() throws Exception {
            ChatModel model = (request, listener) -> {
                listener.onChunk("Let me think");
                return cancelled::countDown;
            };
            thinking = WorldLink.builder().dataRoot(root).environment(Map.of()).chatModel("offline", model).build();
            thinkingServer = WorldLinkServer.builder(thinking).port(0).build().start();
        }

        CompletableFuture<Integer> run(Reader keys, Output screen) {
            DemoClient.Options o = new DemoClient.Options(thinkingServer.webSocketUri(), "default-world",
                    "thinking", null, UUID.randomUUID().toString(), null);
            return CompletableFuture.supplyAsync(() -> DemoClient.run(keys, print(screen), o));
        }

        @Override
        public void close() {
            thinkingServer.close();
            thinking.close();
        }
    }

    /** Keys that the test types when it chooses; the client waits for them as for a person. */
    static final class Typing extends Reader {
        private final BlockingQueue<String> typed = new LinkedBlockingQueue<>();
        private String current = "";

        void type(String keys) {
            typed.add(keys);
        }

        @Override
        public int read(char[] buffer, int offset, int length) throws IOException {
            try {
                while (current.isEmpty()) {
                    current = typed.take();
                }
            } catch (InterruptedException e) {
                throw new InterruptedIOException();
            }
            int n = Math.min(length, current.length());
            current.getChars(0, n, buffer, offset);
            current = current.substring(n);
            return n;
        }

        @Override
        public void close() {
            // Nothing is held: the client's keyboard thread is a daemon that dies with the tests.
        }
    }

    /** What the client printed, with a way to wait until it has printed something. */
    static final class Output extends OutputStream {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) {
            bytes.write(b);
            notifyAll();
        }

        @Override
        public synchronized void write(byte[] b, int offset, int length) {
            bytes.write(b, offset, length);
            notifyAll();
        }

        synchronized String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        /**
         * @return where the text ends, once the client has printed it after {@code from}; the test fails when
         *     it has not within 30 s
         */
        synchronized int await(String text, int from) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int at;
            while ((at = text().indexOf(text, from)) < 0) {
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, "the client did not print \"" + text + "\" within 30 s:\n" + text());
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return at + text.length();
        }
    }
}
