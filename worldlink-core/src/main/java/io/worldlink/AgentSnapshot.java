package io.worldlink;

import java.util.List;
import java.util.Objects;

/**
 * One agent as it is stored: its config, its system prompt and its memory, oldest message first.
 *
 * @param config the agent's {@code config.json}
 * @param systemPrompt the agent's {@code system-prompt.md}
 * @param memory the agent's {@code memory.json}
 */
public record AgentSnapshot(AgentConfig config, String systemPrompt, List<MemoryMessage> memory) {
    /** Checks and copies. */
    public AgentSnapshot {
        Objects.requireNonNull(config, "config");
        systemPrompt = systemPrompt == null ? "" : systemPrompt;
        memory = List.copyOf(memory);
    }

    /** @return the agent's id */
    public String id() {
        return config.id();
    }
}
