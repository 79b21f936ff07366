package io.worldlink.jetty;

import io.worldlink.HmacTokens;
import io.worldlink.WorldLink;
import io.worldlink.jetty.internal.OriginPolicy;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The command line: {@code java -jar worldlink-server.jar [options]} serves WorldLink on Jetty with the
 * embedded defaults (the offline model, {@code ./data}); {@code mint-token USER} prints a token for a
 * signed user. Every option can also come from the environment.
 */
public final class Launcher {
    static final String USAGE = """
            Usage: java -jar worldlink-server.jar [options]
                   java -jar worldlink-server.jar mint-token USER_ID [--valid-hours N]

            Options (each also read from the environment variable in brackets):
              --host HOST          address to listen on [WORLDLINK_HOST] (default 127.0.0.1; 0.0.0.0 for all)
              --port PORT          port, 0 for any free one [WORLDLINK_PORT] (default 8080)
              --path PATH          WebSocket path [WORLDLINK_PATH] (default /ws)
              --data DIR           data root with worlds/ and users/ [WORLDLINK_DATA] (default ./data)
              --provider NAME      provider of agents whose provider is "default" [WORLDLINK_PROVIDER]
                                   (default offline; also openai, ollama, openai-compatible)
              --offline-pace-ms N  pause between the offline model's words [WORLDLINK_OFFLINE_PACE_MS] (default 25)
              --auth-secret S      secret (32+ characters) that signs user tokens [WORLDLINK_AUTH_SECRET];
                                   without it only anonymous (UUID) users can connect
              --insecure-trust-user-ids
                                   development only: trust any claimed user id [WORLDLINK_INSECURE=true]
              --grace-seconds N    how long an anonymous user's folder outlives them [WORLDLINK_GRACE_SECONDS] (default 30)
              --rate-limit N       requests a second one connection may send [WORLDLINK_RATE_LIMIT] (default 20)
              --no-sync            do not sync files to disk (faster; a machine crash may lose the last
                                   events) [WORLDLINK_SYNC=false]

            Limits (past one a client is told QUOTA_EXCEEDED and nothing is created):
              --max-connections N            connections at once [WORLDLINK_MAX_CONNECTIONS] (default 10000)
              --max-connections-per-address N  from one address [WORLDLINK_MAX_CONNECTIONS_PER_ADDRESS] (default 100)
              --max-connections-per-user N   in one user's worlds [WORLDLINK_MAX_CONNECTIONS_PER_USER] (default 20)
              --max-loaded-worlds N          worlds in memory [WORLDLINK_MAX_LOADED_WORLDS] (default 10000)
              --max-worlds-per-user N        worlds a signed user may have [WORLDLINK_MAX_WORLDS_PER_USER] (default 100)
              --max-worlds-per-anonymous-user N  [WORLDLINK_MAX_WORLDS_PER_ANONYMOUS_USER] (default 3)
              --select-timeout-seconds N     to select a world after connecting [WORLDLINK_SELECT_TIMEOUT_SECONDS] (default 30)
              --max-tokens N                 the largest maxTokens a client may set [WORLDLINK_MAX_TOKENS] (default 8192)
              --allow-models PROVIDER=M1,M2  models clients may choose for a provider's agents; repeatable
                                   [WORLDLINK_ALLOW_MODELS, providers separated by ';'] (default: the template's)
              --allowed-origins A,B
                                   web page origins, besides the server's own, that may open the WebSocket and
                                   POST to the API, such as https://chat.example.com; * for any
                                   [WORLDLINK_ALLOWED_ORIGINS] (default none: pages of other sites get 403)
              --log-level LEVEL    TRACE, DEBUG, INFO, WARN or ERROR [WORLDLINK_LOG_LEVEL] (default INFO)
              --help               show this help

            Model providers read OPENAI_API_KEY, OPENAI_BASE_URL, OLLAMA_BASE_URL,
            OPENAI_COMPATIBLE_BASE_URL and OPENAI_COMPATIBLE_API_KEY.
            """;

    /** A command line that cannot be run as given; the message says why. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    /**
     * What the command line and the environment ask for.
     *
     * @param limits the value of each option of {@link #LIMITS}, by option name
     * @param sync whether files are synced to disk
     * @param allowedModels the models clients may choose, by provider
     */
    record Options(String command, String host, int port, String path, Path data, String provider, int offlinePaceMs,
            String authSecret, boolean insecure, int graceSeconds, int rateLimit, String logLevel, String tokenUser,
            int validHours, Map<String, Integer> limits, boolean sync, Map<String, List<String>> allowedModels,
            List<String> allowedOrigins) {}

    /** A limit the launcher hands to WorldLink: its option, environment variable, default and range. */
    private record Limit(String option, String env, int fallback, int min, int max) {}

    private static final List<Limit> LIMITS = List.of(
            new Limit("--max-connections", "WORLDLINK_MAX_CONNECTIONS", 10_000, 1, 100_000_000),
            new Limit("--max-connections-per-address", "WORLDLINK_MAX_CONNECTIONS_PER_ADDRESS", 100, 1, 100_000_000),
            new Limit("--max-connections-per-user", "WORLDLINK_MAX_CONNECTIONS_PER_USER", 20, 1, 100_000_000),
            new Limit("--max-loaded-worlds", "WORLDLINK_MAX_LOADED_WORLDS", 10_000, 1, 100_000_000),
            new Limit("--max-worlds-per-user", "WORLDLINK_MAX_WORLDS_PER_USER", 100, 1, 1_000_000),
            new Limit("--max-worlds-per-anonymous-user", "WORLDLINK_MAX_WORLDS_PER_ANONYMOUS_USER", 3, 1, 1_000_000),
            new Limit("--select-timeout-seconds", "WORLDLINK_SELECT_TIMEOUT_SECONDS", 30, 1, 86_400),
            new Limit("--max-tokens", "WORLDLINK_MAX_TOKENS", 8192, 1, 10_000_000));

    private Launcher() {}

    /**
     * @param args the command line
     */
    public static void main(String[] args) {
        Options options;
        try {
            options = parse(args, System.getenv());
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            System.err.println();
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        switch (options.command()) {
            case "help" -> System.out.print(USAGE);
            case "mint-token" -> System.out.println(HmacTokens.withSecret(options.authSecret())
                    .mint(options.tokenUser(), Duration.ofHours(options.validHours())));
            default -> serve(options, System.out);
        }
    }

    static Options parse(String[] args, Map<String, String> env) throws UsageException {
        String command = "serve";
        String host = env.getOrDefault("WORLDLINK_HOST", "127.0.0.1");
        String port = env.getOrDefault("WORLDLINK_PORT", "8080");
        String path = env.getOrDefault("WORLDLINK_PATH", "/ws");
        String data = env.getOrDefault("WORLDLINK_DATA", "data");
        String provider = env.get("WORLDLINK_PROVIDER");
        String pace = env.getOrDefault("WORLDLINK_OFFLINE_PACE_MS", "25");
        String secret = env.get("WORLDLINK_AUTH_SECRET");
        boolean insecure = Boolean.parseBoolean(env.getOrDefault("WORLDLINK_INSECURE", "false"));
        String grace = env.getOrDefault("WORLDLINK_GRACE_SECONDS", "30");
        String rate = env.getOrDefault("WORLDLINK_RATE_LIMIT", "20");
        String level = env.getOrDefault("WORLDLINK_LOG_LEVEL", "INFO");
        String origins = env.getOrDefault("WORLDLINK_ALLOWED_ORIGINS", "");
        String tokenUser = null;
        String validHours = "24";
        boolean sync = Boolean.parseBoolean(env.getOrDefault("WORLDLINK_SYNC", "true"));
        Map<String, String> limits = new LinkedHashMap<>();
        for (Limit l : LIMITS) {
            limits.put(l.option(), env.getOrDefault(l.env(), String.valueOf(l.fallback())));
        }
        List<String> allowed = new ArrayList<>();
        String allowedEnv = env.get("WORLDLINK_ALLOW_MODELS");
        if (allowedEnv != null && !allowedEnv.isBlank()) {
            allowed.addAll(List.of(allowedEnv.split(";")));
        }
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (limits.containsKey(a)) {
                limits.put(a, value(args, ++i, a));
                continue;
            }
            switch (a) {
                case "--no-sync" -> sync = false;
                case "--allow-models" -> allowed.add(value(args, ++i, a));
                case "--help", "-h" -> command = "help";
                case "--host" -> host = value(args, ++i, a);
                case "--port" -> port = value(args, ++i, a);
                case "--path" -> path = value(args, ++i, a);
                case "--data" -> data = value(args, ++i, a);
                case "--provider" -> provider = value(args, ++i, a);
                case "--offline-pace-ms" -> pace = value(args, ++i, a);
                case "--auth-secret" -> secret = value(args, ++i, a);
                case "--insecure-trust-user-ids" -> insecure = true;
                case "--grace-seconds" -> grace = value(args, ++i, a);
                case "--rate-limit" -> rate = value(args, ++i, a);
                case "--log-level" -> level = value(args, ++i, a);
                case "--allowed-origins" -> origins = value(args, ++i, a);
                case "--valid-hours" -> validHours = value(args, ++i, a);
                case "mint-token" -> {
                    command = "mint-token";
                    tokenUser = value(args, ++i, a);
                }
                default -> throw new UsageException("Unknown option \"" + a + "\".");
            }
        }
        if (command.equals("mint-token") && (secret == null || secret.isBlank())) {
            throw new UsageException("mint-token needs the secret: --auth-secret or WORLDLINK_AUTH_SECRET.");
        }
        if (secret != null && secret.length() < 32) {
            throw new UsageException("The auth secret must be at least 32 characters long.");
        }
        level = level.toUpperCase(Locale.ROOT);
        if (!java.util.List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR").contains(level)) {
            throw new UsageException("--log-level must be TRACE, DEBUG, INFO, WARN or ERROR, not \"" + level + "\".");
        }
        Map<String, Integer> limitValues = new LinkedHashMap<>();
        for (Limit l : LIMITS) {
            limitValues.put(l.option(), number(limits.get(l.option()), l.option(), l.min(), l.max()));
        }
        return new Options(command, host, number(port, "--port", 0, 65535), path, Path.of(data), provider,
                number(pace, "--offline-pace-ms", 0, 60_000), secret, insecure, number(grace, "--grace-seconds", 0,
                        86_400), number(rate, "--rate-limit", 1, 1_000_000), level, tokenUser,
                number(validHours, "--valid-hours", 1, 24 * 365), limitValues, sync, allowedModels(allowed),
                origins(origins));
    }

    // PROVIDER=M1,M2 each.
    private static Map<String, List<String>> allowedModels(List<String> specs) throws UsageException {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            List<String> models = eq < 0 ? List.of() : List.of(spec.substring(eq + 1).split(",")).stream()
                    .map(String::strip).filter(m -> !m.isEmpty()).toList();
            if (eq <= 0 || models.isEmpty()) {
                throw new UsageException("--allow-models takes PROVIDER=MODEL1,MODEL2, such as openai=gpt-4o-mini,gpt-4o;"
                        + " not \"" + spec + "\".");
            }
            out.computeIfAbsent(spec.substring(0, eq).strip(), p -> new ArrayList<>()).addAll(models);
        }
        return out;
    }

    private static List<String> origins(String commaSeparated) throws UsageException {
        List<String> origins = Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(o -> !o.isEmpty())
                .toList();
        try {
            OriginPolicy.of(origins);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--allowed-origins: " + e.getMessage());
        }
        return origins;
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value.");
        }
        return args[i];
    }

    private static int number(String value, String option, int min, int max) throws UsageException {
        try {
            int n = Integer.parseInt(value.strip());
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " must be a whole number from " + min + " to " + max + ", not \""
                    + value + "\".");
        }
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
                .offlinePace(Duration.ofMillis(o.offlinePaceMs()))
                .anonymousGracePeriod(Duration.ofSeconds(o.graceSeconds()))
                .rateLimit(o.rateLimit(), 2 * o.rateLimit())
                .trustClaimedUserIds(o.insecure())
                .syncWrites(o.sync())
                .maxConnections(o.limits().get("--max-connections"))
                .maxConnectionsPerAddress(o.limits().get("--max-connections-per-address"))
                .maxConnectionsPerUser(o.limits().get("--max-connections-per-user"))
                .maxLoadedWorlds(o.limits().get("--max-loaded-worlds"))
                .maxWorldsPerUser(o.limits().get("--max-worlds-per-user"),
                        o.limits().get("--max-worlds-per-anonymous-user"))
                .selectTimeout(Duration.ofSeconds(o.limits().get("--select-timeout-seconds")))
                .maxTokensCap(o.limits().get("--max-tokens"));
        o.allowedModels().forEach((provider, models) -> b.allowModels(provider, models.toArray(String[]::new)));
        if (o.provider() != null && !o.provider().isBlank()) {
            b.defaultProvider(o.provider());
        }
        if (o.authSecret() != null) {
            b.authenticator(HmacTokens.withSecret(o.authSecret()));
        }
        return b;
    }

    private static void serve(Options o, PrintStream out) {
        System.setProperty("ROOT.LEVEL", o.logLevel());
        System.setProperty("io.worldlink.LEVEL", o.logLevel());
        WorldLinkMetrics metrics = WorldLinkMetrics.create();
        WorldLink link;
        try {
            link = worldLink(o).metrics(metrics).build();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        WorldLinkServer server = WorldLinkServer.builder(link).host(o.host()).port(o.port()).path(o.path())
                .allowedOrigins(o.allowedOrigins()).metrics(metrics).dataRoot(o.data()).build();
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
            stopped.countDown();
        }, "worldlink-shutdown"));
        out.println(banner(o, link, server));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String banner(Options o, WorldLink link, WorldLinkServer server) {
        String http = "http://" + server.webSocketUri().getHost() + ":" + server.port();
        String provider = link.defaultProvider();
        StringBuilder sb = new StringBuilder();
        sb.append("WorldLink is listening on ").append(server.webSocketUri()).append('\n');
        sb.append("  Web page:  ").append(http).append("/\n");
        sb.append("  REST API:  ").append(http).append("/api/templates\n");
        sb.append("  Data:      ").append(o.data().toAbsolutePath().normalize()).append(" (templates: ")
                .append(link.templates().isEmpty() ? "none found; pass --data" : String.join(", ", link.templates()))
                .append(")\n");
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
