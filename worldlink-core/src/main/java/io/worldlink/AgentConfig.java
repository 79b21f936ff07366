package io.worldlink;

import io.worldlink.internal.JsonMaps;
import io.worldlink.internal.SnapshotJson;
import io.worldlink.internal.Names;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * An agent's {@code agents/{id}/config.json}. The system prompt and the memory live in files of their
 * own (see {@link AgentSnapshot}).
 *
 * @param id the agent's id
 * @param name its display name
 * @param type its kind, {@code "assistant"} by default
 * @param status whether it answers
 * @param provider the chat model provider ({@code default}, {@code offline}, {@code openai},
 *     {@code ollama}, {@code openai-compatible})
 * @param model the model name, passed to the provider
 * @param temperature sampling temperature, or {@code null} for the provider's default
 * @param maxTokens the longest reply, or {@code null} for the provider's default
 * @param autoReply whether a reply to another agent is prefixed with {@code @sender} when it names no one
 * @param llmCallCount model calls since a human or the world last spoke
 * @param lastLLMCall when the model was last called, or {@code null}
 * @param createdAt when the agent was made, or {@code null} when unknown
 * @param lastActive when the agent last answered, or {@code null}
 * @param extra fields this version does not know (for example {@code baseUrl}), each value as its JSON
 *     text, kept through a rewrite
 */
public record AgentConfig(String id, String name, String type, AgentStatus status, String provider, String model,
        Double temperature, Integer maxTokens, boolean autoReply, int llmCallCount, Instant lastLLMCall,
        Instant createdAt, Instant lastActive, Map<String, String> extra) {

    /** Validates the id and fills the defaults. */
    public AgentConfig {
        if (!Names.isValidId(id)) {
            throw new IllegalArgumentException("not an agent id: " + id);
        }
        name = name == null || name.isBlank() ? id : name;
        type = type == null || type.isBlank() ? "assistant" : type;
        status = status == null ? AgentStatus.ACTIVE : status;
        provider = provider == null || provider.isBlank() ? "default" : provider;
        model = model == null ? "" : model;
        if (llmCallCount < 0) {
            throw new IllegalArgumentException("llmCallCount must not be negative");
        }
        extra = JsonMaps.copyOf(extra, SnapshotJson.AGENT_FIELDS);
    }

    /**
     * {@return a copy with another status}
     *
     * @param status the new status
     */
    public AgentConfig withStatus(AgentStatus status) {
        return new AgentConfig(id, name, type, Objects.requireNonNull(status), provider, model, temperature,
                maxTokens, autoReply, llmCallCount, lastLLMCall, createdAt, lastActive, extra);
    }

    /**
     * {@return a copy with other call bookkeeping}
     *
     * @param llmCallCount the new count
     * @param lastLLMCall when the model was last called
     * @param lastActive when the agent was last active
     */
    public AgentConfig withCalls(int llmCallCount, Instant lastLLMCall, Instant lastActive) {
        return new AgentConfig(id, name, type, status, provider, model, temperature, maxTokens, autoReply,
                llmCallCount, lastLLMCall, createdAt, lastActive, extra);
    }

    /**
     * {@return a copy with other model settings}
     *
     * @param model the new model name
     * @param temperature the new temperature, or {@code null}
     * @param maxTokens the new longest reply, or {@code null}
     */
    public AgentConfig withModelSettings(String model, Double temperature, Integer maxTokens) {
        return new AgentConfig(id, name, type, status, provider, model, temperature, maxTokens, autoReply,
                llmCallCount, lastLLMCall, createdAt, lastActive, extra);
    }

    /**
     * {@return a copy without them}
     *
     * @param keys fields of {@link #extra()} to drop
     */
    public AgentConfig withoutExtra(java.util.Collection<String> keys) {
        Map<String, String> kept = new java.util.LinkedHashMap<>(extra);
        kept.keySet().removeAll(keys);
        return new AgentConfig(id, name, type, status, provider, model, temperature, maxTokens, autoReply,
                llmCallCount, lastLLMCall, createdAt, lastActive, kept);
    }

    /**
     * {@return its value when it is a JSON string, else {@code null}}
     *
     * @param key a field of {@link #extra()}
     */
    public String extraString(String key) {
        return JsonMaps.stringValue(extra.get(key));
    }
}
