package io.worldlink.redis;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} (Debian's package, which CI installs) on a free port of the loopback, with its
 * own folder, appending every write to its file ({@code appendonly}, synced every second) and no snapshots.
 * It can be stopped (as an operator stops it: everything written is kept), killed and started again on the
 * same port and folder. Without redis-server the tests that use it are skipped, except in CI, where they
 * fail. Shipped in this module's test-jar: the Jetty module's cluster tests start it too.
 */
public final class RedisServerProcess implements AutoCloseable {
    private static final long READY_WITHIN_NANOS = TimeUnit.SECONDS.toNanos(10);

    private final Path binary;
    private final Path dir;
    private final int port;
    private final List<String> extraArguments;
    private Process process;

    private RedisServerProcess(Path binary, Path dir, int port, List<String> extraArguments) {
        this.binary = binary;
        this.dir = dir;
        this.port = port;
        this.extraArguments = extraArguments;
    }

    /**
     * Starts a server, or skips the test when there is no redis-server (outside CI).
     *
     * @param dir an empty folder of the test's, for the server's files
     * @param extraArguments more of redis-server's options, for example {@code "--requirepass", "secret"}
     * @return the server, answering PING
     */
    public static RedisServerProcess start(Path dir, String... extraArguments) {
        Path binary = locate();
        RedisServerProcess server = new RedisServerProcess(binary, dir, freePort(), List.of(extraArguments));
        server.start();
        return server;
    }

    private static Path locate() {
        for (String folder : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
            Path candidate = Path.of(folder, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        String why = "redis-server is not installed: apt-get install redis-server to run the Redis tests "
                + "(CI always runs them).";
        if ("true".equals(System.getenv("CI"))) {
            fail(why);
        }
        Assumptions.abort(why);
        throw new AssertionError("unreachable");
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts the server (again) on its port and folder, and waits until it answers PING. */
    public void start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--port", Integer.toString(port),
                "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "", "--appendonly", "yes",
                "--appendfsync", "everysec", "--daemonize", "no", "--logfile", "redis.log"));
        command.addAll(extraArguments);
        try {
            process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("redis.out").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long deadline = System.nanoTime() + READY_WITHIN_NANOS;
        while (true) {
            if (!process.isAlive()) {
                fail("redis-server ended at start (exit " + process.exitValue() + "): " + log());
            }
            try {
                if ("PONG".equals(command("PING"))) {
                    return;
                }
            } catch (IOException | RuntimeException notYet) {
                // Not listening yet, or still loading its file.
            }
            if (System.nanoTime() > deadline) {
                fail("redis-server did not answer PING within 10 s: " + log());
            }
            try {
                // The server takes some milliseconds to start; there is nothing to wait on but its port.
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private String log() {
        try {
            return Files.readString(dir.resolve("redis.log")) + Files.readString(dir.resolve("redis.out"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the server as an operator does (SIGTERM): it writes what it holds to its file first. */
    public void stop() {
        end(false);
    }

    /** Kills the server (SIGKILL), as a crash does. */
    public void kill() {
        end(true);
    }

    private void end(boolean force) {
        if (process == null) {
            return;
        }
        if (force) {
            process.destroyForcibly();
        } else {
            process.destroy();
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@return the server's address, as a node is given it} */
    public String uri() {
        return "redis://127.0.0.1:" + port;
    }

    /**
     * Adds a user of its own for a node, so that the test can cut that node alone off from Redis.
     *
     * @param user the user name
     * @return the server's address with that user's credentials
     */
    public String uriOfUser(String user) {
        call("ACL", "SETUSER", user, "on", ">secret-" + user, "~*", "&*", "+@all");
        return "redis://" + user + ":secret-" + user + "@127.0.0.1:" + port;
    }

    /** Cuts a user's connections and refuses its new ones, as a network partition of that node would. */
    public void cutOff(String user) {
        call("ACL", "SETUSER", user, "off");
        call("CLIENT", "KILL", "USER", user);
    }

    /** Lets a user that was cut off connect again. */
    public void letIn(String user) {
        call("ACL", "SETUSER", user, "on");
    }

    /**
     * Sends one command on a connection of its own, as redis-cli does.
     *
     * @param args the command and its arguments
     * @return the reply: a String (simple or bulk), a Long, a List, or {@code null}
     * @throws IOException when the server cannot be reached
     * @throws IllegalStateException with the server's error
     */
    public Object command(String... args) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            for (String a : args) {
                byte[] b = a.getBytes(StandardCharsets.UTF_8);
                request.writeBytes(("$" + b.length + "\r\n").getBytes(StandardCharsets.UTF_8));
                request.writeBytes(b);
                request.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            out.write(request.toByteArray());
            out.flush();
            return read(new BufferedInputStream(s.getInputStream()));
        }
    }

    /** {@return the reply of a command that the test expects to succeed} */
    public Object call(String... args) {
        try {
            return command(args);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Object read(InputStream in) throws IOException {
        int type = in.read();
        String line = line(in);
        switch (type) {
            case '+':
                return line;
            case '-':
                throw new IllegalStateException(line);
            case ':':
                return Long.parseLong(line);
            case '$': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                byte[] b = in.readNBytes(n + 2);
                return new String(b, 0, n, StandardCharsets.UTF_8);
            }
            case '*': {
                int n = Integer.parseInt(line);
                if (n < 0) {
                    return null;
                }
                List<Object> items = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    items.add(read(in));
                }
                return items;
            }
            default:
                throw new IOException("not a RESP2 reply: " + (char) type + line);
        }
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) != '\r') {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            b.append((char) c);
        }
        in.read();
        return b.toString();
    }

    @Override
    public void close() {
        end(false);
    }
}
