package io.worldlink.internal.store;

import io.worldlink.ErrorCode;
import io.worldlink.TemplateStore;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The default {@link TemplateStore}: the template folders under {@code {dataRoot}/worlds/}. A template is
 * read again whenever one of its files or folders has changed since it was last read (another file, size or
 * time, without following links; a file changed in the last two seconds counts as changed), so an edited
 * template is used at once; an unchanged one costs a few file attribute reads instead of reading and
 * parsing every file, which each world-select of a new world does.
 */
public final class FileTemplateStore implements TemplateStore {
    private static final List<String> AGENT_FILES = List.of(WorldFiles.CONFIG, WorldFiles.PROMPT, WorldFiles.MEMORY);
    // A file changed more lately than this may change again without its time changing: read it each time.
    private static final long SETTLED_MILLIS = 2_000;

    private final DataRoot root;
    private final WorldFiles files;
    // The templates as last read, with the state of their files before that read: at most one per template
    // folder there is.
    private final Map<String, Read> lastRead = new ConcurrentHashMap<>();

    private record Read(List<String> stamp, WorldSnapshot template) {}

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
        // Taken before the files are read: a change during the read shows as a change at the next one.
        List<String> stamp = stamp(dir);
        Read last = lastRead.get(templateId);
        if (stamp != null && last != null && last.stamp().equals(stamp)) {
            return last.template();
        }
        if (!files.hasConfig(dir)) {
            lastRead.remove(templateId);
            List<String> all = list();
            throw new WorldLinkException(ErrorCode.TEMPLATE_NOT_FOUND, "There is no template \"" + templateId + "\". "
                    + (all.isEmpty() ? "This server has no templates at all; its operator must put some in the data "
                            + "root's worlds/ folder." : "The templates are: " + String.join(", ", all) + "."));
        }
        WorldSnapshot template = files.read(dir, templateId);
        if (stamp == null) {
            lastRead.remove(templateId);
        } else {
            lastRead.put(templateId, new Read(stamp, template));
        }
        return template;
    }

    /**
     * @param dir a template folder
     * @return what each file and folder that a read looks at is (which file, its size and time, or that it
     *     is absent), or {@code null} when that cannot tell a change: a file that cannot be read, or one
     *     changed so lately that another change within the file system's time resolution could follow
     */
    private static List<String> stamp(Path dir) {
        List<String> stamp = new ArrayList<>();
        long[] newest = {Long.MIN_VALUE};
        try {
            add(stamp, dir, newest);
            add(stamp, dir.resolve(WorldFiles.CONFIG), newest);
            Path agents = dir.resolve(WorldFiles.AGENTS);
            if (add(stamp, agents, newest)) {
                List<Path> folders = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(agents)) {
                    ds.forEach(folders::add);
                }
                folders.sort(null);
                for (Path folder : folders) {
                    if (add(stamp, folder, newest)) {
                        for (String file : AGENT_FILES) {
                            add(stamp, folder.resolve(file), newest);
                        }
                    }
                }
            }
        } catch (IOException e) {
            return null;
        }
        return System.currentTimeMillis() - newest[0] < SETTLED_MILLIS ? null : stamp;
    }

    // Adds a path's state; returns whether it is a folder.
    private static boolean add(List<String> stamp, Path path, long[] newest) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            long modified = a.lastModifiedTime().toMillis();
            newest[0] = Math.max(newest[0], modified);
            stamp.add(path.getFileName() + ":" + a.fileKey() + ":" + a.size() + ":" + a.lastModifiedTime()
                    + (a.isSymbolicLink() ? ":link" : ""));
            return a.isDirectory();
        } catch (NoSuchFileException e) {
            stamp.add(path.getFileName() + ":absent");
            return false;
        }
    }
}
