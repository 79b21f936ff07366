package io.worldlink.client;

import io.worldlink.model.Usage;


/**
 * A piece of an agent's streamed reply ({@code chat-response}).
 *
 * @param agentName the agent answering
 * @param content the new text, or the whole reply when {@code complete}
 * @param messageId the reply's message id (the same for every piece)
 * @param complete whether this is the end of the reply
 * @param usage token usage, on the end; otherwise {@code null}
 * @param stopped on the end: whether a client stopped the reply, whose content is then the text so far
 */
public record ChatResponse(String agentName, String content, String messageId, boolean complete, Usage usage,
        boolean stopped) {}
