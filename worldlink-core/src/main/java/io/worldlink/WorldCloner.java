package io.worldlink;

import io.worldlink.internal.store.FileWorldCloner;
import java.time.Clock;

/**
 * Makes a user's world from a template. The template is read afresh each time (no caching, so an edited
 * template is used at once) and never written. The clone has {@code isTemplate: false}, the name the
 * user gave it, and {@code metadata {originalTemplate, clonedFor, clonedAt}}.
 *
 * <p>A host replaces it to shape new worlds, for example to give every clone a welcome agent:
 * <pre>{@code
 * WorldCloner copy = WorldCloner.fromTemplates(TemplateStore.files(dataRoot), storage);
 * WorldCloner withGreeter = (templateId, target, worldName) -> {
 *     copy.cloneTemplate(templateId, target, worldName);
 *     storage.createAgent(target, greeter);
 *     return storage.loadWorld(target);
 * };
 * WorldLink.builder().storage(storage).eventLogs(logs).cloner(withGreeter)...
 * }</pre>
 */
@FunctionalInterface
public interface WorldCloner {
    /**
     * {@return the new world as stored}
     *
     * @param templateId the template's id
     * @param target the user's world to make; an existing one is replaced as a whole
     * @param worldName the display name the user gave the world
     * @throws WorldLinkException {@link ErrorCode#TEMPLATE_NOT_FOUND} when there is no such template
     */
    WorldSnapshot cloneTemplate(String templateId, WorldKey target, String worldName);

    /**
     * {@return the default cloner}
     *
     * @param templates where templates are read
     * @param storage where the clones are written
     */
    static WorldCloner fromTemplates(TemplateStore templates, UserStorage storage) {
        return new FileWorldCloner(templates, storage, Clock.systemUTC());
    }
}
