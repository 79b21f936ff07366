package io.worldlink.examples.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import io.worldlink.WorldLinkException;
import io.worldlink.Chat;
import io.worldlink.client.AgentInfo;
import io.worldlink.client.ClientListener;
import io.worldlink.client.Confirmation;
import io.worldlink.client.ConnectionState;
import io.worldlink.client.Reply;
import io.worldlink.client.ReplyListener;
import io.worldlink.client.SystemNotice;
import io.worldlink.client.Turn;
import io.worldlink.client.WorldLinkClient;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The interactive terminal client: choose a world, chat, and watch each agent's reply stream in, one
 * agent at a time. Slash commands manage the world ({@code /help} lists them); {@code /stop} or Ctrl-C
 * stops the replies under way, and the prompt comes back when the turn is over.
 *
 * <p>Run against a running server: {@code java -jar worldlink-examples/target/worldlink-examples.jar
 * [--url ws://127.0.0.1:8080/ws] [--template default-world] [--world my-world] [--chat ID] [--user ID] [--token T]};
 * {@code --help} says more.
 */
public final class DemoClient {
    static final String HELP = """
            Type a message to chat; @name at the start of a line picks who answers.
              /help                  this help
              /worlds                the templates and your worlds
              /world NAME            switch to your world NAME (cloned from the current template if new)
              /chats                 the chats of this world, newest first
              /new-chat [NAME]       start a new chat (named after its first message without NAME)
              /chat ID               switch to another chat of this world
              /agents                the agents of this world
              /agent NAME            one agent's details
              /agent NAME on|off     switch an agent on or off
              /prompt NAME TEXT      set an agent's system prompt
              /clear NAME            clear an agent's memory
              /reload                read the world again from disk
              /export [FILE]         the world as Markdown (printed, or written to FILE)
              /stop                  stop the replies under way (Ctrl-C too, while they stream)
              /quit                  leave (Ctrl-D too, or Ctrl-C at the prompt)""";

    /** The exit status after Ctrl-C, as shells report a program that SIGINT ended. */
    static final int INTERRUPTED = 130;

    /**
     * What the command line asks for.
     *
     * @param url the server's WebSocket address
     * @param template the template a new world is cloned from
     * @param world the world to enter
     * @param chat the chat of the world to be in, or {@code null} for its newest
     * @param user the user id
     * @param token the token of a signed user, or {@code null}
     */
    record Options(URI url, String template, String world, String chat, String user, String token) {}

    /**
     * A command line read: the options to run with, or the status to exit with at once.
     *
     * @param options the options, or {@code null} when the help was shown or the command line was wrong
     * @param status the exit status when there are no options
     */
    record Parsed(Options options, int status) {}

    /** The command line as picocli reads it. */
    @Command(name = "java -jar worldlink-examples.jar", sortOptions = false, usageHelpWidth = 100,
            description = {"", "Chats in a world of a WorldLink server from the terminal: type a message, and each "
                    + "agent's reply streams in, one agent at a time; /help lists the commands.", "",
                    "While replies stream, /stop or Ctrl-C stops them. Ctrl-C at the prompt, /quit or Ctrl-D "
                    + "leaves. (Ctrl-C stops only the replies where the input is a terminal that stty can set, as "
                    + "on Linux and macOS; elsewhere it ends the client, and /stop still stops them.)", ""},
            optionListHeading = "Options (each also written --name=value):%n")
    static final class Arguments {
        @Option(names = "--url", paramLabel = "URL", defaultValue = "ws://127.0.0.1:8080/ws",
                description = "the server's WebSocket address (default ${DEFAULT-VALUE})")
        String url;

        @Option(names = "--template", paramLabel = "NAME", defaultValue = "default-world",
                description = "the template a new world is cloned from (default ${DEFAULT-VALUE})")
        String template;

        @Option(names = "--world", paramLabel = "NAME", defaultValue = "my-world",
                description = "the world to enter; yours if you have it, else a new clone of the template "
                        + "(default ${DEFAULT-VALUE})")
        String world;

        @Option(names = "--chat", paramLabel = "ID", description = "the chat of the world to be in (default the "
                + "newest; /chats lists them)")
        String chat;

        @Option(names = "--user", paramLabel = "ID", description = "who you are: a UUID for an anonymous user, "
                + "whose worlds go when they leave, or a signed user's id with --token (default a new UUID)")
        String user;

        // Read from the environment by name, so that the help never prints the token itself.
        @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:WORLDLINK_TOKEN}",
                description = "the signed user's token, from the server's mint-token [WORLDLINK_TOKEN]")
        String token;

        @Option(names = {"-h", "--help"}, usageHelp = true, description = "show this help")
        boolean help;
    }

    private final Options options;
    private final PrintStream out;
    private final Keyboard keyboard;
    private final Map<String, AgentInfo> agents = new ConcurrentSkipListMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private WorldLinkClient client;
    private String template;

    private DemoClient(Options options, Reader in, PrintStream out) {
        this.options = options;
        this.out = out;
        this.keyboard = new Keyboard(in);
        this.template = options.template();
    }

    /**
     * Chats in the world the command line names until the user leaves; {@code --help} shows the help, and
     * a command line that cannot run is explained, with the help, and exits with 2.
     *
     * @param args the command line; {@code --help} describes it
     */
    public static void main(String[] args) {
        Parsed parsed = parse(args, System.out, System.err);
        if (parsed.options() == null) {
            System.exit(parsed.status());
            return;
        }
        InterruptKey.takeOver();
        System.exit(run(new InputStreamReader(System.in, StandardCharsets.UTF_8), System.out, parsed.options()));
    }

    /**
     * Reads the command line; shows the help when it is asked for, or what is wrong and the help.
     *
     * @param args the command line
     * @param out where the help goes when it is asked for
     * @param err where a wrong command line is explained
     * @return the options, or the exit status: 0 after the help, 2 for a wrong command line
     */
    static Parsed parse(String[] args, PrintStream out, PrintStream err) {
        CommandLine line = new CommandLine(new Arguments()).setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF))
                .setExpandAtFiles(false).setOverwrittenOptionsAllowed(true);
        try {
            line.parseArgs(args);
            if (line.isUsageHelpRequested()) {
                out.print(line.getUsageMessage());
                return new Parsed(null, 0);
            }
            Arguments a = line.getCommand();
            URI url = URI.create(a.url);
            if (!"ws".equals(url.getScheme()) && !"wss".equals(url.getScheme())) {
                throw new IllegalArgumentException("--url must be a ws:// or wss:// address such as "
                        + "ws://127.0.0.1:8080/ws, not \"" + a.url + "\".");
            }
            return new Parsed(new Options(url, a.template, a.world, a.chat, a.user == null ? UUID.randomUUID().toString()
                    : a.user, a.token == null || a.token.isBlank() ? null : a.token), 0);
        } catch (ParameterException | IllegalArgumentException e) {
            err.println(e instanceof ParameterException ? e.getMessage() + "." : e.getMessage());
            err.println();
            err.print(line.getUsageMessage());
            return new Parsed(null, 2);
        }
    }

    /**
     * Runs the client until {@code /quit}, Ctrl-C at the prompt, or the end of the input.
     *
     * @param in the user's keys: lines, and {@link Keyboard#CTRL_C} for Ctrl-C
     * @param out where the conversation is shown
     * @param options where to connect and which world
     * @return the exit status: 0, 1 when the world could not be entered, {@link #INTERRUPTED} after Ctrl-C
     */
    static int run(Reader in, PrintStream out, Options options) {
        return new DemoClient(options, in, out).loop();
    }

    private int loop() {
        try (WorldLinkClient c = WorldLinkClient.builder(options.url()).token(options.token()).listener(new Screen())
                .build()) {
            client = c;
            if (!enter(options.world(), options.chat())) {
                return 1;
            }
            out.println("Type /help for commands; /stop or Ctrl-C stops the replies under way.");
            while (true) {
                out.print("> ");
                out.flush();
                Keyboard.Input key = next();
                switch (key.kind()) {
                    case END -> {
                        return 0;
                    }
                    case INTERRUPT -> {
                        out.println();
                        out.println("Bye.");
                        return INTERRUPTED;
                    }
                    case LINE -> {
                        String line = key.text().strip();
                        if (line.startsWith("/")) {
                            if (!command(line)) {
                                return 0;
                            }
                        } else if (!line.isEmpty()) {
                            chat(line);
                        }
                    }
                    default -> {
                        // A wake-up left from a wait that is over.
                    }
                }
            }
        } catch (Quit q) {
            out.println();
            out.println("Bye.");
            return INTERRUPTED;
        }
    }

    // The next key at the prompt; wake-ups of waits that are over are no keys.
    private Keyboard.Input next() {
        try {
            Keyboard.Input key;
            do {
                key = keyboard.next();
            } while (key.kind() == Keyboard.Kind.WAKE);
            return key;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Quit();
        }
    }

    /** Ctrl-C while the client waited for anything but a turn: the user wants out. */
    private static final class Quit extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Quit() {
            super(null, null, false, false);
        }
    }

    /**
     * Waits for the server's answer while still listening to the keyboard: Ctrl-C ends the client, and
     * what else is typed meanwhile waits for the prompt.
     */
    private <T> T await(CompletableFuture<T> answer) {
        answer.whenComplete((x, e) -> keyboard.wake());
        try {
            while (!answer.isDone()) {
                Keyboard.Input key = keyboard.nextWhileWaiting();
                if (key.kind() == Keyboard.Kind.INTERRUPT) {
                    throw new Quit();
                }
                keyboard.hold(key);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Quit();
        }
        return answer.join();
    }

    /**
     * Waits for a turn while its replies stream: {@code /stop} or Ctrl-C stops them; a second Ctrl-C, for
     * a turn that does not end, stops waiting for it. What else is typed meanwhile waits for the prompt.
     */
    private void awaitTurn(CompletableFuture<Turn> turn) {
        turn.whenComplete((x, e) -> keyboard.wake());
        int interrupts = 0;
        try {
            while (!turn.isDone()) {
                Keyboard.Input key = keyboard.nextWhileWaiting();
                boolean stop = key.kind() == Keyboard.Kind.LINE && key.text().strip().equals("/stop");
                if (key.kind() == Keyboard.Kind.INTERRUPT && ++interrupts > 1) {
                    out.println();
                    out.println("(no longer waiting for this turn; its replies may still come)");
                    return;
                }
                if (stop || key.kind() == Keyboard.Kind.INTERRUPT) {
                    stop();
                } else {
                    keyboard.hold(key);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Quit();
        }
        turn.join();
    }

    private void stop() {
        client.stop().whenComplete((x, e) -> {
            if (e != null) {
                out.println("Could not stop: " + message(e));
            }
        });
    }

    private boolean enter(String world, String chat) {
        try {
            Confirmation c = await(client.selectWorld(template, world, options.user(), chat));
            agents.clear();
            c.agents().forEach(a -> agents.put(a.id(), a));
            out.println("You are in \"" + c.worldName() + "\" (from " + c.templateName() + "), with "
                    + String.join(", ", c.agents().stream().map(AgentInfo::name).toList()) + ".");
            c.chats().stream().filter(x -> x.id().equals(c.chatId())).findFirst().ifPresent(x ->
                    out.println("Chat: " + describe(x) + "."));
            return true;
        } catch (CompletionException e) {
            out.println("Could not enter the world: " + message(e));
            return false;
        }
    }

    private void chat(String text) {
        try {
            awaitTurn(client.chat(text, new Replies()));
        } catch (CompletionException e) {
            out.println("Not sent: " + message(e));
        }
    }

    private boolean command(String line) {
        String[] words = line.split("\\s+", 3);
        try {
            switch (words[0]) {
                case "/help" -> out.println(HELP);
                case "/quit", "/exit" -> {
                    out.println("Bye.");
                    return false;
                }
                case "/worlds" -> worlds();
                case "/world" -> enter(arg(words, 1, "/world NAME"), null);
                case "/chats" -> {
                    String current = client.chatId();
                    await(client.listChats()).forEach(c -> out.println((c.id().equals(current) ? "* " : "  ")
                            + describe(c)));
                }
                case "/new-chat" -> out.println("New chat: " + describe(await(client.createChat(
                        words.length > 1 ? line.substring(line.indexOf(' ') + 1).strip() : null))) + ".");
                case "/chat" -> out.println("Chat: " + describe(await(client.selectChat(arg(words, 1, "/chat ID"))))
                        + ".");
                case "/agents" -> agents.values().forEach(a -> out.println("  " + a.name() + " (@" + a.id() + "), "
                        + a.status() + ", " + a.memorySize() + " remembered"));
                case "/agent" -> agent(words);
                case "/prompt" -> show(await(client.updateAgent(arg(words, 1, "/prompt NAME TEXT"),
                        null, arg(words, 2, "/prompt NAME TEXT"), null, false)), "prompt set");
                case "/clear" -> show(await(client.updateAgent(arg(words, 1, "/clear NAME"), null, null, null, true)),
                        "memory cleared");
                case "/reload" -> out.println("Reloaded: " + await(client.reloadWorld()) + " agents.");
                case "/export" -> export(words.length > 1 ? words[1] : null);
                // The world's turn, whoever started it; the server says when nothing runs.
                case "/stop" -> await(client.stop());
                default -> out.println("Unknown command " + words[0] + "; /help lists them.");
            }
        } catch (IllegalArgumentException e) {
            out.println(e.getMessage());
        } catch (CompletionException e) {
            out.println("Failed: " + message(e));
        }
        return true;
    }

    private void agent(String[] words) {
        String name = arg(words, 1, "/agent NAME [on|off]");
        if (words.length > 2) {
            String onOff = words[2].strip();
            if (!onOff.equals("on") && !onOff.equals("off")) {
                throw new IllegalArgumentException("Use /agent " + name + " on, or /agent " + name + " off.");
            }
            show(await(client.updateAgent(name, onOff.equals("on"), null, null, false)), "now " + onOff);
            return;
        }
        AgentInfo a = agents.values().stream().filter(x -> x.id().equalsIgnoreCase(name)
                || x.name().equalsIgnoreCase(name)).findFirst().orElse(null);
        if (a == null) {
            out.println("No agent \"" + name + "\"; /agents lists them.");
            return;
        }
        out.println(a.name() + " (@" + a.id() + "): " + a.status() + ", provider " + a.provider()
                + (a.model().isEmpty() ? "" : ", model " + a.model()) + ", " + a.llmCallCount() + " LLM calls, "
                + a.memorySize() + " remembered");
        out.println("System prompt:");
        out.println(a.systemPrompt().strip());
    }

    private static String describe(Chat c) {
        return c.id() + "  \"" + c.name() + "\", " + c.messageCount() + " messages";
    }

    private void show(AgentInfo a, String what) {
        agents.put(a.id(), a);
        out.println(a.name() + ": " + what + ".");
    }

    private void export(String file) {
        String markdown = await(client.exportWorld());
        if (file == null) {
            out.println(markdown);
            return;
        }
        try {
            Files.writeString(Path.of(file), markdown);
            out.println("Exported to " + file + ".");
        } catch (IOException e) {
            out.println("Could not write " + file + ": " + e.getMessage());
        }
    }

    private void worlds() {
        URI api = URI.create(options.url().toString().replaceFirst("^ws", "http").replaceFirst("/[^/]*$", ""));
        JsonObject templates = get(api.resolve("/api/templates"));
        JsonObject mine = get(api.resolve("/api/users/" + options.user() + "/worlds"));
        out.println("Templates:");
        if (templates != null) {
            for (JsonElement t : templates.getAsJsonArray("templates")) {
                JsonObject o = t.getAsJsonObject();
                out.println("  " + o.get("id").getAsString() + ": " + o.get("description").getAsString());
            }
        }
        out.println("Your worlds:");
        if (mine != null) {
            JsonArray list = mine.getAsJsonArray("worlds");
            list.forEach(w -> out.println("  " + w.getAsString()));
        }
    }

    private JsonObject get(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        if (options.token() != null) {
            b.header("Authorization", "Bearer " + options.token());
        }
        try {
            HttpResponse<String> r = await(http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString()));
            JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
            if (r.statusCode() != 200) {
                out.println("  (" + (o.has("error") ? o.get("error").getAsString() : "HTTP " + r.statusCode()) + ")");
                return null;
            }
            return o;
        } catch (CompletionException e) {
            out.println("  (could not reach " + uri + ": " + message(e) + ")");
            return null;
        } catch (JsonParseException | IllegalStateException e) {
            out.println("  (" + uri + " did not answer with JSON: " + e.getMessage() + ")");
            return null;
        }
    }

    private static String arg(String[] words, int i, String usage) {
        if (words.length <= i || words[i].isBlank()) {
            throw new IllegalArgumentException("Usage: " + usage);
        }
        return words[i].strip();
    }

    private static String message(Throwable e) {
        Throwable c = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        return c instanceof WorldLinkException w ? w.getMessage() + " (" + w.code() + ")" : c.toString();
    }

    /**
     * Prints one turn's replies as they stream, each behind its agent's name and on its own line; the
     * client hands them over one agent at a time.
     */
    private final class Replies implements ReplyListener {
        private boolean speaking;

        @Override
        public void onText(String agentName, String text) {
            synchronized (out) {
                if (!speaking) {
                    out.print("[" + agentName(agentName) + "] ");
                    speaking = true;
                }
                out.print(text);
                out.flush();
            }
        }

        @Override
        public void onReply(Reply reply) {
            synchronized (out) {
                if (!speaking) {
                    out.print("[" + agentName(reply.agentName()) + "] " + reply.content());
                }
                out.println(reply.stopped() ? " (stopped)" : "");
                speaking = false;
            }
        }
    }

    private String agentName(String id) {
        AgentInfo a = agents.get(id);
        return a == null ? id : a.name();
    }

    /** Shows what the server says besides the replies: models' errors, notices, a lost connection. */
    private final class Screen implements ClientListener {
        @Override
        public void onSystemMessage(SystemNotice notice) {
            // Errors with a code answer a request of this client, which shows them itself.
            if (notice.code() != null && !notice.code().equals("MODEL_ERROR")) {
                return;
            }
            if (notice.content().contains("turn is over")) {
                return;
            }
            out.println("(" + notice.level().wireName() + ") " + notice.content());
        }

        @Override
        public void onAgentUpdated(AgentInfo agent) {
            agents.put(agent.id(), agent);
        }

        @Override
        public void onStateChanged(ConnectionState state) {
            if (state == ConnectionState.RECONNECTING) {
                out.println("(connection lost; reconnecting...)");
            }
        }
    }
}
