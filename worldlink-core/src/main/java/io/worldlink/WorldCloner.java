package io.worldlink;

import io.worldlink.internal.store.FileWorldCloner;
import java.time.Clock;

/**
 * Makes a user's world from a template: says what the new world is, and writes nothing. WorldLink writes it
 * ({@link UserStorage#createWorld}) at the world's first durable write: its first event, a change to it or
 * its agents, a chat or memory saved. Until then the world runs from the clone in memory, and a world that
 * was only selected leaves nothing behind when its last connection leaves. The template is read as it is
 * at each clone (an edited template is used at once) and never written. The default clone has
 * {@code isTemplate: false}, the name the user gave it, and {@code metadata {originalTemplate, clonedFor,
 * clonedAt, worldEpoch}}.
 *
 * <p>A host replaces it to shape new worlds, for example to give every clone a welcome agent:
 * <pre>{@code
 * WorldCloner copy = WorldCloner.fromTemplates(TemplateStore.files(dataRoot));
 * WorldCloner withGreeter = (templateId, target, worldName) -> {
 *     WorldSnapshot clone = copy.cloneTemplate(templateId, target, worldName);
 *     List<AgentSnapshot> agents = new ArrayList<>(clone.agents());
 *     agents.add(greeter);
 *     return new WorldSnapshot(clone.config(), agents);
 * };
 * WorldLink.builder().storage(storage).eventLogs(logs).cloner(withGreeter)...
 * }</pre>
 * A cloner that writes the world to storage itself has it stored from the select on, as a world created
 * over REST is.
 */
@FunctionalInterface
public interface WorldCloner {
    /**
     * {@return the new world: the target's id, not a template}
     *
     * @param templateId the template's id
     * @param target the user's world to make
     * @param worldName the display name the user gave the world
     * @throws WorldLinkException {@link ErrorCode#TEMPLATE_NOT_FOUND} when there is no such template
     */
    WorldSnapshot cloneTemplate(String templateId, WorldKey target, String worldName);

    /**
     * {@return the default cloner}
     *
     * @param templates where templates are read
     */
    static WorldCloner fromTemplates(TemplateStore templates) {
        return new FileWorldCloner(templates, Clock.systemUTC());
    }
}
