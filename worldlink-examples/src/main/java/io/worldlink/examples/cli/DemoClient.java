package io.worldlink.examples.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.MessageEvent;
import io.worldlink.WorldActionEvent;
import io.worldlink.WorldEvent;
import io.worldlink.WorldLinkException;
import io.worldlink.client.AgentInfo;
import io.worldlink.client.ChatResponse;
import io.worldlink.client.ClientListener;
import io.worldlink.client.Confirmation;
import io.worldlink.client.ConnectionState;
import io.worldlink.client.SystemNotice;
import io.worldlink.client.WorldLinkClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;

/**
 * The interactive terminal client: choose a world, chat, and watch each agent's reply stream in.
 * Slash commands manage the world ({@code /help} lists them).
 *
 * <p>Run against a running server: {@code java -jar worldlink-examples/target/worldlink-examples.jar
 * [--url ws://127.0.0.1:8080/ws] [--template default-world] [--world my-world] [--user ID] [--token T]}
 */
public final class DemoClient {
    static final String HELP = """
            Type a message to chat; @name at the start of a line picks who answers.
              /help                  this help
              /worlds                the templates and your worlds
              /world NAME            switch to your world NAME (cloned from the current template if new)
              /agents                the agents of this world
              /agent NAME            one agent's details
              /agent NAME on|off     switch an agent on or off
              /prompt NAME TEXT      set an agent's system prompt
              /clear NAME            clear an agent's memory
              /reload                read the world again from disk
              /export [FILE]         the world as Markdown (printed, or written to FILE)
              /quit                  leave""";

    /** What the command line asks for. */
    record Options(URI url, String template, String world, String user, String token) {}

    private final Options options;
    private final PrintStream out;
    private final Screen screen;
    private final Map<String, AgentInfo> agents = new ConcurrentSkipListMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private String template;

    private DemoClient(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.screen = new Screen();
        this.template = options.template();
    }

    /**
     * @param args the command line
     */
    public static void main(String[] args) {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.exit(run(in, System.out, o));
    }

    static Options parse(String[] args) {
        String url = "ws://127.0.0.1:8080/ws";
        String template = "default-world";
        String world = "my-world";
        String user = UUID.randomUUID().toString();
        String token = System.getenv("WORLDLINK_TOKEN");
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--url" -> url = need(value, "--url");
                case "--template" -> template = need(value, "--template");
                case "--world" -> world = need(value, "--world");
                case "--user" -> user = need(value, "--user");
                case "--token" -> token = need(value, "--token");
                default -> throw new IllegalArgumentException("Unknown option \"" + args[i] + "\". Options: --url, "
                        + "--template, --world, --user, --token.");
            }
            i++;
        }
        return new Options(URI.create(url), template, world, user, token);
    }

    private static String need(String value, String option) {
        if (value == null) {
            throw new IllegalArgumentException(option + " needs a value.");
        }
        return value;
    }

    /**
     * Runs the client until {@code /quit} or the end of the input.
     *
     * @param in the user's lines
     * @param out where the conversation is shown
     * @param options where to connect and which world
     * @return the exit status
     */
    static int run(BufferedReader in, PrintStream out, Options options) {
        return new DemoClient(options, out).loop(in);
    }

    private int loop(BufferedReader in) {
        try (WorldLinkClient client = WorldLinkClient.builder(options.url()).token(options.token()).listener(screen)
                .build()) {
            if (!enter(client, options.world())) {
                return 1;
            }
            out.println("Type /help for commands.");
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null) {
                    return 0;
                }
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                if (line.startsWith("/")) {
                    if (!command(client, line)) {
                        return 0;
                    }
                } else {
                    chat(client, line);
                }
            }
        } catch (IOException e) {
            out.println("Could not read the input: " + e.getMessage());
            return 1;
        }
    }

    private boolean enter(WorldLinkClient client, String world) {
        try {
            Confirmation c = client.selectWorld(template, world, options.user()).join();
            agents.clear();
            c.agents().forEach(a -> agents.put(a.id(), a));
            out.println("You are in \"" + c.worldName() + "\" (from " + c.templateName() + "), with "
                    + String.join(", ", c.agents().stream().map(AgentInfo::name).toList()) + ".");
            return true;
        } catch (CompletionException e) {
            out.println("Could not enter the world: " + message(e));
            return false;
        }
    }

    private void chat(WorldLinkClient client, String text) {
        try {
            MessageEvent sent = client.send(text).join();
            screen.awaitTurn(sent.id());
        } catch (CompletionException e) {
            out.println("Not sent: " + message(e));
        }
    }

    private boolean command(WorldLinkClient client, String line) {
        String[] words = line.split("\\s+", 3);
        try {
            switch (words[0]) {
                case "/help" -> out.println(HELP);
                case "/quit", "/exit" -> {
                    out.println("Bye.");
                    return false;
                }
                case "/worlds" -> worlds();
                case "/world" -> enter(client, arg(words, 1, "/world NAME"));
                case "/agents" -> agents.values().forEach(a -> out.println("  " + a.name() + " (@" + a.id() + "), "
                        + a.status() + ", " + a.memorySize() + " remembered"));
                case "/agent" -> agent(client, words);
                case "/prompt" -> show(client.updateAgent(arg(words, 1, "/prompt NAME TEXT"),
                        null, arg(words, 2, "/prompt NAME TEXT"), null, false).join(), "prompt set");
                case "/clear" -> show(client.updateAgent(arg(words, 1, "/clear NAME"), null, null, null, true).join(),
                        "memory cleared");
                case "/reload" -> out.println("Reloaded: " + client.reloadWorld().join() + " agents.");
                case "/export" -> export(client, words.length > 1 ? words[1] : null);
                default -> out.println("Unknown command " + words[0] + "; /help lists them.");
            }
        } catch (IllegalArgumentException e) {
            out.println(e.getMessage());
        } catch (CompletionException e) {
            out.println("Failed: " + message(e));
        }
        return true;
    }

    private void agent(WorldLinkClient client, String[] words) {
        String name = arg(words, 1, "/agent NAME [on|off]");
        if (words.length > 2) {
            String onOff = words[2].strip();
            if (!onOff.equals("on") && !onOff.equals("off")) {
                throw new IllegalArgumentException("Use /agent " + name + " on, or /agent " + name + " off.");
            }
            show(client.updateAgent(name, onOff.equals("on"), null, null, false).join(), "now " + onOff);
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

    private void show(AgentInfo a, String what) {
        agents.put(a.id(), a);
        out.println(a.name() + ": " + what + ".");
    }

    private void export(WorldLinkClient client, String file) {
        String markdown = client.exportWorld().join();
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
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
            if (r.statusCode() != 200) {
                out.println("  (" + o.get("error").getAsString() + ")");
                return null;
            }
            return o;
        } catch (IOException | RuntimeException e) {
            out.println("  (could not reach " + uri + ": " + e.getMessage() + ")");
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
     * Shows the conversation: one agent's reply streams live while the others' wait their turn, so
     * replies never interleave on the screen.
     */
    private final class Screen implements ClientListener {
        private final Map<String, StringBuilder> waiting = new LinkedHashMap<>();
        private final Map<String, String> names = new LinkedHashMap<>();
        private final Deque<String> finished = new ArrayDeque<>();
        private final Map<String, CompletableFuture<Void>> turns = new ConcurrentHashMap<>();
        private String live;
        private boolean livePrinted;

        void awaitTurn(String messageId) {
            try {
                turns.computeIfAbsent(messageId, k -> new CompletableFuture<>()).get(5, TimeUnit.MINUTES);
            } catch (Exception e) {
                out.println("(the turn did not end: " + e + ")");
            } finally {
                turns.remove(messageId);
            }
        }

        @Override
        public synchronized void onChatResponse(ChatResponse r) {
            names.put(r.messageId(), r.agentName());
            if (live == null) {
                live = r.messageId();
                livePrinted = false;
                out.print("[" + agentName(r.agentName()) + "] ");
            }
            if (r.messageId().equals(live)) {
                if (r.complete()) {
                    out.println(livePrinted ? "" : r.content());
                    live = null;
                    next();
                } else {
                    out.print(r.content());
                    livePrinted = true;
                }
            } else {
                StringBuilder sb = waiting.computeIfAbsent(r.messageId(), k -> new StringBuilder());
                if (r.complete()) {
                    sb.setLength(0);
                    sb.append(r.content());
                    finished.add(r.messageId());
                } else {
                    sb.append(r.content());
                }
            }
            out.flush();
        }

        // Shows what the next agent said while another one was on screen.
        private void next() {
            while (!waiting.isEmpty()) {
                String id = waiting.keySet().iterator().next();
                StringBuilder sb = waiting.remove(id);
                out.print("[" + agentName(names.get(id)) + "] " + sb);
                if (finished.remove(id)) {
                    out.println();
                } else {
                    live = id;
                    livePrinted = true;
                    return;
                }
            }
        }

        private String agentName(String id) {
            AgentInfo a = agents.get(id);
            return a == null ? id : a.name();
        }

        @Override
        public void onEvent(WorldEvent event) {
            if (event instanceof WorldActionEvent w && w.action().equals(WorldActionEvent.IDLE)) {
                Object started = w.details().get("messageId");
                if (started != null) {
                    turns.computeIfAbsent(started.toString(), k -> new CompletableFuture<>()).complete(null);
                }
            }
        }

        @Override
        public void onSystemMessage(SystemNotice notice) {
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
