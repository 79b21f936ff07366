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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * ROUTING.md applied to a loaded world: which agents answer a message, what each remembers, the turn
 * limit and its notice; and, as the world loads, the turns that a crash cut off, walked again by the
 * same rules so that only the replies the log lacks are asked for. Used on the world's executor only.
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
    // While a turn that a crash cut off is walked again: what the log holds of it.
    private InterruptedTurns.Turn resuming;

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
                remember(a, MemoryMessage.of(MemoryMessage.USER, m.content(), m.sender(), m.id(), null, m.timestamp(),
                        chatId));
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
                    publishTurnLimit(a, m);
                }
                continue;
            }
            boolean named = leading.contains(c.id()) || leading.contains(c.name().toLowerCase(Locale.ROOT));
            boolean answers = fromPeople ? (anyMention ? named : true) : named;
            if (!answers) {
                continue;
            }
            if (cls == SenderClass.AGENT) {
                remember(a, MemoryMessage.of(MemoryMessage.USER, m.content(), m.sender(), m.id(),
                        m.replyToMessageId(), m.timestamp(), chatId));
            }
            answer(a, m, cls, turn);
        }
    }

    private void publishTurnLimit(AgentState a, MessageEvent m) {
        if (resuming != null && resuming.noticed().contains(a.config.id())) {
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
        if (resuming != null && resuming.answered().contains(a.config.id() + "/" + m.id())) {
            // Its reply is in the log: it counts as the call it was, and the walk reaches the reply itself.
            a.calls(m.chatId(), a.calls(m.chatId()) + 1, a.config.lastLLMCall(), a.config.lastActive());
            saves.configChanged(a);
            return;
        }
        replies.start(a, m, cls, turn);
    }

    private void remember(AgentState a, MemoryMessage message) {
        if (resuming != null && remembers(a, message)) {
            return;
        }
        saves.remember(a, message);
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
     * Takes up the turns that the log shows without their end: the turn is walked again by the routing
     * rules over what the log holds, so that memories and call counts become what they were, and only the
     * replies that the log lacks are asked for; then the turn ends with {@code idle} as usual. A turn
     * older than {@code resumeWithin}, or every turn when taking up is off, ends with a notice instead.
     *
     * @param resumeTurns whether a turn that a crash cut off is taken up again
     * @param resumeWithin how old such a turn may be to be taken up again
     */
    void takeUpInterruptedTurns(boolean resumeTurns, Duration resumeWithin) {
        List<WorldEvent> tail = new ArrayList<>();
        outbox.log().forEachAfter(Math.max(0, outbox.log().lastSeq() - RECOVERY_WINDOW), tail::add);
        for (InterruptedTurns.Turn interrupted : InterruptedTurns.in(tail)) {
            MessageEvent start = interrupted.start();
            Turn turn = new Turn(start.id(), start.chatId());
            boolean recent = !start.timestamp().isBefore(clock.instant().minus(resumeWithin));
            if (resumeTurns && recent) {
                LOG.log(Level.INFO, "Taking up a turn of " + key + " that a restart cut off (message " + start.id()
                        + ").");
                walk(interrupted, turn);
            } else {
                outbox.emitEvenIfUnlogged(new SystemEvent(Ids.next(), clock.instant(), 0, "The server restarted "
                        + "while a turn was under way; its unfinished replies were not taken up again. Send the "
                        + "message again to ask once more.", MessageLevel.WARNING));
            }
            replies.endTurnIfDone(turn);
        }
    }

    private void walk(InterruptedTurns.Turn interrupted, Turn turn) {
        resuming = interrupted;
        try {
            for (MessageEvent m : interrupted.messages()) {
                if (m == interrupted.start()) {
                    route(m, m.senderType() == SenderType.WORLD ? SenderClass.WORLD : SenderClass.HUMAN, turn);
                    continue;
                }
                AgentState a = world.agents.get(m.sender());
                if (m.turnLimitNotice() || a == null) {
                    continue;
                }
                remember(a, new MemoryMessage(MemoryMessage.ASSISTANT, m.content(), m.sender(), m.id(),
                        m.replyToMessageId(), m.timestamp(), m.chatId(), m.stopped() ? Map.of("stopped", "true")
                                : Map.of()));
                if (m.triggers()) {
                    route(m, SenderClass.AGENT, turn);
                }
            }
        } catch (RuntimeException e) {
            outbox.reportFailure("taking up a turn that a restart cut off", e);
        } finally {
            resuming = null;
        }
    }
}
