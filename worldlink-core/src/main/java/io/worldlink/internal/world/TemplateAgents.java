package io.worldlink.internal.world;

import io.worldlink.AgentConfig;
import io.worldlink.TemplateStore;
import io.worldlink.UserStorage;
import io.worldlink.WorldKey;
import io.worldlink.internal.Names;
import java.lang.System.Logger.Level;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agents of the template a user's world was cloned from, read when first needed. Where an agent's
 * model is called and with which key is the template's alone: a user's world never holds it, and a
 * model call takes it from here. Used on the world's executor only.
 */
final class TemplateAgents {
    private static final System.Logger LOG = System.getLogger(TemplateAgents.class.getName());
    // Agent config fields that say where a model is called and with which key.
    private static final List<String> CREDENTIALS = List.of("apiKey", "baseUrl");

    private final WorldKey key;
    private final UserStorage storage;
    private final TemplateStore templates;
    private final WorldState world;
    private Map<String, AgentConfig> byId;

    TemplateAgents(WorldKey key, UserStorage storage, TemplateStore templates, WorldState world) {
        this.key = key;
        this.storage = storage;
        this.templates = templates;
        this.world = world;
    }

    /**
     * @param agentId an agent of the world
     * @return the agent as its template has it, or {@code null} when the template has none such
     */
    AgentConfig agent(String agentId) {
        if (byId == null) {
            byId = read();
        }
        return byId.get(agentId);
    }

    /**
     * @param a an agent of the world
     * @return its template's base URL and key, when its template agent uses the same provider
     */
    Map<String, String> credentials(AgentConfig a) {
        Map<String, String> options = new LinkedHashMap<>();
        AgentConfig template = agent(a.id());
        if (template != null && template.provider().equals(a.provider())) {
            for (String option : CREDENTIALS) {
                String value = template.extraString(option);
                if (value != null) {
                    options.put(option, value);
                }
            }
        }
        return options;
    }

    /**
     * Drops the base URL and key from the agents of the user's world, and reads the template again when
     * next needed (an older version copied a template's key into every clone, and let clients set the
     * base URL).
     */
    void removeCredentials() {
        byId = null;
        for (AgentState a : world.agents.values()) {
            if (CREDENTIALS.stream().anyMatch(a.config.extra()::containsKey)) {
                a.config = a.config.withoutExtra(CREDENTIALS);
                storage.saveAgentConfig(key, a.config);
                LOG.log(Level.INFO, "Removed the base URL and key of agent " + a.config.id() + " from " + key
                        + ": they come from the template and the server's settings.");
            }
        }
    }

    private Map<String, AgentConfig> read() {
        String templateId = world.config.metadata().get("originalTemplate");
        if (templateId == null || !Names.isValidId(templateId)) {
            return Map.of();
        }
        try {
            Map<String, AgentConfig> agents = new LinkedHashMap<>();
            templates.read(templateId).agents().forEach(t -> agents.put(t.id(), t.config()));
            return agents;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "The template " + templateId + " of " + key + " cannot be read (" + e.getMessage()
                    + "); its agents' model settings are not used.");
            return Map.of();
        }
    }
}
