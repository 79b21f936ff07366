package io.worldlink.internal.world;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.ErrorCode;
import io.worldlink.NewAgent;
import io.worldlink.UserStorage;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldUpdate;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.internal.Names;
import io.worldlink.internal.model.ModelRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;

/**
 * The changes clients make to a world's settings and agents ({@code world-update}, {@code agent-update},
 * {@code agent-create}, {@code agent-delete}): checked against the host's policies, saved at once (the
 * memory snapshot first, so that the log's replay never crosses a change it cannot apply), and published. Used on the world's executor only.
 */
final class WorldEdits {
    private final WorldKey key;
    private final UserStorage storage;
    private final WorldState world;
    private final EventOutbox outbox;
    private final PendingSaves saves;
    private final RepliesInFlight replies;
    private final TemplateAgents templateAgents;
    private final ModelRegistry models;
    private final WorldRuntime.Settings settings;
    private final Clock clock;

    WorldEdits(WorldKey key, UserStorage storage, WorldState world, EventOutbox outbox, PendingSaves saves,
            RepliesInFlight replies, TemplateAgents templateAgents, ModelRegistry models,
            WorldRuntime.Settings settings) {
        this.key = key;
        this.storage = storage;
        this.world = world;
        this.outbox = outbox;
        this.saves = saves;
        this.replies = replies;
        this.templateAgents = templateAgents;
        this.models = models;
        this.settings = settings;
        this.clock = settings.clock();
    }

    /** See {@link WorldRuntime#updateAgent} */
    AgentView updateAgent(String eventId, String agentName, WorldRuntime.AgentUpdate update) {
        AgentState a = world.existingAgent(agentName);
        if (update.systemPrompt() != null) {
            settings.worldPolicy().systemPrompt(update.systemPrompt());
        }
        AgentConfig changed = a.config;
        if (update.config() != null) {
            AgentConfig template = templateAgents.agent(a.config.id());
            changed = settings.modelPolicy().apply(changed, models.providerOf(changed.provider()),
                    template == null ? null : template.model(), update.config());
        }
        if (update.status() != null) {
            changed = changed.withStatus(update.status());
        }
        saves.beforeEdit();
        storage.saveAgentConfig(key, changed);
        a.config = changed;
        saves.configSaved(a.config.id());
        if (update.systemPrompt() != null) {
            storage.saveSystemPrompt(key, a.config.id(), update.systemPrompt());
            a.systemPrompt = update.systemPrompt();
        }
        if (update.clearMemory() && !a.memory.isEmpty()) {
            saves.clearMemory(a);
        }
        AgentView view = a.view();
        outbox.emit(new WorldActionEvent(EventOutbox.idOrNew(eventId), clock.instant(), 0,
                WorldActionEvent.AGENT_UPDATE, a.config.id(), Map.of("agent", view)));
        return view;
    }

    /** See {@link WorldRuntime#updateWorld} */
    WorldConfig updateWorld(String eventId, WorldUpdate update) {
        WorldPolicy policy = settings.worldPolicy();
        if (update.isEmpty()) {
            throw new WorldLinkException(ErrorCode.INVALID_MESSAGE, "A world update needs name, description or "
                    + "turnLimit. Nothing was changed.");
        }
        WorldConfig config = world.config;
        String name = update.name() == null ? config.name() : policy.displayName("world name", update.name());
        String description = update.description() == null ? config.description()
                : policy.description(update.description());
        int turnLimit = update.turnLimit() == null ? config.turnLimit() : policy.turnLimit(update.turnLimit());
        saves.beforeEdit();
        // The snapshot may have moved the config's memory seq.
        WorldConfig current = world.config;
        WorldConfig changed = new WorldConfig(current.id(), name, description, turnLimit, current.isTemplate(),
                current.metadata(), current.extra());
        storage.saveWorldConfig(key, changed);
        world.config = changed;
        outbox.emit(new WorldActionEvent(EventOutbox.idOrNew(eventId), clock.instant(), 0,
                WorldActionEvent.WORLD_UPDATE, null, Map.of("world", WorldViews.of(changed))));
        return changed;
    }

    /** See {@link WorldRuntime#createAgent} */
    AgentSnapshot createAgent(String eventId, NewAgent spec) {
        WorldPolicy policy = settings.worldPolicy();
        String name = policy.displayName("agent name", spec.name());
        String id = Names.toId("agent name", name);
        policy.notReserved(name, id);
        for (AgentState a : world.agents.values()) {
            AgentConfig c = a.config;
            if (c.id().equals(id) || c.name().equalsIgnoreCase(name) || c.name().equalsIgnoreCase(id)
                    || c.id().equalsIgnoreCase(name)) {
                throw new WorldLinkException(ErrorCode.INVALID_NAME, "The world has an agent called \"" + c.name()
                        + "\" (id " + c.id() + ") already; choose another name. Nothing was changed.");
            }
        }
        policy.roomForAgent(world.agents.size());
        String prompt = policy.systemPrompt(spec.systemPrompt() == null ? "" : spec.systemPrompt());
        String provider = spec.provider() == null || spec.provider().isBlank() ? ModelRegistry.DEFAULT
                : spec.provider();
        AgentConfig config = settings.modelPolicy().newAgent(id, name, provider, models.providerOf(provider),
                spec.model(), spec.temperature(), spec.maxTokens(), clock.instant());
        AgentSnapshot agent = new AgentSnapshot(config, prompt, List.of());
        saves.beforeEdit();
        storage.createAgent(key, agent);
        AgentState state = new AgentState(agent);
        world.agents.put(id, state);
        outbox.emit(new WorldActionEvent(EventOutbox.idOrNew(eventId), clock.instant(), 0,
                WorldActionEvent.AGENT_CREATE, id, Map.of("agent", state.view())));
        return agent;
    }

    /** See {@link WorldRuntime#deleteAgent} */
    String deleteAgent(String eventId, String agentName) {
        String id = world.existingAgent(agentName).config.id();
        storage.deleteAgent(key, id);
        // Gone from the world before its replies stop, so that nothing is written to its folder again.
        world.agents.remove(id);
        saves.forget(id);
        replies.stopAgent(id);
        outbox.emit(new WorldActionEvent(EventOutbox.idOrNew(eventId), clock.instant(), 0,
                WorldActionEvent.AGENT_DELETE, id, Map.of()));
        return id;
    }
}
