package io.worldlink.client;

import io.worldlink.model.Usage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Gathers one turn from the frames of the client's world and hands its replies on one agent at a time.
 * Called only from the client's receiving thread, in the order the server sent the frames.
 */
final class TurnCollector {
    /** One reply in progress. */
    private static final class Streaming {
        final String agentName;
        final StringBuilder text = new StringBuilder();
        final StringBuilder waiting = new StringBuilder();
        Reply done;
        boolean cutOff;

        Streaming(String agentName) {
            this.agentName = agentName;
        }
    }

    final String requestId;
    final CompletableFuture<Turn> turn = new CompletableFuture<>();
    private final ReplyListener listener;
    private final Map<String, Streaming> replies = new LinkedHashMap<>();
    private final Deque<String> queue = new ArrayDeque<>();
    private final List<Reply> ended = new ArrayList<>();
    private String speaking;
    private String messageId;

    TurnCollector(String requestId, ReplyListener listener) {
        this.requestId = requestId;
        this.listener = listener;
    }

    /** The server published the message that starts the turn. */
    void started(String id) {
        messageId = id;
    }

    void chunk(String agentName, String reply, String text) {
        Streaming s = streaming(agentName, reply);
        s.text.append(text);
        if (reply.equals(speaking)) {
            listener.onText(agentName, text);
        } else {
            s.waiting.append(text);
        }
    }

    void complete(String agentName, String reply, String content, Usage usage, boolean stopped) {
        Streaming s = streaming(agentName, reply);
        if (s.cutOff && !content.equals(s.text.toString())) {
            // The stream went on where it was cut instead of starting again: show the reply whole.
            s.text.setLength(0);
            s.waiting.setLength(0);
            if (reply.equals(speaking)) {
                listener.onRestart(agentName);
                listener.onText(agentName, content);
            } else {
                s.waiting.append(content);
            }
            s.text.append(content);
        }
        s.done = new Reply(agentName, reply, content, usage, stopped);
        ended.add(s.done);
        if (reply.equals(speaking)) {
            listener.onReply(s.done);
            speaking = null;
            next();
        }
    }

    /**
     * The connection was lost and is back: a reply that was streaming is sent again from its start (or
     * goes on, with a gap), so what was gathered of it starts over.
     */
    void reconnected() {
        replies.forEach((id, s) -> {
            if (s.done == null) {
                s.cutOff = true;
                s.text.setLength(0);
                s.waiting.setLength(0);
                if (id.equals(speaking)) {
                    listener.onRestart(s.agentName);
                }
            }
        });
    }

    /** An agent's reply as the log has it: it ends the reply here when its stream was not seen whole. */
    void logged(String agentName, String reply, String content, boolean stopped) {
        Streaming s = replies.get(reply);
        if (messageId != null && (s == null || s.done == null)) {
            String missing = s == null ? content : content.startsWith(s.text.toString())
                    ? content.substring(s.text.length()) : "";
            if (!missing.isEmpty()) {
                chunk(agentName, reply, missing);
            }
            complete(agentName, reply, content, null, stopped);
        }
    }

    /** {@return whether this idle ends the turn (the future is then complete)} */
    boolean idle(String startMessageId) {
        if (messageId == null || !messageId.equals(startMessageId)) {
            return false;
        }
        while (speaking != null || !queue.isEmpty()) {
            if (speaking != null && replies.get(speaking).done == null) {
                // The turn ended without this reply's end (a connection lost in between): end it here.
                Streaming s = replies.get(speaking);
                s.done = new Reply(s.agentName, speaking, s.text.toString(), null, false);
                ended.add(s.done);
                listener.onReply(s.done);
            }
            speaking = null;
            next();
        }
        turn.complete(new Turn(messageId, ended));
        return true;
    }

    private Streaming streaming(String agentName, String reply) {
        Streaming s = replies.get(reply);
        if (s == null) {
            s = new Streaming(agentName);
            replies.put(reply, s);
            queue.add(reply);
            if (speaking == null) {
                next();
            }
        }
        return s;
    }

    // The next reply in line speaks: what it said meanwhile first, then its end if it has ended.
    private void next() {
        while (speaking == null && !queue.isEmpty()) {
            String reply = queue.poll();
            Streaming s = replies.get(reply);
            if (s.waiting.length() > 0) {
                listener.onText(s.agentName, s.waiting.toString());
                s.waiting.setLength(0);
            }
            if (s.done != null) {
                listener.onReply(s.done);
            } else {
                speaking = reply;
            }
        }
    }
}
