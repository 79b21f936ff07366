package io.worldlink.internal.world;

import io.worldlink.AgentConfig;
import io.worldlink.AgentStatus;
import io.worldlink.ErrorCode;
import io.worldlink.MemoryMessage;
import io.worldlink.MetricsListener;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.SenderType;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.Ids;
import io.worldlink.internal.world.Routing.SenderClass;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * ROUTING.md applied to a loaded world: which agents answer a message, what each remembers, the turn
 * limit and its notice; and, as the world loads, the log past the memory snapshot applied again by the
 * same rules, turns that a crash cut off included, so that only the replies the log lacks are asked for. Used on the world's executor only.
 */
final class ConversationRules {
    private static final System.Logger LOG = System.getLogger(ConversationRules.class.getName());
    // How far back the log is read for turns that a crash cut off: far more than one turn can log.
    private static final int RECOVERY_WINDOW = 2_000;

    private final WorldKey key;
    private final WorldState world;
    private final EventOutbox outbox;
    private final PendingSaves saves;
    private final RepliesInFlight replies;
    private final MetricsListener metrics;
    private final Clock clock;
    // While the log is replayed as the world loads.
    private Replay replay;

    /**
     * What the log's replay knows.
     *
     * @param rememberedUpTo the seq up to which the stored memories hold every message already
     * @param turns the turn that each message of a turn being taken up belongs to, by message id
     * @param logged the replies and turn-limit notices the log holds, as "agentId/messageId" of the message
     *     they answer
     */
    private record Replay(long rememberedUpTo, Map<String, Turn> turns, InterruptedTurns.Replies logged) {}

    ConversationRules(WorldKey key, WorldState world, EventOutbox outbox, PendingSaves saves, RepliesInFlight replies,
            MetricsListener metrics, Clock clock) {
        this.key = key;
        this.world = world;
        this.outbox = outbox;
        this.saves = saves;
        this.replies = replies;
        this.metrics = metrics;
        this.clock = clock;
    }

    /**
     * Publishes a person's message and starts its turn in its chat.
     *
     * @param chatId the chat it is said in, an existing one
     * @param messageId the id to give the message, or {@code null} for a new one
     * @param content its text
     * @param sender the person's name, checked already
     * @return the published message
     */
    MessageEvent fromPerson(String chatId, String messageId, String content, String sender) {
        if (content == null) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "The message has no text.");
        }
        MessageEvent m = outbox.emit(new MessageEvent(EventOutbox.idOrNew(messageId), clock.instant(), sender,
                SenderType.HUMAN, 0, content, null, false, false, false, chatId));
        Turn turn = new Turn(m.id(), chatId);
        metrics.turnStarted();
        try {
            route(m, SenderClass.HUMAN, turn);
        } catch (RuntimeException e) {
            outbox.reportFailure("routing a message", e);
        } finally {
            replies.endTurnIfDone(turn);
        }
        return m;
    }

    /** Routes an agent's finished reply to the agents it names. */
    void fromAgent(MessageEvent reply, Turn turn) {
        route(reply, SenderClass.AGENT, turn);
    }

    /**
     * ROUTING.md "Does agent A answer message M?", for every agent, and the memory rules, within M's chat:
     * the turn limit counts the calls of that chat only.
     */
    private void route(MessageEvent m, SenderClass cls, Turn turn) {
        boolean fromPeople = cls == SenderClass.HUMAN || cls == SenderClass.WORLD;
        String chatId = m.chatId();
        if (fromPeople) {
            for (AgentState a : world.agents.values()) {
                remember(a, m, heard(m));
            }
        }
        Set<String> leading = Routing.paragraphMentions(m.content());
        boolean anyMention = Routing.hasAnyMention(m.content());
        for (AgentState a : new ArrayList<>(world.agents.values())) {
            AgentConfig c = a.config;
            if (c.status() == AgentStatus.INACTIVE) {
                continue;
            }
            if (cls == SenderClass.AGENT && m.sender().equals(c.id())) {
                continue;
            }
            if (m.turnLimitNotice()) {
                continue;
            }
            if (fromPeople && (a.calls(chatId) != 0 || c.llmCallCount() != 0 || a.limitNoticedIn.contains(chatId))) {
                a.calls(chatId, 0, c.lastLLMCall(), c.lastActive());
                a.limitNoticedIn.remove(chatId);
                saves.configChanged(a);
            }
            if (a.calls(chatId) >= world.config.turnLimit()) {
                if (a.limitNoticedIn.add(chatId)) {
                    publishTurnLimit(a, m, turn);
                }
                continue;
            }
            boolean named = leading.contains(c.id()) || leading.contains(c.name().toLowerCase(Locale.ROOT));
            boolean answers = fromPeople ? (anyMention ? named : true) : named;
            if (!answers) {
                continue;
            }
            if (cls == SenderClass.AGENT) {
                remember(a, m, heard(m));
            }
            answer(a, m, cls, turn);
        }
    }

    private void publishTurnLimit(AgentState a, MessageEvent m, Turn turn) {
        if (replay != null && (turn == null || replay.logged().noticed().contains(a.config.id() + "/" + m.id()))) {
            return;
        }
        int calls = a.calls(m.chatId());
        outbox.emit(new MessageEvent(Ids.next(), clock.instant(), a.config.id(), SenderType.AGENT, 0,
                "@human Turn limit reached (" + calls + " LLM calls). Please take control of the conversation.",
                m.id(), true, false, false, m.chatId()));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("llmCallCount", calls);
        details.put("turnLimit", world.config.turnLimit());
        outbox.emit(new WorldActionEvent(Ids.next(), clock.instant(), 0, WorldActionEvent.TURN_LIMIT, a.config.id(),
                details, m.chatId()));
    }

    private void answer(AgentState a, MessageEvent m, SenderClass cls, Turn turn) {
        if (replay != null && (turn == null || replay.logged().answered().contains(a.config.id() + "/" + m.id()))) {
            // The call was made: it counts, at about the time it was made, and the walk reaches its reply.
            a.calls(m.chatId(), a.calls(m.chatId()) + 1, m.timestamp(), m.timestamp());
            saves.configChanged(a);
            return;
        }
        replies.start(a, m, cls, turn);
    }

    private void remember(AgentState a, MessageEvent from, MemoryMessage message) {
        if (replay != null && (from.seq() <= replay.rememberedUpTo() || remembers(a, message))) {
            return;
        }
        saves.remember(a, message);
    }

    /**
     * @param m a message an agent hears: a person's, the world's or another agent's
     * @return it as that agent remembers it
     */
    private static MemoryMessage heard(MessageEvent m) {
        return MemoryMessage.of(MemoryMessage.USER, m.content(), m.sender(), m.id(), m.replyToMessageId(),
                m.timestamp(), m.chatId());
    }

    /**
     * @param reply an agent's reply, complete or stopped
     * @return it as the agent that said it remembers it
     */
    static MemoryMessage said(MessageEvent reply) {
        return new MemoryMessage(MemoryMessage.ASSISTANT, reply.content(), reply.sender(), reply.id(),
                reply.replyToMessageId(), reply.timestamp(), reply.chatId(), reply.stopped()
                        ? Map.of("stopped", "true") : Map.of());
    }

    private static boolean remembers(AgentState a, MemoryMessage message) {
        for (int i = a.memory.size() - 1; i >= 0; i--) {
            MemoryMessage mm = a.memory.get(i);
            if (message.messageId() != null && message.messageId().equals(mm.messageId())
                    && message.role().equals(mm.role())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Rebuilds what the memory files lack and takes up the turns that a crash cut off, as the world loads.
     * The memories and call counts stored are those of the log up to the snapshot's seq; every message
     * after it is applied again by the routing and memory rules, exactly as it was when it was logged:
     * a person's message is remembered by every agent, an agent's reply by itself and by the agents that
     * answer it, and the call counts follow. Other events change nothing (the edits that would are
     * preceded by a snapshot). The walk starts earlier when a turn that the log shows without its end
     * began before that seq, so that its call counts are right; such a turn is then walked by the same
     * rules, and only the replies that the log lacks are asked for, so the turn ends with {@code idle} as
     * usual. A turn older than {@code resumeWithin}, or every turn when taking up is off, ends with a
     * notice instead.
     *
     * @param resumeTurns whether a turn that a crash cut off is taken up again
     * @param resumeWithin how old such a turn may be to be taken up again
     */
    void replayLog(boolean resumeTurns, Duration resumeWithin) {
        long last = outbox.log().lastSeq();
        long saved = PendingSaves.snapshotSeq(world.config);
        if (saved > last) {
            // A config copied from another world's life: its seq says nothing of this log.
            saved = -1;
        }
        List<WorldEvent> tail = new ArrayList<>();
        long window = last - RECOVERY_WINDOW;
        outbox.log().forEachAfter(Math.max(0, saved >= 0 ? Math.min(saved, window) : window), tail::add);
        long from = saved >= 0 ? saved + 1 : Long.MAX_VALUE;
        Map<String, Turn> resumed = new HashMap<>();
        List<Turn> ended = new ArrayList<>();
        for (InterruptedTurns.Turn t : InterruptedTurns.in(tail)) {
            MessageEvent start = t.start();
            from = Math.min(from, start.seq());
            Turn turn = new Turn(start.id(), start.chatId());
            ended.add(turn);
            boolean recent = !start.timestamp().isBefore(clock.instant().minus(resumeWithin));
            if (resumeTurns && recent) {
                LOG.log(Level.INFO, "Taking up a turn of " + key + " that a restart cut off (message " + start.id()
                        + ").");
                t.messages().forEach(m -> resumed.put(m.id(), turn));
            } else {
                outbox.emitEvenIfUnlogged(new SystemEvent(Ids.next(), clock.instant(), 0, "The server restarted "
                        + "while a turn was under way; its unfinished replies were not taken up again. Send the "
                        + "message again to ask once more.", MessageLevel.WARNING));
            }
        }
        // A world without a snapshot seq was saved after every burst (written before snapshots had a seq,
        // or stopped before its first, which is written at once): only its unended turns may be missing.
        long rememberedUpTo = saved >= 0 ? saved : from - 1;
        replay = new Replay(rememberedUpTo, resumed, InterruptedTurns.replies(tail));
        try {
            for (WorldEvent e : tail) {
                if (e.seq() >= from && e instanceof MessageEvent m) {
                    apply(m);
                }
            }
        } catch (RuntimeException e) {
            outbox.reportFailure("rebuilding the memories from the event log", e);
        } finally {
            replay = null;
        }
        ended.forEach(replies::endTurnIfDone);
    }

    private void apply(MessageEvent m) {
        Turn turn = replay.turns().get(m.id());
        if (m.senderType() == SenderType.HUMAN || m.senderType() == SenderType.WORLD) {
            route(m, m.senderType() == SenderType.WORLD ? SenderClass.WORLD : SenderClass.HUMAN, turn);
            return;
        }
        if (m.senderType() != SenderType.AGENT || m.turnLimitNotice()) {
            return;
        }
        AgentState a = world.agents.get(m.sender());
        if (a != null) {
            remember(a, m, said(m));
        }
        if (m.triggers()) {
            route(m, SenderClass.AGENT, turn);
        }
    }
}
