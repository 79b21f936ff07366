package io.worldlink.internal.store;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.Chat;
import io.worldlink.ErrorCode;
import io.worldlink.MemoryMessage;
import io.worldlink.UserId;
import io.worldlink.UserStorage;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.internal.Names;
import io.worldlink.internal.StorageException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/** The default {@link UserStorage}: agent-world's file layout under {@code {dataRoot}/users/}. */
public final class FileUserStorage implements UserStorage {
    private static final DateTimeFormatter ARCHIVE_NAME =
            DateTimeFormatter.ofPattern("'memory-'uuuuMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static final int MOVE_ATTEMPTS = 10;
    private static final String STAGING = WorldFiles.STAGING;
    private static final String REPLACED = ".old-";
    private static final int UUID_LENGTH = 36;
    private static final System.Logger LOG = System.getLogger(FileUserStorage.class.getName());

    private final DataRoot root;
    private final boolean sync;
    private final WorldFiles files;
    private final AtomicLong archiveCounter = new AtomicLong();

    /**
     * Keeps user worlds under {@code {dataRoot}/users/}.
     *
     * @param dataRoot the data root
     * @param sync whether every write is forced to the disk before it
     *     counts as done (off trades safety against a machine crash for speed)
     */
    public FileUserStorage(Path dataRoot, boolean sync) {
        this.root = new DataRoot(dataRoot);
        this.sync = sync;
        this.files = new WorldFiles(root, sync);
    }

    @Override
    public boolean worldExists(WorldKey world) {
        return files.hasConfig(root.world(world));
    }

    @Override
    public List<UserId> listUsers() {
        Path users = root.root().resolve("users");
        if (!Files.isDirectory(users, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        List<UserId> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(users)) {
            for (Path p : ds) {
                UserId user = userFolder(p);
                if (user != null) {
                    out.add(user);
                }
            }
        } catch (IOException e) {
            throw new StorageException("Could not list " + root.relative(users) + ".", e);
        }
        return out;
    }

    // A folder of users/ that WorldLink itself would have made for a user, else null.
    private static UserId userFolder(Path p) {
        String name = p.getFileName().toString();
        try {
            UserId user = UserId.of(name);
            return user.value().equals(name) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? user : null;
        } catch (WorldLinkException e) {
            return null;
        }
    }

    @Override
    public List<String> listWorlds(UserId user) {
        return files.list(root.user(user).resolve("worlds"));
    }

    @Override
    public WorldSnapshot loadWorld(WorldKey world) {
        if (!worldExists(world)) {
            throw notFound(world);
        }
        return files.read(root.world(world), world.worldId());
    }

    @Override
    public void createWorld(WorldKey world, WorldSnapshot snapshot) {
        requireNotTemplate(snapshot.config());
        Path target = root.world(world);
        Path parent = target.getParent();
        Path staging = parent.resolve(STAGING + world.worldId() + "-" + UUID.randomUUID());
        try {
            AtomicFiles.createFolders(parent, sync);
            files.writeAll(staging, snapshot.config().id().equals(world.worldId())
                    ? snapshot
                    : new WorldSnapshot(snapshot.config().withIdentity(world.worldId(), snapshot.config().name()),
                            snapshot.agents()));
            swapIn(staging, target);
            if (sync) {
                AtomicFiles.forceFolder(parent);
            }
        } catch (IOException e) {
            throw new StorageException("Could not create " + world.relativePath() + ".", e);
        } finally {
            files.deleteTree(staging);
        }
    }

    // Replaces the target folder by the staged one. Two creators race only between the two renames, and
    // each retries, so the last one to rename wins with a whole folder.
    private void swapIn(Path staging, Path target) throws IOException {
        for (int attempt = 0; attempt < MOVE_ATTEMPTS; attempt++) {
            Path old = target.resolveSibling(REPLACED + target.getFileName() + "-" + UUID.randomUUID());
            try {
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            } catch (NoSuchFileException e) {
                old = null;
            }
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                return;
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                // Another creator renamed its folder in between: go round and replace it.
            } catch (FileSystemException e) {
                // The JDK reports rename(2)'s ENOTEMPTY as a plain FileSystemException.
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
            } finally {
                if (old != null) {
                    files.deleteTree(old);
                }
            }
        }
        throw new IOException("the world folder kept changing while it was being replaced");
    }

    /**
     * Cleans up after {@link #createWorld} and {@link #deleteWorld} calls that WorldLink was stopped in the
     * middle of (a crash, a kill): removes the staging folders ({@code .new-*}), replaced worlds
     * ({@code .old-*}) and deleted worlds ({@code .gone-*}) left in the users' {@code worlds/} folders. A world whose folder was stopped between being moved aside and
     * being replaced is put back from its {@code .old-*} folder instead, and that is logged. Call it at
     * start, before the storage is used: a clone under way would lose its staging folder.
     *
     * @return the folders removed, relative to the data root, so that the caller can log them
     * @throws StorageException when a folder cannot be listed or removed
     */
    public List<String> removeInterruptedClones() {
        List<String> removed = new ArrayList<>();
        for (UserId user : listUsers()) {
            Path worlds = root.user(user).resolve("worlds");
            if (!Files.isDirectory(worlds, LinkOption.NOFOLLOW_LINKS)) {
                continue;
            }
            List<Path> leftovers = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(worlds, p -> p.getFileName().toString()
                    .startsWith(STAGING) || p.getFileName().toString().startsWith(REPLACED)
                    || p.getFileName().toString().startsWith(WorldFiles.GONE))) {
                ds.forEach(leftovers::add);
            } catch (IOException e) {
                throw new StorageException("Could not list " + root.relative(worlds) + ".", e);
            }
            leftovers.sort(null);
            for (Path leftover : leftovers) {
                if (!putBack(leftover)) {
                    files.deleteTree(leftover);
                    removed.add(root.relative(leftover));
                }
            }
        }
        return removed;
    }

    // Moves a replaced world back into place when nothing took its place; false when it is not needed.
    private boolean putBack(Path leftover) {
        String name = leftover.getFileName().toString();
        int idEnd = name.length() - UUID_LENGTH - 1;
        if (!name.startsWith(REPLACED) || idEnd <= REPLACED.length() || name.charAt(idEnd) != '-'
                || !Files.isDirectory(leftover, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        String worldId = name.substring(REPLACED.length(), idEnd);
        Path target = leftover.resolveSibling(worldId);
        if (!Names.isValidId(worldId) || Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            Files.move(leftover, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new StorageException("Could not put " + root.relative(leftover) + " back as "
                    + root.relative(target) + ".", e);
        }
        if (sync) {
            AtomicFiles.forceFolder(target.getParent());
        }
        LOG.log(Level.WARNING, "Put " + root.relative(target) + " back from "
                + root.relative(leftover) + ": WorldLink was stopped while it replaced the world.");
        return true;
    }

    @Override
    public void saveWorldConfig(WorldKey world, WorldConfig config) {
        requireNotTemplate(config);
        files.writeWorldConfig(existing(world), config);
    }

    @Override
    public void saveAgentConfig(WorldKey world, AgentConfig config) {
        files.writeAgentConfig(existing(world), config);
    }

    @Override
    public void saveSystemPrompt(WorldKey world, String agentId, String systemPrompt) {
        files.writeSystemPrompt(existing(world), agentId, systemPrompt);
    }

    @Override
    public void saveMemory(WorldKey world, String agentId, List<MemoryMessage> memory) {
        files.writeMemory(existing(world), agentId, memory);
    }

    @Override
    public void archiveMemory(WorldKey world, String agentId, List<MemoryMessage> archived) {
        String name = ARCHIVE_NAME.format(Instant.now()) + "-" + archiveCounter.incrementAndGet() + ".json";
        files.writeArchive(existing(world), agentId, name, archived);
    }

    @Override
    public List<Chat> loadChats(WorldKey world) {
        return files.readChats(existing(world), world.worldId());
    }

    @Override
    public void saveChat(WorldKey world, Chat chat) {
        files.writeChat(existing(world), chat);
    }

    @Override
    public void deleteChat(WorldKey world, String chatId) {
        files.removeChat(existing(world), chatId);
    }

    @Override
    public void deleteUser(UserId user) {
        files.deleteTree(root.user(user));
    }

    @Override
    public void createAgent(WorldKey world, AgentSnapshot agent) {
        files.addAgent(existing(world), agent);
    }

    @Override
    public void deleteAgent(WorldKey world, String agentId) {
        files.removeAgent(existing(world), agentId);
    }

    // Renamed out of the way first, so that the world disappears at once and whole; a crash before its
    // tree is gone leaves a .gone-* folder, which removeInterruptedClones() deletes (never puts back).
    @Override
    public void deleteWorld(WorldKey world) {
        Path dir = root.world(world);
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path gone = dir.resolveSibling(WorldFiles.GONE + world.worldId() + "-" + UUID.randomUUID());
        try {
            Files.move(dir, gone, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new StorageException("Could not delete " + world.relativePath() + ".", e);
        }
        if (sync) {
            AtomicFiles.forceFolder(dir.getParent());
        }
        files.deleteTree(gone);
    }

    @Override
    public boolean userExists(UserId user) {
        return Files.exists(root.user(user), LinkOption.NOFOLLOW_LINKS);
    }

    private Path existing(WorldKey world) {
        Path dir = root.world(world);
        if (!Files.isDirectory(dir)) {
            throw notFound(world);
        }
        return dir;
    }

    private static WorldLinkException notFound(WorldKey world) {
        return new WorldLinkException(ErrorCode.WORLD_NOT_FOUND, "User " + world.userId() + " has no world \""
                + world.worldId() + "\".");
    }

    private static void requireNotTemplate(WorldConfig config) {
        if (config.isTemplate()) {
            throw new WorldLinkException(ErrorCode.TEMPLATE_READ_ONLY,
                    "Templates are read-only; clone the template \"" + config.id() + "\" into a user world and change that.");
        }
    }
}
