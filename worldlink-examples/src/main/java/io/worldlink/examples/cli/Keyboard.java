package io.worldlink.examples.cli;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The user's keys, read on a thread of their own, so that the client can listen to them while it
 * waits for the server: {@code /stop} and Ctrl-C must work while a reply streams. Lines typed while
 * the client waits are held for the prompt, in order.
 */
final class Keyboard {
    /**
     * Ctrl-C, when it arrives as a key: on a terminal that {@link InterruptKey} set up, or typed into
     * the input by a test. It stands for itself, whatever was typed on its line before it.
     */
    static final char CTRL_C = '\u0003';

    /** What came from the keyboard. */
    enum Kind {
        /** A line, ended by Enter. */
        LINE,
        /** Ctrl-C. */
        INTERRUPT,
        /** The end of the input (Ctrl-D at a terminal); nothing comes after it. */
        END,
        /** Nothing: something the client waits for may be done. */
        WAKE
    }

    /**
     * One thing from the keyboard.
     *
     * @param kind what it is
     * @param text the line, for {@link Kind#LINE}; empty otherwise
     */
    record Input(Kind kind, String text) {
        static final Input INTERRUPT = new Input(Kind.INTERRUPT, "");
        static final Input END = new Input(Kind.END, "");
        static final Input WAKE = new Input(Kind.WAKE, "");
    }

    private final BlockingQueue<Input> live = new LinkedBlockingQueue<>();
    private final Deque<Input> held = new ArrayDeque<>();

    /** @param in the user's keys; read until its end on a daemon thread */
    Keyboard(Reader in) {
        Thread reader = new Thread(() -> read(in), "demo-keyboard");
        reader.setDaemon(true);
        reader.start();
    }

    private void read(Reader in) {
        StringBuilder line = new StringBuilder();
        try {
            for (int c; (c = in.read()) != -1; ) {
                if (c == '\n') {
                    live.add(new Input(Kind.LINE, line.toString().replace("\r", "")));
                    line.setLength(0);
                } else if (c == CTRL_C) {
                    line.setLength(0);
                    live.add(Input.INTERRUPT);
                } else {
                    line.append((char) c);
                }
            }
            if (!line.isEmpty()) {
                live.add(new Input(Kind.LINE, line.toString()));
            }
        } catch (IOException e) {
            // An input that breaks has ended: the client leaves as at Ctrl-D.
        }
        live.add(Input.END);
    }

    /** @return at the prompt: the oldest held input, else the next one typed */
    Input next() throws InterruptedException {
        Input h = held.poll();
        return h != null ? h : live.take();
    }

    /** @return while the client waits: the next input typed, or a {@link Kind#WAKE} */
    Input nextWhileWaiting() throws InterruptedException {
        return live.take();
    }

    /** @param input typed while the client waited: it comes back at the prompt */
    void hold(Input input) {
        if (input.kind() != Kind.WAKE) {
            held.add(input);
        }
    }

    /** Wakes the client that waits for keys, to look again at what it waits for. */
    void wake() {
        live.add(Input.WAKE);
    }
}
