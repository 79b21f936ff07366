package io.worldlink.client;

import io.worldlink.event.WorldEvent;
import java.util.List;

/**
 * A page of a chat's history ({@code chat-history}): the chat's newest durable events before a seq.
 *
 * @param chatId the chat
 * @param events the events, in seq order
 * @param hasEarlier whether the chat has older events; ask for them with the seq of the first of these
 */
public record ChatHistory(String chatId, List<WorldEvent> events, boolean hasEarlier) {
    /** Copies the events. */
    public ChatHistory {
        events = List.copyOf(events);
    }
}
