package io.worldlink.jetty;

import io.worldlink.HmacTokens;
import io.worldlink.WorldLink;
import io.worldlink.jetty.internal.JettyModelTransport;
import io.worldlink.jetty.internal.OriginPolicy;
import io.worldlink.redis.ClusterNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Help;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine;

/**
 * The command line: {@code java -jar worldlink-server.jar [options]} serves WorldLink on Jetty with the
 * embedded defaults (the offline model, {@code ./data}); {@code mint-token USER_ID} prints a token for a
 * signed user. Every option can also come from the environment, and {@code --help} lists them all.
 */
public final class Launcher {
    /** How a person starts the server; the help's usage lines begin with it. */
    static final String COMMAND = "java -jar worldlink-server.jar";

    /** A command line that cannot be run as given: the message says why, the help what would run. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        private final String help;

        UsageException(String message, String help) {
            super(message);
            this.help = help;
        }

        /** {@return the help of the command that was asked for} */
        String help() {
            return help;
        }
    }

    /**
     * What the command line and the environment ask for.
     *
     * @param command {@code serve}, {@code mint-token} or {@code help}
     * @param help the help to show, for {@code help}
     * @param numbers the value of each whole-number option, by option name ({@code --port}, ...)
     * @param sync whether files are synced to disk
     * @param resume whether turns that a crash cut off are taken up again when their world loads
     * @param allowedModels the models clients may choose, by provider
     * @param redis the Redis of the cluster this node is one of, or {@code null} for a single node
     * @param nodeId this node's id in the cluster, or {@code null} for its host and port
     */
    record Options(String command, String help, Map<String, Integer> numbers, String host, String path, Path data,
            String provider, String authSecret, boolean insecure, boolean sync, boolean resume, String logLevel,
            String tokenUser,
            Map<String, List<String>> allowedModels, List<String> allowedOrigins, String redis, String nodeId) {
        /**
         * {@return its value}
         *
         * @param option a whole-number option, such as {@code --port}
         */
        int number(String option) {
            Integer n = numbers.get(option);
            if (n == null) {
                throw new IllegalArgumentException("There is no whole-number option " + option + ".");
            }
            return n;
        }

        int port() {
            return number("--port");
        }
    }

    private enum Kind { TEXT, NUMBER, FLAG }

    /**
     * One option: its name, the environment variable it is also read from, its default and its help. The
     * parser, the environment and the help are all made from these rows, so that they cannot disagree.
     *
     * @param shown what the help says the default is, or {@code null} to say nothing
     * @param envWhenOn for a flag, the value of its variable that turns it on
     */
    private record Setting(Kind kind, String option, String label, String env, String fallback, String shown,
            int min, int max, String envWhenOn, String help) {
        static Setting text(String option, String label, String env, String fallback, String help) {
            return new Setting(Kind.TEXT, option, label, env, fallback, fallback, 0, 0, null, help);
        }

        static Setting number(String option, String env, int fallback, int min, int max, String help) {
            String n = String.valueOf(fallback);
            return new Setting(Kind.NUMBER, option, "N", env, n, n, min, max, null, help);
        }

        static Setting flag(String option, String env, String envWhenOn, String help) {
            return new Setting(Kind.FLAG, option, null, env, null, null, 0, 0, envWhenOn, help);
        }

        /** {@return this setting, its default described in words rather than shown as its value} */
        Setting shownAs(String words) {
            return new Setting(kind, option, label, env, fallback, words, min, max, envWhenOn, help);
        }

        String description() {
            String variable = env == null ? "" : kind == Kind.FLAG ? " [" + env + "=" + envWhenOn + "]" : " [" + env + "]";
            return help + variable + (shown == null ? "" : " (default " + shown + ")");
        }

        OptionSpec spec() {
            OptionSpec.Builder b = OptionSpec.builder(option).description(description());
            if (kind == Kind.FLAG) {
                return b.type(boolean.class).defaultValue("false").build();
            }
            return b.type(String.class).paramLabel(label).defaultValue(fallback).build();
        }
    }

    /** Options shown together under a heading. */
    private record Section(String heading, List<Setting> settings) {}

    private static final Setting AUTH_SECRET = Setting.text("--auth-secret", "SECRET", "WORLDLINK_AUTH_SECRET", null,
            "secret (32+ characters) that signs user tokens; without it only anonymous (UUID) users can connect");
    private static final Setting TOKEN_SECRET = Setting.text(AUTH_SECRET.option(), "SECRET", AUTH_SECRET.env(), null,
            "the secret of the server the token is for");
    private static final Setting VALID_HOURS = Setting.number("--valid-hours", null, 24, 1, 24 * 365,
            "how long the token is valid, in hours");
    // Repeatable, and merged with its variable rather than replacing it: read apart from the others.
    private static final String ALLOW_MODELS = "--allow-models";
    private static final String ALLOW_MODELS_ENV = "WORLDLINK_ALLOW_MODELS";
    private static final String HELP = "--help";
    // Model calls under way at once, over all worlds (WorldLink's default), and connections to one model server.
    private static final int MODEL_CALLS = 256;
    // The models' HTTP client: a selector and the threads that read and hand on the streams.
    private static final int MODEL_THREADS = Math.max(4, Runtime.getRuntime().availableProcessors() + 2);

    private static final List<Section> SECTIONS = List.of(
            new Section("Server:", List.of(
                    Setting.text("--host", "HOST", "WORLDLINK_HOST", "127.0.0.1", "address to listen on; 0.0.0.0 for all"),
                    Setting.number("--port", "WORLDLINK_PORT", 8080, 0, 65535, "port, 0 for any free one"),
                    Setting.text("--path", "PATH", "WORLDLINK_PATH", "/ws", "WebSocket path"),
                    Setting.text("--data", "DIR", "WORLDLINK_DATA", "data",
                            "data root with worlds/ (templates) and users/; the shipped templates are copied into an "
                            + "empty one"),
                    Setting.flag("--no-sync", "WORLDLINK_SYNC", "false",
                            "do not sync files to disk (faster; a machine crash may lose the last events)"),
                    Setting.text("--log-level", "LEVEL", "WORLDLINK_LOG_LEVEL", "INFO",
                            "TRACE, DEBUG, INFO, WARN or ERROR"))),
            new Section("Models and replies:", List.of(
                    Setting.text("--provider", "NAME", "WORLDLINK_PROVIDER", "offline",
                            "provider of agents whose provider is \"default\": offline (built in), openai, ollama or "
                            + "openai-compatible"),
                    Setting.number("--offline-pace-ms", "WORLDLINK_OFFLINE_PACE_MS", 25, 0, 60_000,
                            "pause between the offline model's words, 0 for none"),
                    Setting.number("--model-first-byte-timeout-seconds", "WORLDLINK_MODEL_FIRST_BYTE_TIMEOUT_SECONDS",
                            60, 1, 3600, "how long an HTTP model (openai, ollama, openai-compatible) may take to start "
                            + "answering before the reply ends with MODEL_ERROR"),
                    Setting.number("--model-gap-timeout-seconds", "WORLDLINK_MODEL_GAP_TIMEOUT_SECONDS", 30, 1, 3600,
                            "how long an HTTP model may pause between two pieces of a reply"),
                    Setting.number("--reply-timeout-seconds", "WORLDLINK_REPLY_TIMEOUT_SECONDS", 120, 1, 86_400,
                            "how long any model may send nothing before its reply ends with MODEL_ERROR and the turn "
                            + "goes on"),
                    Setting.number("--memory-window", "WORLDLINK_MEMORY_WINDOW", 10, 0, 100_000,
                            "how many of an agent's latest remembered messages its model is sent"),
                    Setting.number("--memory-cap", "WORLDLINK_MEMORY_CAP", 200, 4, 1_000_000,
                            "how many messages an agent's memory holds before the oldest move to its archive"),
                    Setting.number("--memory-cap-chars", "WORLDLINK_MEMORY_CAP_CHARS", 64 * 1024, 1024, 2_000_000_000,
                            "how many characters an agent's memory holds over all its chats before the oldest "
                            + "messages move to its archive"),
                    Setting.flag("--no-resume", "WORLDLINK_RESUME", "false",
                            "end a turn that a crash cut off with a notice, instead of taking it up again when its "
                            + "world loads"),
                    Setting.number("--resume-within-minutes", "WORLDLINK_RESUME_WITHIN_MINUTES", 10, 0, 10_080,
                            "how old a turn that a crash cut off may be to be taken up again"))),
            new Section("Users and access:", List.of(
                    AUTH_SECRET,
                    Setting.flag("--insecure-trust-user-ids", "WORLDLINK_INSECURE", "true",
                            "development only: trust any claimed user id"),
                    Setting.number("--grace-seconds", "WORLDLINK_GRACE_SECONDS", 30, 0, 86_400,
                            "how long an anonymous user's folder outlives their last connection"),
                    Setting.text("--allowed-origins", "A,B", "WORLDLINK_ALLOWED_ORIGINS", "",
                            "web page origins, besides the server's own, that may open the WebSocket and POST to the "
                            + "API, such as https://chat.example.com; * for any")
                            .shownAs("none: pages of other sites get 403"))),
            new Section("Limits (past one, a client is told QUOTA_EXCEEDED and nothing is created):", List.of(
                    Setting.number("--max-connections", "WORLDLINK_MAX_CONNECTIONS", 10_000, 1, 100_000_000,
                            "connections at once"),
                    Setting.number("--max-network-connections", "WORLDLINK_MAX_NETWORK_CONNECTIONS", 11_000, 1,
                            100_000_000, "sockets at once, requests and WebSockets (past it none is accepted "
                            + "until one closes); keep it above --max-connections"),
                    Setting.number("--max-connections-per-address", "WORLDLINK_MAX_CONNECTIONS_PER_ADDRESS", 100, 1,
                            100_000_000, "connections from one address"),
                    Setting.number("--max-connections-per-user", "WORLDLINK_MAX_CONNECTIONS_PER_USER", 20, 1,
                            100_000_000, "connections in one user's worlds"),
                    Setting.number("--max-loaded-worlds", "WORLDLINK_MAX_LOADED_WORLDS", 10_000, 1, 100_000_000,
                            "worlds in memory"),
                    Setting.number("--max-worlds-per-user", "WORLDLINK_MAX_WORLDS_PER_USER", 100, 1, 1_000_000,
                            "worlds a signed user may have"),
                    Setting.number("--max-worlds-per-anonymous-user", "WORLDLINK_MAX_WORLDS_PER_ANONYMOUS_USER", 3, 1,
                            1_000_000, "worlds an anonymous user may have"),
                    Setting.number("--max-total-queued-chars", "WORLDLINK_MAX_TOTAL_QUEUED_CHARS", 64 * 1024 * 1024,
                            256, 2_000_000_000, "characters held for clients over all connections (frames waiting "
                            + "to be sent, requests waiting their turn); past it the clients holding the most are "
                            + "closed (1013) and an export is refused"),
                    Setting.number("--select-timeout-seconds", "WORLDLINK_SELECT_TIMEOUT_SECONDS", 30, 1, 86_400,
                            "time to select a world after connecting"),
                    Setting.number("--rate-limit", "WORLDLINK_RATE_LIMIT", 20, 1, 1_000_000,
                            "requests a second one connection may send (RATE_LIMITED past it)"),
                    Setting.number("--max-agents-per-world", "WORLDLINK_MAX_AGENTS_PER_WORLD", 16, 1, 10_000,
                            "agents one world may have (users add their own)"),
                    Setting.number("--max-prompt-chars", "WORLDLINK_MAX_PROMPT_CHARS", 16_384, 1, 10_000_000,
                            "the longest system prompt a client may give an agent"),
                    Setting.number("--max-log-mib", "WORLDLINK_MAX_LOG_MIB", 64, 1, 1_048_576,
                            "MiB a world's event log may hold; past it a client's message or change to the world is "
                            + "refused (QUOTA_EXCEEDED) and the turn under way still ends"),
                    Setting.number("--max-tokens", "WORLDLINK_MAX_TOKENS", 8192, 1, 10_000_000,
                            "the largest maxTokens a client may set"))),
            new Section("Cluster (several nodes behind a load balancer, on one Redis and one shared --data):", List.of(
                    Setting.text("--redis", "URI", "WORLDLINK_REDIS", null,
                            "the cluster's Redis, such as redis://127.0.0.1:6379; each world runs on one node and "
                            + "clients of every node reach it").shownAs("none: a single node"),
                    Setting.text("--node-id", "ID", "WORLDLINK_NODE_ID", null,
                            "this node's id, unique in the cluster and the same across its restarts")
                            .shownAs("this machine's name and --port"))));

    private static final Map<String, Setting> SETTINGS = settingsByOption();

    private Launcher() {}

    private static Map<String, Setting> settingsByOption() {
        Map<String, Setting> all = new LinkedHashMap<>();
        SECTIONS.forEach(s -> s.settings().forEach(row -> all.put(row.option(), row)));
        all.put(VALID_HOURS.option(), VALID_HOURS);
        return all;
    }

    /**
     * Serves WorldLink, prints a token or shows the help, as the command line asks; a command line that
     * cannot run is explained, with the help, and exits with 2.
     *
     * @param args the command line; {@code --help} describes it
     */
    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args, System.getenv());
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            System.err.println();
            System.err.print(e.help());
            System.exit(2);
            return;
        }
        switch (options.command()) {
            case "help" -> System.out.print(options.help());
            case "mint-token" -> System.out.println(HmacTokens.withSecret(options.authSecret())
                    .mint(options.tokenUser(), Duration.ofHours(options.number(VALID_HOURS.option()))));
            default -> serve(options, System.out);
        }
    }

    /**
     * Reads the command line, with the environment supplying what it leaves out.
     *
     * @param args the command line
     * @param env the environment ({@code WORLDLINK_PORT}, ...)
     * @return what to do
     * @throws UsageException when the command line or the environment asks for something impossible
     */
    static Options parse(String[] args, Map<String, String> env) throws UsageException {
        CommandLine line = commandLine(env);
        CommandLine mint = line.getSubcommands().get("mint-token");
        ParseResult parsed;
        try {
            parsed = line.parseArgs(args);
        } catch (ParameterException e) {
            throw new UsageException(problem(e), e.getCommandLine().getUsageMessage());
        }
        ParseResult sub = parsed.subcommand();
        if (parsed.isUsageHelpRequested() || (sub != null && sub.isUsageHelpRequested())) {
            return new Options("help", (sub == null ? line : mint).getUsageMessage(), Map.of(), null, null, null,
                    null, null, false, true, true, null, null, Map.of(), List.of(), null, null);
        }
        String help = (sub == null ? line : mint).getUsageMessage();
        Values main = new Values(line.getCommandSpec(), parsed, env, help);
        Map<String, Integer> numbers = new LinkedHashMap<>();
        for (Setting row : SETTINGS.values()) {
            if (row.kind() == Kind.NUMBER && row != VALID_HOURS) {
                numbers.put(row.option(), main.number(row));
            }
        }
        String secret = main.text(AUTH_SECRET);
        String tokenUser = null;
        if (sub != null) {
            Values token = new Values(mint.getCommandSpec(), sub, env, help);
            secret = token.text(TOKEN_SECRET) != null ? token.text(TOKEN_SECRET) : secret;
            numbers.put(VALID_HOURS.option(), token.number(VALID_HOURS));
            tokenUser = sub.matchedPositionalValue(0, null);
            if (secret == null) {
                throw new UsageException("mint-token needs the secret: --auth-secret or WORLDLINK_AUTH_SECRET.", help);
            }
        }
        if (secret != null && secret.length() < 32) {
            throw new UsageException("The auth secret must be at least 32 characters long.", help);
        }
        String level = main.required(SETTINGS.get("--log-level")).toUpperCase(Locale.ROOT);
        if (!List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(level)) {
            throw new UsageException(main.source(SETTINGS.get("--log-level")) + " must be TRACE, DEBUG, INFO, WARN or "
                    + "ERROR, not \"" + level + "\".", help);
        }
        List<String> allowed = new ArrayList<>();
        String allowedEnv = env.get(ALLOW_MODELS_ENV);
        if (allowedEnv != null && !allowedEnv.isBlank()) {
            allowed.addAll(List.of(allowedEnv.split(";")));
        }
        allowed.addAll(parsed.matchedOptionValue(ALLOW_MODELS, List.<String>of()));
        return new Options(sub == null ? "serve" : "mint-token", help, numbers, main.required(SETTINGS.get("--host")),
                main.required(SETTINGS.get("--path")), Path.of(main.required(SETTINGS.get("--data"))),
                main.required(SETTINGS.get("--provider")), secret, main.flag(SETTINGS.get("--insecure-trust-user-ids")),
                !main.flag(SETTINGS.get("--no-sync")), !main.flag(SETTINGS.get("--no-resume")), level, tokenUser,
                allowedModels(allowed, help),
                origins(main.text(SETTINGS.get("--allowed-origins")), help), main.text(SETTINGS.get("--redis")),
                main.text(SETTINGS.get("--node-id")));
    }

    /**
     * The command line's model, its environment variables as the defaults of the options they stand for.
     * The help comes from the rows, not from these defaults, so it shows the built-in ones.
     */
    private static CommandLine commandLine(Map<String, String> env) {
        CommandSpec serve = CommandSpec.create().name(COMMAND);
        SECTIONS.forEach(s -> s.settings().forEach(row -> serve.addOption(row.spec())));
        serve.addOption(OptionSpec.builder(ALLOW_MODELS).paramLabel("PROVIDER=M1,M2").type(List.class)
                .auxiliaryTypes(String.class).description("models clients may choose for a provider's agents; "
                        + "repeatable [" + ALLOW_MODELS_ENV + ", providers separated by ';'] (default the template's)")
                .build());
        serve.addOption(helpOption());
        serve.usageMessage()
                .customSynopsis(COMMAND + " [OPTION...]",
                        "       " + COMMAND + " mint-token USER_ID --auth-secret=SECRET [--valid-hours=N]")
                .description("", "Serves worlds of LLM agents over WebSocket, with a chat page and a REST API. Each "
                        + "option can also be written --name=value, or be set in the environment variable in "
                        + "brackets; the command line wins over the environment.")
                .footer("", "Model providers also read OPENAI_API_KEY, OPENAI_BASE_URL, OLLAMA_BASE_URL, "
                        + "OPENAI_COMPATIBLE_BASE_URL and OPENAI_COMPATIBLE_API_KEY.");

        CommandSpec mint = CommandSpec.create().name("mint-token");
        mint.addPositional(PositionalParamSpec.builder().paramLabel("USER_ID").type(String.class).required(true)
                .description("the signed user's id").build());
        mint.addOption(TOKEN_SECRET.spec());
        mint.addOption(VALID_HOURS.spec());
        mint.addOption(helpOption());
        mint.usageMessage().sortOptions(false).description("Prints a token that proves USER_ID to a server started with the same "
                + "--auth-secret.");

        mint.usageMessage().parameterListHeading("%nParameters:%n").optionListHeading("%nOptions:%n");
        serve.addSubcommand("mint-token", mint);

        CommandLine line = new CommandLine(serve);
        serve.usageMessage().commandListHeading("%nCommands:%n");
        line.getHelpSectionMap().put(UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> optionList(help, serve));
        for (CommandSpec spec : List.of(serve, mint)) {
            spec.usageMessage().width(100).longOptionsMaxWidth(36);
        }
        // Colours only where a terminal shows them would make the help differ between a terminal and a test.
        line.setColorScheme(Help.defaultColorScheme(Help.Ansi.OFF));
        // A user id or an origin may begin with @: never read arguments from a file named so.
        line.setExpandAtFiles(false);
        // The last of an option given twice wins, so that a script can add to a fixed command line.
        line.setOverwrittenOptionsAllowed(true);
        line.setDefaultValueProvider(arg -> arg instanceof OptionSpec o ? fromEnvironment(o.longestName(), env) : null);
        return line;
    }
    private static OptionSpec helpOption() {
        return OptionSpec.builder("-h", HELP).usageHelp(true).description("show this help").build();
    }

    // The options under their sections' headings, in the order of the rows.
    private static String optionList(Help help, CommandSpec spec) {
        StringBuilder out = new StringBuilder();
        for (Section section : SECTIONS) {
            Help.Layout layout = help.createDefaultLayout();
            section.settings().forEach(row -> layout.addOption(spec.findOption(row.option()),
                    help.parameterLabelRenderer()));
            if (section == SECTIONS.get(1)) {
                layout.addOption(spec.findOption(ALLOW_MODELS), help.parameterLabelRenderer());
            }
            if (section == SECTIONS.get(0)) {
                layout.addOption(spec.findOption(HELP), help.parameterLabelRenderer());
            }
            out.append(String.format("%n%s%n", section.heading())).append(layout);
        }
        return out.toString();
    }

    // An option's value from its environment variable; a blank variable counts as unset.
    private static String fromEnvironment(String option, Map<String, String> env) {
        Setting row = SETTINGS.get(option);
        String value = row == null || row.env() == null ? null : env.get(row.env());
        if (value == null || value.isBlank()) {
            return null;
        }
        if (row.kind() == Kind.FLAG) {
            // A value that is neither true nor false is refused when the options are read, by its name.
            return String.valueOf(value.strip().equalsIgnoreCase(row.envWhenOn()));
        }
        return value;
    }

    // picocli's own message, with its closest guesses at what was meant.
    private static String problem(ParameterException e) {
        List<String> guesses = e instanceof UnmatchedArgumentException u ? u.getSuggestions() : List.of();
        if (guesses.isEmpty()) {
            return e.getMessage() + ".";
        }
        guesses = guesses.subList(0, Math.min(3, guesses.size()));
        String last = guesses.get(guesses.size() - 1);
        return e.getMessage() + ". Did you mean " + (guesses.size() == 1 ? last
                : String.join(", ", guesses.subList(0, guesses.size() - 1)) + " or " + last) + "?";
    }

    /** The values of one command's options, each checked, and named by where it came from when it is wrong. */
    private static final class Values {
        private final CommandSpec spec;
        private final ParseResult parsed;
        private final Map<String, String> env;
        private final String help;

        Values(CommandSpec spec, ParseResult parsed, Map<String, String> env, String help) {
            this.spec = spec;
            this.parsed = parsed;
            this.env = env;
            this.help = help;
        }

        String text(Setting row) {
            String value = spec.findOption(row.option()).getValue();
            return value == null || value.isBlank() ? null : value.strip();
        }

        String required(Setting row) throws UsageException {
            String value = text(row);
            if (value == null) {
                throw new UsageException(row.option() + " must not be empty.", help);
            }
            return value;
        }

        boolean flag(Setting row) throws UsageException {
            if (!parsed.hasMatchedOption(row.option()) && fromEnvironment(row.option(), env) != null) {
                String value = env.get(row.env()).strip();
                if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                    throw new UsageException(row.env() + " must be true or false, not \"" + value + "\".", help);
                }
            }
            return spec.findOption(row.option()).<Boolean>getValue();
        }

        int number(Setting row) throws UsageException {
            String value = spec.findOption(row.option()).getValue();
            try {
                int n = Integer.parseInt(value.strip());
                if (n < row.min() || n > row.max()) {
                    throw new NumberFormatException();
                }
                return n;
            } catch (NumberFormatException e) {
                throw new UsageException(source(row) + " must be a whole number from " + row.min() + " to "
                        + row.max() + ", not \"" + value + "\".", help);
            }
        }

        /** {@return the option's name, or its environment variable's when the value came from there} */
        String source(Setting row) {
            return parsed.hasMatchedOption(row.option()) || fromEnvironment(row.option(), env) == null ? row.option()
                    : row.env();
        }
    }

    // PROVIDER=M1,M2 each.
    private static Map<String, List<String>> allowedModels(List<String> specs, String help) throws UsageException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            List<String> models = eq < 0 ? List.of() : List.of(spec.substring(eq + 1).split(",")).stream()
                    .map(String::strip).filter(m -> !m.isEmpty()).toList();
            if (eq <= 0 || models.isEmpty()) {
                throw new UsageException("--allow-models takes PROVIDER=MODEL1,MODEL2, such as openai=gpt-4o-mini,gpt-4o;"
                        + " not \"" + spec + "\".", help);
            }
            out.computeIfAbsent(spec.substring(0, eq).strip(), p -> new ArrayList<>()).addAll(models);
        }
        return out;
    }

    private static List<String> origins(String commaSeparated, String help) throws UsageException {
        if (commaSeparated == null) {
            return List.of();
        }
        List<String> origins = Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(o -> !o.isEmpty())
                .toList();
        try {
            OriginPolicy.of(origins);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--allowed-origins: " + e.getMessage(), help);
        }
        return origins;
    }

    /**
     * Builds the WorldLink the options describe.
     *
     * @param o the options
     * @return the WorldLink builder
     */
    static WorldLink.Builder worldLink(Options o) {
        WorldLink.Builder b = WorldLink.builder()
                .dataRoot(o.data())
                .defaultProvider(o.provider())
                .offlinePace(Duration.ofMillis(o.number("--offline-pace-ms")))
                .modelTimeouts(Duration.ofSeconds(o.number("--model-first-byte-timeout-seconds")),
                        Duration.ofSeconds(o.number("--model-gap-timeout-seconds")))
                .replyTimeout(Duration.ofSeconds(o.number("--reply-timeout-seconds")))
                .memory(o.number("--memory-window"), o.number("--memory-cap"))
                .maxMemoryChars(o.number("--memory-cap-chars"))
                .interruptedTurns(o.resume(), Duration.ofMinutes(o.number("--resume-within-minutes")))
                .anonymousGracePeriod(Duration.ofSeconds(o.number("--grace-seconds")))
                .rateLimit(o.number("--rate-limit"), 2 * o.number("--rate-limit"))
                .trustClaimedUserIds(o.insecure())
                .syncWrites(o.sync())
                .maxConnections(o.number("--max-connections"))
                .maxConnectionsPerAddress(o.number("--max-connections-per-address"))
                .maxConnectionsPerUser(o.number("--max-connections-per-user"))
                .maxLoadedWorlds(o.number("--max-loaded-worlds"))
                .maxTotalQueuedChars(o.number("--max-total-queued-chars"))
                .maxWorldsPerUser(o.number("--max-worlds-per-user"), o.number("--max-worlds-per-anonymous-user"))
                .selectTimeout(Duration.ofSeconds(o.number("--select-timeout-seconds")))
                .maxTokensCap(o.number("--max-tokens"))
                .maxAgentsPerWorld(o.number("--max-agents-per-world"))
                .maxSystemPromptChars(o.number("--max-prompt-chars"))
                .maxLogBytes(o.number("--max-log-mib") * 1024L * 1024)
                .maxConcurrentModelCalls(MODEL_CALLS);
        o.allowedModels().forEach((provider, models) -> b.allowModels(provider, models.toArray(String[]::new)));
        if (o.authSecret() != null) {
            b.authenticator(HmacTokens.withSecret(o.authSecret()));
        }
        return b;
    }

    // A node's id outlives its process: a restarted node finds the worlds it held as its own.
    static String nodeId(Options o) {
        if (o.nodeId() != null) {
            return o.nodeId();
        }
        if (o.port() == 0) {
            throw new IllegalArgumentException("A node of a cluster on any free port (--port 0) needs --node-id.");
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = o.host();
        }
        String id = (host + "-" + o.port()).replaceAll("[^A-Za-z0-9._-]", "-");
        return id.length() <= 64 ? id : id.substring(id.length() - 64);
    }

    private static void serve(Options o, PrintStream out) {
        System.setProperty("ROOT.LEVEL", o.logLevel());
        System.setProperty("io.worldlink.LEVEL", o.logLevel());
        WorldLinkMetrics metrics = WorldLinkMetrics.create();
        JettyModelTransport models;
        try {
            Duration firstByte = Duration.ofSeconds(o.number("--model-first-byte-timeout-seconds"));
            Duration gap = Duration.ofSeconds(o.number("--model-gap-timeout-seconds"));
            models = JettyModelTransport.start(firstByte,
                    (firstByte.compareTo(gap) > 0 ? firstByte : gap).plusSeconds(30), MODEL_CALLS, MODEL_THREADS);
        } catch (Exception e) {
            System.err.println("Could not start the HTTP client for the models: " + e.getMessage());
            System.exit(1);
            return;
        }
        ClusterNode node = null;
        WorldLink link;
        try {
            WorldLink.Builder b = worldLink(o).metrics(metrics).modelTransport(models);
            if (o.redis() != null) {
                node = ClusterNode.builder().redis(o.redis()).nodeId(nodeId(o)).dataRoot(o.data()).build();
                b.cluster(node);
            }
            link = b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println(e.getMessage());
            if (node != null) {
                node.close();
            }
            models.close();
            System.exit(2);
            return;
        }
        ClusterNode cluster = node;
        Path worlds = o.data().resolve("worlds");
        List<String> copied = List.of();
        if (link.templates().isEmpty()) {
            try {
                copied = ShippedTemplates.copyInto(worlds);
            } catch (IOException e) {
                System.err.println("Could not copy the shipped templates into " + worlds.toAbsolutePath() + ": " + e
                        + ". The server starts without templates; pass --data with a folder that has them.");
            }
        }
        WorldLinkServer server = WorldLinkServer.builder(link).host(o.host()).port(o.port()).path(o.path())
                .maxNetworkConnections(o.number("--max-network-connections")).allowedOrigins(o.allowedOrigins()).metrics(metrics).dataRoot(o.data()).build();
        try {
            server.start();
        } catch (Exception e) {
            System.err.println("Could not start the server on " + o.host() + ":" + o.port() + ": " + e.getMessage());
            link.close();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            link.close();
            if (cluster != null) {
                cluster.close();
            }
            models.close();
            stopped.countDown();
        }, "worldlink-shutdown"));
        out.println(banner(o, link, server, copied));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * {@return what the server says when it has started}
     *
     * @param copied the shipped templates that were just copied into the data root, which had none
     */
    static String banner(Options o, WorldLink link, WorldLinkServer server, List<String> copied) {
        String http = "http://" + server.webSocketUri().getHost() + ":" + server.port();
        String provider = link.defaultProvider();
        StringBuilder sb = new StringBuilder();
        sb.append("WorldLink is listening on ").append(server.webSocketUri()).append('\n');
        sb.append("  Web page:  ").append(http).append("/\n");
        sb.append("  REST API:  ").append(http).append("/api/templates\n");
        sb.append("  Metrics:   ").append(http).append("/metrics (Prometheus), ").append(http)
                .append("/health/ready\n");
        sb.append("  Data:      ").append(o.data().toAbsolutePath().normalize()).append(" (templates: ")
                .append(link.templates().isEmpty() ? "none found; pass --data" : String.join(", ", link.templates()))
                .append(")\n");
        if (!copied.isEmpty()) {
            sb.append("  Templates: ").append(o.data().resolve("worlds").toAbsolutePath().normalize())
                    .append(" had none, so the shipped ones were copied there (no file overwritten)\n");
        }
        sb.append("  Model:     agents with provider \"default\" use \"").append(provider).append('"')
                .append(provider.equals("offline") ? " (built in: no network, no API key)" : "").append('\n');
        sb.append("  Auth:      ").append(o.insecure() ? "INSECURE, claimed user ids are trusted (development only)"
                : o.authSecret() != null ? "on: signed users need a token (mint-token USER)"
                : "off: anonymous (UUID) users only").append('\n');
        sb.append("  Disk:      ").append(o.sync() ? "every event synced before clients see it"
                : "NOT synced (--no-sync): a machine crash may lose the last events").append('\n');
        sb.append("Press Ctrl+C to stop.");
        return sb.toString();
    }
}
