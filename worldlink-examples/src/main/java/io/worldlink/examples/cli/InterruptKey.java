package io.worldlink.examples.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes Ctrl-C a key the demo reads rather than a signal that ends the JVM, so that it can stop a reply
 * and leave only at the prompt. Java cannot catch SIGINT portably, and a shutdown hook cannot cancel the
 * exit, so the terminal is asked not to send it: {@code stty intr undef eol ^C} makes Ctrl-C an ordinary
 * character that also ends the line, so it reaches {@link Keyboard} at once while Enter, Backspace and
 * the rest of the terminal's line editing stay as they were. The terminal's settings come back when the
 * JVM exits (also on {@code kill}, not on {@code kill -9}: then {@code stty sane} restores them).
 *
 * <p>Where the input is not a terminal that {@code stty} can set (a pipe, Windows), nothing changes,
 * and Ctrl-C ends the client as usual; {@code /stop} still stops a reply.
 */
final class InterruptKey {
    private InterruptKey() {}

    /** @return whether Ctrl-C now arrives as {@link Keyboard#CTRL_C} */
    static boolean takeOver() {
        String saved = stty("-g");
        if (saved == null || saved.isBlank() || stty("intr", "undef", "eol", "^C") == null) {
            return false;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stty(saved.strip()), "demo-terminal-restore"));
        return true;
    }

    // stty works on its standard input: the JVM's own, which is the terminal when there is one.
    private static String stty(String... args) {
        List<String> command = new ArrayList<>(List.of("stty"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
