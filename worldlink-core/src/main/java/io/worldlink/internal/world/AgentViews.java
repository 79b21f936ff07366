package io.worldlink.internal.world;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.internal.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An agent as clients see it (PROTOCOL.md's {@code Agent}). Only these fields go out: whatever else an
 * agent's config holds (an API key, say) never does.
 */
public final class AgentViews {
    private AgentViews() {}

    /**
     * @param c the agent's config
     * @param systemPrompt its system prompt
     * @param memorySize how many messages its memory holds
     * @return the agent's JSON-ready fields, in the protocol's order
     */
    public static Map<String, Object> of(AgentConfig c, String systemPrompt, int memorySize) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", c.id());
        v.put("name", c.name());
        v.put("type", c.type());
        v.put("status", c.status().wireName());
        v.put("provider", c.provider());
        v.put("model", c.model());
        v.put("systemPrompt", systemPrompt);
        putIfPresent(v, "temperature", c.temperature());
        putIfPresent(v, "maxTokens", c.maxTokens());
        v.put("llmCallCount", c.llmCallCount());
        putIfPresent(v, "createdAt", c.createdAt() == null ? null : Json.timestamp(c.createdAt()));
        putIfPresent(v, "lastActive", c.lastActive() == null ? null : Json.timestamp(c.lastActive()));
        v.put("memorySize", memorySize);
        return v;
    }

    /**
     * @param a a stored agent
     * @return it as clients see it
     */
    public static Map<String, Object> of(AgentSnapshot a) {
        return of(a.config(), a.systemPrompt(), a.memory().size());
    }

    private static void putIfPresent(Map<String, Object> map, String key, Object value) {
        if (value != null) {
            map.put(key, value);
        }
    }
}
