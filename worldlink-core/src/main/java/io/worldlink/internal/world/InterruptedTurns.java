package io.worldlink.internal.world;

import io.worldlink.event.MessageEvent;
import io.worldlink.event.SenderType;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds, in the end of a world's event log, the turns that a crash cut off: a human or world message
 * with no {@code idle} after it. For each it gathers what the log holds of the turn, so that the world
 * can walk the turn again by its routing rules and start only the replies that are missing.
 */
final class InterruptedTurns {
    /**
     * A turn without its end.
     *
     * @param start the message that started it
     * @param messages its messages in log order, the start first: every message that answers one of them
     */
    record Turn(MessageEvent start, List<MessageEvent> messages) {}

    /**
     * What agents said in answer to messages, as "agentId/messageId" of the message answered.
     *
     * @param answered each message an agent's reply answers
     * @param noticed each message that an agent's turn-limit notice answers
     */
    record Replies(Set<String> answered, Set<String> noticed) {}

    private InterruptedTurns() {}

    /**
     * @param tail the last events of a log, in order
     * @return the turns among them that have no {@code idle}, oldest first
     */
    static List<Turn> in(List<WorldEvent> tail) {
        Map<String, Integer> open = new LinkedHashMap<>();
        for (int i = 0; i < tail.size(); i++) {
            WorldEvent e = tail.get(i);
            if (e instanceof MessageEvent m && (m.senderType() == SenderType.HUMAN || m.senderType() == SenderType.WORLD)) {
                open.put(m.id(), i);
            } else if (e instanceof WorldActionEvent w && w.action().equals(WorldActionEvent.IDLE)) {
                open.remove(String.valueOf(w.details().get("messageId")));
            }
        }
        List<Turn> turns = new ArrayList<>();
        for (int startIndex : open.values()) {
            MessageEvent start = (MessageEvent) tail.get(startIndex);
            List<MessageEvent> messages = new ArrayList<>(List.of(start));
            Set<String> inTurn = new HashSet<>(Set.of(start.id()));
            for (WorldEvent e : tail.subList(startIndex + 1, tail.size())) {
                if (e instanceof MessageEvent m && m.replyToMessageId() != null && inTurn.contains(m.replyToMessageId())) {
                    messages.add(m);
                    inTurn.add(m.id());
                }
            }
            turns.add(new Turn(start, messages));
        }
        return turns;
    }

    /**
     * @param tail the last events of a log, in order
     * @return the agents' replies and turn-limit notices among them
     */
    static Replies replies(List<WorldEvent> tail) {
        Set<String> answered = new HashSet<>();
        Set<String> noticed = new HashSet<>();
        for (WorldEvent e : tail) {
            if (e instanceof MessageEvent m && m.senderType() == SenderType.AGENT && m.replyToMessageId() != null) {
                (m.turnLimitNotice() ? noticed : answered).add(m.sender() + "/" + m.replyToMessageId());
            }
        }
        return new Replies(answered, noticed);
    }
}
