package io.worldlink.internal.store;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.TemplateStore;
import io.worldlink.WorldCloner;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldSnapshot;
import io.worldlink.internal.Json;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The default {@link WorldCloner}: reads the template as it is at each clone, and writes nothing.
 * A clone gets no credentials: an agent's {@code apiKey} and {@code baseUrl} stay in the template, where
 * the runtime looks them up at call time, so that a user's world (which its user may read and change)
 * never holds them.
 */
public final class FileWorldCloner implements WorldCloner {
    private static final Set<String> TEMPLATE_ONLY = Set.of("apiKey", "baseUrl");

    private final TemplateStore templates;
    private final Clock clock;

    /**
     * @param templates where templates are read
     * @param clock the time written as {@code clonedAt}
     */
    public FileWorldCloner(TemplateStore templates, Clock clock) {
        this.templates = templates;
        this.clock = clock;
    }

    @Override
    public WorldSnapshot cloneTemplate(String templateId, WorldKey target, String worldName) {
        WorldSnapshot template = templates.read(templateId);
        Map<String, String> metadata = new LinkedHashMap<>(template.config().metadata());
        metadata.put("originalTemplate", templateId);
        metadata.put("clonedFor", target.userId().value());
        metadata.put("clonedAt", Json.timestamp(clock.instant()));
        // A clone starts its log, and so its seqs, afresh: a new epoch tells a client that the seqs it
        // holds from an earlier life of this world id mean nothing in this one.
        metadata.put("worldEpoch", UUID.randomUUID().toString());
        WorldConfig config = template.config()
                .withIdentity(target.worldId(), worldName == null || worldName.isBlank() ? target.worldId() : worldName)
                .withTemplate(false, metadata);
        List<AgentSnapshot> agents = template.agents().stream()
                .map(a -> new AgentSnapshot(withoutCredentials(a.config()), a.systemPrompt(), a.memory()))
                .toList();
        return new WorldSnapshot(config, agents);
    }

    // The template's agent as a fresh clone has it: no calls made yet, and no credentials.
    private static AgentConfig withoutCredentials(AgentConfig c) {
        Map<String, String> extra = new LinkedHashMap<>(c.extra());
        extra.keySet().removeAll(TEMPLATE_ONLY);
        return new AgentConfig(c.id(), c.name(), c.type(), c.status(), c.provider(), c.model(), c.temperature(),
                c.maxTokens(), c.autoReply(), 0, null, c.createdAt(), null, extra);
    }
}
