package io.worldlink.internal.store;

import io.worldlink.ErrorCode;
import io.worldlink.TemplateStore;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import java.nio.file.Path;
import java.util.List;

/** The default {@link TemplateStore}: the template folders under {@code {dataRoot}/worlds/}, read afresh each time. */
public final class FileTemplateStore implements TemplateStore {
    private final DataRoot root;
    private final WorldFiles files;

    /** @param dataRoot the data root */
    public FileTemplateStore(Path dataRoot) {
        this.root = new DataRoot(dataRoot);
        // Templates are only read, so whether writes sync does not matter.
        this.files = new WorldFiles(root, false);
    }

    @Override
    public List<String> list() {
        return files.list(root.templates());
    }

    @Override
    public WorldSnapshot read(String templateId) {
        Path dir = root.template(templateId);
        if (!files.hasConfig(dir)) {
            List<String> all = list();
            throw new WorldLinkException(ErrorCode.TEMPLATE_NOT_FOUND, "There is no template \"" + templateId + "\". "
                    + (all.isEmpty() ? "This server has no templates at all; its operator must put some in the data "
                            + "root's worlds/ folder." : "The templates are: " + String.join(", ", all) + "."));
        }
        return files.read(dir, templateId);
    }
}
