package io.worldlink.internal.store;

import io.worldlink.ErrorCode;
import io.worldlink.UserId;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.internal.Names;
import io.worldlink.internal.StorageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * The data root and every path under it. Paths are only ever built from checked ids, and each one is
 * checked to stay under the root, also when a folder on the way is a symbolic link. Inside a world
 * folder no symbolic link is followed at all: a world's files are whatever its folder holds, so that
 * a link cannot show a client a file from elsewhere, nor have WorldLink write to one.
 */
public final class DataRoot {
    private final Path root;
    private volatile Path realRoot;

    /** @param root the data root; it need not exist yet */
    public DataRoot(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** @return the data root, absolute */
    public Path root() {
        return root;
    }

    /**
     * @param templateId a template's id
     * @return {@code worlds/{templateId}}
     */
    public Path template(String templateId) {
        requireId(templateId, "template name");
        return contained(root.resolve("worlds").resolve(templateId));
    }

    /** @return {@code worlds/}, where templates live */
    public Path templates() {
        return root.resolve("worlds");
    }

    /**
     * @param user a user
     * @return {@code users/{userId}}
     */
    public Path user(UserId user) {
        return contained(root.resolve("users").resolve(user.value()));
    }

    /**
     * @param world a user's world
     * @return {@code users/{userId}/worlds/{worldId}}
     */
    public Path world(WorldKey world) {
        return contained(root.resolve("users").resolve(world.userId().value()).resolve("worlds")
                .resolve(world.worldId()));
    }

    /**
     * @param path a path under the root
     * @return it relative to the root, with {@code /} separators: safe to show to a person
     */
    public String relative(Path path) {
        Path p = path.toAbsolutePath().normalize();
        return p.startsWith(root) ? root.relativize(p).toString().replace('\\', '/') : p.getFileName().toString();
    }

    private static void requireId(String id, String what) {
        if (!Names.isValidId(id)) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "The " + what + " is not a valid id.");
        }
    }

    /**
     * @param path a path built from checked ids
     * @return the path, when it and the real path of its deepest existing ancestor lie under the root
     * @throws StorageException when a symbolic link leads outside the root
     */
    Path contained(Path path) {
        Path p = path.normalize();
        if (!p.startsWith(root)) {
            throw new WorldLinkException(ErrorCode.INVALID_NAME, "That name leads outside the data root.");
        }
        // One lstat per folder below the root: the real path is resolved only where a link is found.
        Path current = root;
        for (Path part : root.relativize(p)) {
            current = current.resolve(part);
            BasicFileAttributes attributes;
            try {
                attributes = Files.readAttributes(current, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return p;
            } catch (IOException e) {
                throw new StorageException("Could not read " + relative(current) + ".", e);
            }
            if (attributes.isSymbolicLink()) {
                checkLink(current);
            }
        }
        return p;
    }

    /**
     * Checks every file and folder from a world folder down to a path inside it, without following
     * symbolic links.
     *
     * @param world a world or template folder, from {@link #world} or {@link #template}
     * @param path a file or folder inside it, not the world folder itself (which may be a link that
     *     {@link #contained} has checked)
     * @return the path's attributes, or {@code null} when it or a folder on the way does not exist
     * @throws StorageException when one of them is a symbolic link, or cannot be read
     */
    BasicFileAttributes inWorld(Path world, Path path) {
        Path current = world;
        BasicFileAttributes attributes = null;
        for (Path part : world.relativize(path)) {
            current = current.resolve(part);
            try {
                attributes = Files.readAttributes(current, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (NoSuchFileException e) {
                return null;
            } catch (IOException e) {
                throw new StorageException("Could not read " + relative(current) + ".", e);
            }
            if (attributes.isSymbolicLink()) {
                throw linkInWorld(relative(current));
            }
        }
        return attributes;
    }

    /**
     * The error for a symbolic link found inside a world.
     *
     * @param name the link's name relative to the data root
     * @return the error, saying what to do
     */
    static StorageException linkInWorld(String name) {
        return new StorageException(name + " is a symbolic link, and WorldLink does not follow symbolic links "
                + "inside a world. Replace it with the file or folder itself.", null);
    }

    private void checkLink(Path link) {
        try {
            if (!link.toRealPath().startsWith(realRoot())) {
                throw new StorageException(relative(link)
                        + " leads outside the data root through a symbolic link; refusing to use it.", null);
            }
        } catch (NoSuchFileException e) {
            throw new StorageException(relative(link) + " is a symbolic link to nothing; remove it.", e);
        } catch (IOException e) {
            throw new StorageException("Could not resolve " + relative(link) + ".", e);
        }
    }

    private Path realRoot() throws IOException {
        Path r = realRoot;
        if (r == null) {
            Files.createDirectories(root);
            r = root.toRealPath();
            realRoot = r;
        }
        return r;
    }
}
