package io.worldlink.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What an agent asks its chat model: the system prompt first, then recent memory, then the message
 * it answers (once).
 *
 * @param agentId the agent's id
 * @param agentName the agent's display name
 * @param model the model name from the agent's config (may be empty: the provider's default)
 * @param messages the conversation, system prompt first
 * @param temperature the sampling temperature, or {@code null} for the provider's default
 * @param maxTokens the longest reply, or {@code null} for the provider's default
 * @param options provider options from the agent's config ({@code baseUrl}, {@code apiKey}); never logged
 */
public record ChatRequest(String agentId, String agentName, String model, List<ChatMessage> messages,
        Double temperature, Integer maxTokens, Map<String, String> options) {
    /** Checks and copies. */
    public ChatRequest {
        Objects.requireNonNull(agentId, "agentId");
        Objects.requireNonNull(agentName, "agentName");
        model = model == null ? "" : model;
        messages = List.copyOf(messages);
        options = options == null ? Map.of() : Map.copyOf(options);
    }

    @Override
    public String toString() {
        // options may hold an API key: never print them.
        return "ChatRequest[agent=" + agentId + ", model=" + model + ", messages=" + messages.size() + "]";
    }
}
