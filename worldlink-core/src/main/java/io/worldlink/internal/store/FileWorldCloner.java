package io.worldlink.internal.store;

import io.worldlink.AgentSnapshot;
import io.worldlink.UserStorage;
import io.worldlink.WorldCloner;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldSnapshot;
import io.worldlink.internal.Json;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The default {@link WorldCloner}: reads a template folder under {@code worlds/} afresh on every clone. */
public final class FileWorldCloner implements WorldCloner {
    private final Templates templates;
    private final UserStorage storage;
    private final Clock clock;

    /**
     * @param dataRoot the data root
     * @param storage where clones are written
     */
    public FileWorldCloner(Path dataRoot, UserStorage storage) {
        this(new Templates(dataRoot), storage, Clock.systemUTC());
    }

    /**
     * @param templates where templates are read
     * @param storage where clones are written
     * @param clock the time written as {@code clonedAt}
     */
    public FileWorldCloner(Templates templates, UserStorage storage, Clock clock) {
        this.templates = templates;
        this.storage = storage;
        this.clock = clock;
    }

    @Override
    public WorldSnapshot cloneTemplate(String templateId, WorldKey target, String worldName) {
        WorldSnapshot template = templates.read(templateId);
        Map<String, String> metadata = new LinkedHashMap<>(template.config().metadata());
        metadata.put("originalTemplate", templateId);
        metadata.put("clonedFor", target.userId().value());
        metadata.put("clonedAt", Json.timestamp(clock.instant()));
        WorldConfig config = template.config()
                .withIdentity(target.worldId(), worldName == null || worldName.isBlank() ? target.worldId() : worldName)
                .withTemplate(false, metadata);
        List<AgentSnapshot> agents = template.agents().stream()
                .map(a -> new AgentSnapshot(a.config().withCalls(0, null, null), a.systemPrompt(), a.memory()))
                .toList();
        WorldSnapshot clone = new WorldSnapshot(config, agents);
        storage.createWorld(target, clone);
        return clone;
    }
}
