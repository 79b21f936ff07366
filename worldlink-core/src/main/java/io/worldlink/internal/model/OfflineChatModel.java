package io.worldlink.internal.model;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.model.ChatCall;
import io.worldlink.model.ChatListener;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.Usage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded default model: no network, deterministic (the same request gives the same reply), and
 * streamed word by word. Its reply names the agent, the role its system prompt gives it, and the
 * message it answers, so a conversation with it reads plausibly and shows the routing at work.
 *
 * <p>It also follows the hand-overs its system prompt asks for, so that a world's agents pass the floor
 * to each other as they would with a real model:
 * <ul>
 *   <li>a prompt that hands the floor on with {@code <world>TO: name</world>} (one or more names) ends
 *       each reply with a hand-over to the named agent who has spoken least since the human last spoke
 *       (the first named on a tie); when the prompt also says {@code <world>DONE</world>}, a reply once
 *       every named agent has spoken twice ends with {@code <world>DONE</world>} instead;</li>
 *   <li>a prompt that tells the agent, unconditionally (not "If ..."), to start a new line with
 *       {@code @name} ends each reply with that line.</li>
 * </ul>
 */
public final class OfflineChatModel implements ChatModel {
    private static final Pattern YOU_ARE = Pattern.compile("(?i)you are\\s+(?:@?[\\w-]+)?[,\\s]*([^.\\n]*)");
    private static final Pattern CHUNK = Pattern.compile("\\S+\\s*");
    private static final Pattern TO_TAG = Pattern.compile("(?i)<world>\\s*TO\\s*:([^<]*)</world>");
    private static final Pattern DONE_TAG = Pattern.compile("(?i)<world>\\s*DONE\\s*</world>");
    private static final Pattern SENTENCE = Pattern.compile("[^.!?\\n]*(?:[.!?]|$)", Pattern.MULTILINE);
    private static final Pattern NEW_LINE_MENTION = Pattern.compile("(?i)new line with @([\\w-]+)");
    private static final int TURNS_EACH = 2;
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
    private final ModelTimer timer;

    /**
     * @param pace the pause between two words; zero streams at once
     * @param timer where the pauses are scheduled
     */
    public OfflineChatModel(Duration pace, ModelTimer timer) {
        if (pace.isNegative()) {
            throw new IllegalArgumentException("pace must not be negative");
        }
        this.paceNanos = pace.toNanos();
        this.timer = timer;
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
        Paced paced = new Paced(chunks, usage, listener, timer.acquire());
        paced.schedule();
        return paced::cancel;
    }

    private final class Paced implements Runnable {
        private final List<String> chunks;
        private final Usage usage;
        private final ChatListener listener;
        private final ScheduledExecutorService scheduler;
        private int index;
        private boolean ended;
        private ScheduledFuture<?> next;

        Paced(List<String> chunks, Usage usage, ChatListener listener, ScheduledExecutorService scheduler) {
            this.chunks = chunks;
            this.usage = usage;
            this.listener = listener;
            this.scheduler = scheduler;
        }

        synchronized void schedule() {
            try {
                next = scheduler.schedule(this, paceNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                end();
                listener.onError(new WorldLinkException(ErrorCode.MODEL_ERROR, "The offline model's timer is stopped "
                        + "(WorldLink is closing); the reply was stopped."));
            }
        }

        @Override
        public synchronized void run() {
            if (ended) {
                return;
            }
            if (index < chunks.size()) {
                listener.onChunk(chunks.get(index++));
                schedule();
            } else {
                end();
                listener.onComplete(usage);
            }
        }

        synchronized void cancel() {
            if (next != null) {
                next.cancel(false);
            }
            end();
        }

        private void end() {
            if (!ended) {
                ended = true;
                timer.release();
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
        sb.append(handOver(prompt, request.messages()));
        return sb.toString();
    }

    // What the prompt asks the reply to end with, so that the floor passes on (see the class comment).
    static String handOver(String prompt, List<ChatMessage> messages) {
        List<String> targets = new ArrayList<>();
        Matcher to = TO_TAG.matcher(prompt);
        while (to.find()) {
            for (String name : to.group(1).split("[,\\s]+")) {
                String n = name.strip().replaceFirst("^@", "").toLowerCase(Locale.ROOT);
                if (!n.isEmpty() && !targets.contains(n)) {
                    targets.add(n);
                }
            }
        }
        if (!targets.isEmpty()) {
            int[] spoken = spokenSinceHuman(targets, messages);
            int least = 0;
            for (int i = 1; i < targets.size(); i++) {
                if (spoken[i] < spoken[least]) {
                    least = i;
                }
            }
            if (DONE_TAG.matcher(prompt).find() && spoken[least] >= TURNS_EACH) {
                return "\n<world>DONE</world>";
            }
            return "\n<world>TO: " + targets.get(least) + "</world>";
        }
        Matcher sentence = SENTENCE.matcher(prompt);
        while (sentence.find()) {
            String s = sentence.group().strip();
            Matcher mention = NEW_LINE_MENTION.matcher(s);
            if (mention.find() && !s.regionMatches(true, 0, "if ", 0, 3)) {
                return "\n@" + mention.group(1).toLowerCase(Locale.ROOT);
            }
        }
        return "";
    }

    // Others' messages reach a model as "name: text"; the human's (or anyone else's) start the count.
    private static int[] spokenSinceHuman(List<String> targets, List<ChatMessage> messages) {
        int[] spoken = new int[targets.size()];
        for (int i = messages.size() - 1; i >= 0; i--) {
            ChatMessage m = messages.get(i);
            if (!m.role().equals("user")) {
                continue;
            }
            int speaker = -1;
            for (int t = 0; t < targets.size(); t++) {
                if (m.content().regionMatches(true, 0, targets.get(t) + ": ", 0, targets.get(t).length() + 2)) {
                    speaker = t;
                }
            }
            if (speaker < 0) {
                break;
            }
            spoken[speaker]++;
        }
        return spoken;
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
