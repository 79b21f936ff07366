package io.worldlink;

import io.worldlink.internal.Json;
import io.worldlink.internal.world.AgentView;
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

    /** {@return the agent's id} */
    public String id() {
        return config.id();
    }

    /**
     * Returns this agent as WorldLink's clients receive it (PROTOCOL.md's {@code Agent}, as in
     * {@code agent-created}), for a host that answers them over a transport of its own: its id, name, type,
     * status, provider, model and system prompt, its temperature and {@code maxTokens} when set, its call
     * count, when it was made and last answered when known, and its memory's size. Nothing else of its config
     * goes out (a key among its extra fields, say), nor the memory itself.
     *
     * @return a JSON object, in the protocol's field order
     */
    public String toClientJson() {
        return Json.GSON.toJson(AgentView.of(this));
    }
}
