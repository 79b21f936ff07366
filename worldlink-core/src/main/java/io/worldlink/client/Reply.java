package io.worldlink.client;

import io.worldlink.model.Usage;


/**
 * One agent's whole reply within a turn.
 *
 * @param agentName the agent that answered
 * @param messageId the reply's message id
 * @param content the whole reply (the text so far, for a reply that was stopped or failed)
 * @param usage token usage, or {@code null} when the model reported none
 * @param stopped whether a client stopped it ({@code chat-stop}) before it was complete
 */
public record Reply(String agentName, String messageId, String content, Usage usage, boolean stopped) {}
