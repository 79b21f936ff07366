package io.worldlink.internal.store;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import java.nio.file.Path;
import java.util.List;

/** The read-only template worlds under {@code {dataRoot}/worlds/}. Nothing here writes. */
public final class Templates {
    private final DataRoot root;
    private final WorldFiles files;

    /** @param dataRoot the data root */
    public Templates(Path dataRoot) {
        this.root = new DataRoot(dataRoot);
        // Templates are only read, so whether writes sync does not matter.
        this.files = new WorldFiles(root, false);
    }

    /** @return the ids of the templates, sorted */
    public List<String> list() {
        return files.list(root.templates());
    }

    /**
     * Reads a template afresh.
     *
     * @param templateId a template's id
     * @return the template
     * @throws WorldLinkException {@link ErrorCode#TEMPLATE_NOT_FOUND} when there is none
     */
    public WorldSnapshot read(String templateId) {
        Path dir = root.template(templateId);
        if (!files.hasConfig(dir)) {
            throw new WorldLinkException(ErrorCode.TEMPLATE_NOT_FOUND, "There is no template \"" + templateId
                    + "\". The templates are: " + String.join(", ", list()) + ".");
        }
        return files.read(dir, templateId);
    }
}
