package io.worldlink.internal.world;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.internal.Json;

/**
 * An agent as clients see it (PROTOCOL.md's {@code Agent}), its fields in the protocol's order. Only these
 * fields go out: whatever else an agent's config holds (an API key, say) never does. Absent values
 * ({@code null}) are left out of the JSON.
 *
 * @param id the agent's id
 * @param name its display name
 * @param type its type
 * @param status {@code active} or {@code inactive}
 * @param provider its provider
 * @param model its model
 * @param systemPrompt its system prompt
 * @param temperature its temperature, or {@code null}
 * @param maxTokens its longest reply, or {@code null}
 * @param llmCallCount how often its model was called
 * @param createdAt when it was made (ISO-8601), or {@code null}
 * @param lastActive when it last answered (ISO-8601), or {@code null}
 * @param memorySize how many messages its memory holds
 */
public record AgentView(String id, String name, String type, String status, String provider, String model,
        String systemPrompt, Double temperature, Integer maxTokens, int llmCallCount, String createdAt,
        String lastActive, int memorySize) {

    /**
     * {@return the view of an agent}
     *
     * @param c the agent's config
     * @param systemPrompt its system prompt
     * @param memorySize how many messages its memory holds
     */
    public static AgentView of(AgentConfig c, String systemPrompt, int memorySize) {
        return new AgentView(c.id(), c.name(), c.type(), c.status().wireName(), c.provider(), c.model(), systemPrompt,
                c.temperature(), c.maxTokens(), c.llmCallCount(),
                c.createdAt() == null ? null : Json.timestamp(c.createdAt()),
                c.lastActive() == null ? null : Json.timestamp(c.lastActive()), memorySize);
    }

    /**
     * {@return a stored agent as clients see it}
     *
     * @param a a stored agent
     */
    public static AgentView of(AgentSnapshot a) {
        return of(a.config(), a.systemPrompt(), a.memory().size());
    }
}
