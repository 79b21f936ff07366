package io.worldlink.internal.model;

import io.worldlink.ChatCall;
import io.worldlink.ChatListener;
import io.worldlink.ChatMessage;
import io.worldlink.ChatModel;
import io.worldlink.ChatRequest;
import io.worldlink.Usage;
import io.worldlink.internal.Daemons;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded default model: no network, deterministic (the same request gives the same reply), and
 * streamed word by word. Its reply names the agent, the role its system prompt gives it, and the
 * message it answers, so a conversation with it reads plausibly and shows the routing at work.
 */
public final class OfflineChatModel implements ChatModel {
    private static final ScheduledExecutorService PACER =
            Executors.newSingleThreadScheduledExecutor(Daemons.factory("worldlink-offline-model"));
    private static final Pattern YOU_ARE = Pattern.compile("(?i)you are\\s+(?:@?[\\w-]+)?[,\\s]*([^.\\n]*)");
    private static final Pattern CHUNK = Pattern.compile("\\S+\\s*");
    private static final String[] OPENINGS = {
        "Here is how I see it:",
        "Good question.",
        "Let me take that one.",
        "Short answer first:",
        "From where I stand:",
    };
    private static final String[] THOUGHTS = {
        "the key is to be clear about the goal before choosing the means, so start by writing down what a good outcome looks like.",
        "break it into small steps and check each one before moving on; most problems get easier once the first step is concrete.",
        "compare two or three options side by side, name what each one costs, and pick the one you can undo most easily.",
        "look for the simplest version that could work, try it, and let what you learn decide the next step.",
        "ask what would change your mind, then look for that evidence first; it saves time and keeps the reasoning honest.",
    };
    private static final String[] CLOSINGS = {
        "Tell me more about your situation and I can be more specific.",
        "I am running offline, so treat this as a sketch rather than a final answer.",
        "Happy to go deeper on any part of this.",
        "That is my view; the others may see it differently.",
    };

    private final long paceNanos;

    /** @param pace the pause between two words; zero streams at once */
    public OfflineChatModel(Duration pace) {
        if (pace.isNegative()) {
            throw new IllegalArgumentException("pace must not be negative");
        }
        this.paceNanos = pace.toNanos();
    }

    @Override
    public ChatCall stream(ChatRequest request, ChatListener listener) {
        String reply = reply(request);
        List<String> chunks = new ArrayList<>();
        Matcher m = CHUNK.matcher(reply);
        while (m.find()) {
            chunks.add(m.group());
        }
        Usage usage = new Usage(inputTokens(request), chunks.size(), inputTokens(request) + chunks.size());
        if (paceNanos == 0) {
            chunks.forEach(listener::onChunk);
            listener.onComplete(usage);
            return () -> { };
        }
        Paced paced = new Paced(chunks, usage, listener);
        paced.next = PACER.schedule(paced, paceNanos, TimeUnit.NANOSECONDS);
        return paced::cancel;
    }

    private final class Paced implements Runnable {
        private final List<String> chunks;
        private final Usage usage;
        private final ChatListener listener;
        private int index;
        private volatile boolean cancelled;
        volatile ScheduledFuture<?> next;

        Paced(List<String> chunks, Usage usage, ChatListener listener) {
            this.chunks = chunks;
            this.usage = usage;
            this.listener = listener;
        }

        @Override
        public void run() {
            if (cancelled) {
                return;
            }
            if (index < chunks.size()) {
                listener.onChunk(chunks.get(index++));
                next = PACER.schedule(this, paceNanos, TimeUnit.NANOSECONDS);
            } else {
                listener.onComplete(usage);
            }
        }

        void cancel() {
            cancelled = true;
            ScheduledFuture<?> f = next;
            if (f != null) {
                f.cancel(false);
            }
        }
    }

    static String reply(ChatRequest request) {
        String prompt = request.messages().isEmpty() || !request.messages().get(0).role().equals("system")
                ? "" : request.messages().get(0).content();
        String question = request.messages().isEmpty() ? "" : request.messages().get(request.messages().size() - 1).content();
        int h = Math.abs((request.agentId() + "\n" + question).hashCode() % 9973);
        StringBuilder sb = new StringBuilder();
        sb.append(request.agentName()).append(" here");
        String role = role(prompt);
        if (!role.isEmpty()) {
            sb.append(", ").append(role);
        }
        sb.append(". ").append(OPENINGS[h % OPENINGS.length]).append(' ');
        String topic = topic(question);
        if (!topic.isEmpty()) {
            sb.append("About \"").append(topic).append("\": ");
        }
        sb.append(THOUGHTS[(h / 7) % THOUGHTS.length]).append(' ').append(CLOSINGS[(h / 11) % CLOSINGS.length]);
        return sb.toString();
    }

    private static String role(String prompt) {
        Matcher m = YOU_ARE.matcher(prompt);
        if (!m.find()) {
            return "";
        }
        String role = m.group(1).strip();
        for (String cut : new String[] {" in a ", " in the ", " with ", " who ", ";", ","}) {
            int i = role.indexOf(cut);
            if (i > 0) {
                role = role.substring(0, i);
            }
        }
        role = role.length() > 60 ? role.substring(0, 60).strip() : role;
        return role.toLowerCase(Locale.ROOT).startsWith("a ") || role.toLowerCase(Locale.ROOT).startsWith("an ")
                ? role : "";
    }

    private static String topic(String question) {
        // Messages from others arrive as "sender: text"; quote the text, without leading mentions.
        String text = question.replaceFirst("^[^:\\n]{1,64}:\\s", "").replaceAll("(?m)^\\s*@[\\w-]+[,:]?\\s*", "")
                .replaceAll("\\s+", " ").strip();
        return text.length() > 60 ? text.substring(0, 57).strip() + "..." : text;
    }

    private static int inputTokens(ChatRequest request) {
        int chars = 0;
        for (ChatMessage m : request.messages()) {
            chars += m.content().length();
        }
        return Math.max(1, chars / 4);
    }
}
