package io.worldlink.jetty;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The launcher in a JVM of its own, started from the test's class path on a free port, so that a test
 * can kill it the way a crash would ({@code kill -9}) and start it again on the same data.
 */
final class LauncherProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on (ws://\\S+)");

    final Process process;
    final URI webSocketUri;
    private final BlockingQueue<String> output = new LinkedBlockingQueue<>();

    private LauncherProcess(Path data, List<String> options) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Launcher.class.getName(), "--port", "0", "--data",
                data.toString()));
        command.addAll(options);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    output.add(line);
                }
            } catch (IOException e) {
                // The process died: what it printed is all there is.
            }
        }, "launcher-output");
        reader.setDaemon(true);
        reader.start();
        URI uri = null;
        while (uri == null) {
            String line = output.poll(60, TimeUnit.SECONDS);
            if (line == null) {
                process.destroyForcibly();
                throw new IllegalStateException("the launcher did not say where it listens within 60 s");
            }
            Matcher m = LISTENING.matcher(line);
            if (m.find()) {
                uri = URI.create(m.group(1));
            }
        }
        webSocketUri = uri;
    }

    /**
     * @param text what the line holds
     * @return the first line not yet read that holds the text, waiting up to a minute for the launcher to print it
     */
    String lineContaining(String text) throws InterruptedException {
        for (String line; (line = output.poll(60, TimeUnit.SECONDS)) != null; ) {
            if (line.contains(text)) {
                return line;
            }
        }
        throw new IllegalStateException("the launcher printed no line with \"" + text + "\" within 60 s");
    }

    static LauncherProcess start(Path data, String... options) throws IOException, InterruptedException {
        return new LauncherProcess(data, List.of(options));
    }

    /** Kills the process as a crash would: SIGKILL, nothing runs on the way out. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    /** Stops the process as an operator would (SIGTERM): it saves what is pending on the way out. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the launcher did not stop within 30 s of SIGTERM");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}
