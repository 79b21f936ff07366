package io.worldlink.internal.world;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.MemoryMessage;
import java.util.ArrayList;
import java.util.Map;

/** An agent of a loaded world as it is now: its config, prompt and memory. Touched only on the world's executor. */
final class AgentState {
    AgentConfig config;
    String systemPrompt;
    final ArrayList<MemoryMessage> memory;
    // Whether the turn-limit notice went out since a person last spoke: it goes out once.
    boolean limitNoticeSent;

    AgentState(AgentSnapshot s) {
        this.config = s.config();
        this.systemPrompt = s.systemPrompt();
        this.memory = new ArrayList<>(s.memory());
    }

    /** @return the agent as clients see it */
    AgentView view() {
        return AgentView.of(config, systemPrompt, memory.size());
    }
}
