package io.worldlink;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A whole world as it is stored: its config and its agents, in a stable order (by id).
 *
 * @param config the world's {@code config.json}
 * @param agents its agents
 */
public record WorldSnapshot(WorldConfig config, List<AgentSnapshot> agents) {
    /** Checks that agent ids are unique and copies the list. */
    public WorldSnapshot {
        Objects.requireNonNull(config, "config");
        agents = List.copyOf(agents);
        Set<String> ids = new HashSet<>();
        for (AgentSnapshot a : agents) {
            if (!ids.add(a.id())) {
                throw new IllegalArgumentException("two agents with the id " + a.id());
            }
        }
    }

    /**
     * {@return that agent, if the world has it}
     *
     * @param agentId an agent id
     */
    public Optional<AgentSnapshot> agent(String agentId) {
        return agents.stream().filter(a -> a.id().equals(agentId)).findFirst();
    }
}
