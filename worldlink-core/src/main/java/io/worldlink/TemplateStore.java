package io.worldlink;

import io.worldlink.internal.store.FileTemplateStore;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the template worlds come from: read-only worlds that users' worlds are cloned from. The default
 * reads them from {@code {dataRoot}/worlds/}, again whenever a file of theirs has changed (an edited
 * template is used at once).
 * Implementations are thread-safe and never write a template.
 *
 * <p>A host that keeps its templates elsewhere (in a database, or in code) replaces this one:
 * <pre>{@code
 * TemplateStore mine = new TemplateStore() {
 *     public List<String> list() { return List.of("support"); }
 *     public WorldSnapshot read(String templateId) { return supportWorld(); }
 * };
 * WorldLink.builder().templates(mine).cloner(WorldCloner.fromTemplates(mine)).storage(storage)...
 * }</pre>
 */
public interface TemplateStore {
    /** {@return the ids of the templates, sorted} */
    List<String> list();

    /**
     * Reads a template.
     *
     * @param templateId a template's id
     * @return the template, with {@code isTemplate: true}
     * @throws WorldLinkException {@link ErrorCode#TEMPLATE_NOT_FOUND} when there is none (the message should
     *     name the templates there are)
     */
    WorldSnapshot read(String templateId);

    /**
     * The default: template folders in agent-world's layout.
     *
     * @param dataRoot the data root; templates are read from {@code worlds/} under it
     * @return the store
     */
    static TemplateStore files(Path dataRoot) {
        return new FileTemplateStore(dataRoot);
    }
}
