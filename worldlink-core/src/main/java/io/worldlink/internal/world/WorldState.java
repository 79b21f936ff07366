package io.worldlink.internal.world;

import io.worldlink.AgentSnapshot;
import io.worldlink.ErrorCode;
import io.worldlink.WorldConfig;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.internal.Names;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a loaded world is now: its config, its agents by id, and whether it is closed. Every part of the
 * runtime reads and changes it on the world's executor only.
 */
final class WorldState {
    WorldConfig config;
    final Map<String, AgentState> agents = new LinkedHashMap<>();
    boolean closed;

    /** Replaces config and agents with what storage holds. */
    void install(WorldSnapshot snapshot) {
        config = snapshot.config();
        agents.clear();
        for (AgentSnapshot a : snapshot.agents()) {
            agents.put(a.id(), new AgentState(a));
        }
    }

    /** @return the agents as clients see them */
    List<AgentView> agentViews() {
        List<AgentView> views = new ArrayList<>(agents.size());
        agents.values().forEach(a -> views.add(a.view()));
        return views;
    }

    /**
     * @param agentName a client's name for an agent
     * @return the agent
     * @throws WorldLinkException {@link ErrorCode#AGENT_NOT_FOUND} when the world has no such agent
     */
    AgentState existingAgent(String agentName) {
        AgentState a = agentNamed(agentName);
        if (a == null) {
            // The name is a client's: only its start is shown back.
            String shown = agentName.length() > 40 ? agentName.substring(0, 40) + "..." : agentName;
            throw new WorldLinkException(ErrorCode.AGENT_NOT_FOUND, "The world \"" + config.id()
                    + "\" has no agent \"" + shown + "\". Its agents are: " + String.join(", ", agents.keySet())
                    + ".");
        }
        return a;
    }

    /**
     * @param name an agent's id or name, in any case, or {@code null}
     * @return the agent, or {@code null} when none is so called
     */
    AgentState agentNamed(String name) {
        if (name == null) {
            return null;
        }
        AgentState byId = agents.get(name.toLowerCase(Locale.ROOT));
        if (byId != null) {
            return byId;
        }
        for (AgentState a : agents.values()) {
            if (a.config.name().equalsIgnoreCase(name)) {
                return a;
            }
        }
        try {
            return agents.get(Names.toId("agent name", name));
        } catch (WorldLinkException e) {
            return null;
        }
    }
}
