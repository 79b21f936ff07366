package io.worldlink.jetty;

import io.worldlink.HmacTokens;
import io.worldlink.WorldLink;
import io.worldlink.jetty.internal.OriginPolicy;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
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

    /** What the command line and the environment ask for. */
    record Options(String command, String host, int port, String path, Path data, String provider, int offlinePaceMs,
            String authSecret, boolean insecure, int graceSeconds, int rateLimit, String logLevel, String tokenUser,
            int validHours, List<String> allowedOrigins) {}

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
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
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
        return new Options(command, host, number(port, "--port", 0, 65535), path, Path.of(data), provider,
                number(pace, "--offline-pace-ms", 0, 60_000), secret, insecure, number(grace, "--grace-seconds", 0,
                        86_400), number(rate, "--rate-limit", 1, 1_000_000), level, tokenUser,
                number(validHours, "--valid-hours", 1, 24 * 365), origins(origins));
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
                .trustClaimedUserIds(o.insecure());
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
        WorldLink link;
        try {
            link = worldLink(o).build();
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        WorldLinkServer server = WorldLinkServer.builder(link).host(o.host()).port(o.port()).path(o.path())
                .allowedOrigins(o.allowedOrigins()).build();
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
        sb.append("Press Ctrl+C to stop.");
        return sb.toString();
    }
}
