package io.worldlink.internal.world;

import io.worldlink.MemoryMessage;
import io.worldlink.UserStorage;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The agents' memories and call counts, and the chats' counts and names, as derived state: a turn changes
 * them in memory only (the event log holds what it said), and a snapshot of what changed is written when the
 * world goes quiet, when the log has grown by {@link #SNAPSHOT_EVERY} events since the last one, before an
 * edit that the log alone cannot replay, and when the world closes: the archive first, then each changed
 * {@code memory.json} and {@code config.json}, the changed chats' files, and last the seq of the log they
 * reflect ({@link #MEMORY_SEQ} in the world's config). Loading replays the log past that seq
 * ({@link ConversationRules#replayLog}, {@link WorldChats#load}), so a crash loses nothing the log holds.
 * Used on the world's executor only.
 */
final class PendingSaves {
    /** The metadata field of a world's config that holds the seq of the log that its memory files reflect. */
    static final String MEMORY_SEQ = "memorySeq";
    // How far the log may grow past the snapshot while the world never goes quiet: a snapshot's cost spreads
    // over about a hundred turns, and the tail replayed after a crash stays short.
    static final int SNAPSHOT_EVERY = 1_000;
    private static final System.Logger LOG = System.getLogger(PendingSaves.class.getName());

    private final WorldKey key;
    private final UserStorage storage;
    private final WorldState world;
    private final EventOutbox outbox;
    private final WorldChats chats;
    private final Executor exec;
    private final ScheduledExecutorService timer;
    private final int memoryCap;
    private final long memoryChars;
    private final long quietNanos;
    private final Set<String> dirtyConfigs = new LinkedHashSet<>();
    private final Set<String> dirtyMemories = new LinkedHashSet<>();
    // Messages past the cap, by agent: out of the memory at once, written to the archive with the snapshot.
    private final Map<String, List<MemoryMessage>> toArchive = new LinkedHashMap<>();
    private long lastChange;
    private boolean quietCheckArmed;
    private boolean snapshotQueued;

    /**
     * @param outbox the world's events, whose log position a snapshot records
     * @param chats the world's chats, whose changed files a snapshot writes
     * @param exec the world's executor, where the writes run
     * @param timer for the quiet period
     * @param memoryCap how many messages of one chat a memory holds before the oldest move to the archive
     * @param memoryChars how many characters of text a memory holds, over all its chats, before the oldest
     *     messages move to the archive
     * @param quietPeriod how long the world's memories must stay unchanged before their snapshot is
     *     written; zero writes it after each burst
     */
    PendingSaves(WorldKey key, UserStorage storage, WorldState world, EventOutbox outbox, WorldChats chats,
            Executor exec, ScheduledExecutorService timer, int memoryCap, long memoryChars, Duration quietPeriod) {
        this.key = key;
        this.storage = storage;
        this.world = world;
        this.outbox = outbox;
        this.chats = chats;
        chats.changesSavedBy(this::changed);
        this.exec = exec;
        this.timer = timer;
        this.memoryCap = memoryCap;
        this.memoryChars = memoryChars;
        this.quietNanos = quietPeriod.toNanos();
    }

    /**
     * @param config a world's config
     * @return the seq of the log that its memory files reflect, or -1 when it does not say (a world
     *     written before snapshots had a seq, or one just made)
     */
    static long snapshotSeq(WorldConfig config) {
        String seq = config.metadata().get(MEMORY_SEQ);
        try {
            return seq == null ? -1 : Long.parseLong(seq);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Adds a message to an agent's memory. When the agent remembers more messages of that chat than the cap,
     * the oldest of the chat leave it for the archive; when the texts of its whole memory pass the character
     * cap, the oldest of any chat do, though never the message just added. Each leaves in a batch (down to
     * three quarters of its cap), so that a full memory does not archive a message every turn. The same
     * messages in the same order always leave the same memory, whenever snapshots are written, so that the
     * log's replay rebuilds it exactly.
     */
    void remember(AgentState a, MemoryMessage message) {
        a.memory.add(message);
        int inChat = a.counted(message, 1);
        if (inChat > memoryCap) {
            int[] leaving = {inChat - (memoryCap - memoryCap / 4)};
            archiveOldest(a, m -> Objects.equals(m.chatId(), message.chatId()) && leaving[0]-- > 0);
        }
        if (a.memoryChars() > memoryChars) {
            long keep = memoryChars - memoryChars / 4;
            archiveOldest(a, m -> m != message && a.memoryChars() > keep);
        }
        dirtyMemories.add(a.config.id());
        changed();
    }

    // Moves the messages that leave, tried oldest first and counted out as each leaves, to the archive.
    private void archiveOldest(AgentState a, Predicate<MemoryMessage> leaves) {
        List<MemoryMessage> old = new ArrayList<>();
        for (MemoryMessage m : a.memory) {
            if (leaves.test(m)) {
                old.add(m);
                a.counted(m, -1);
            }
        }
        toArchive.computeIfAbsent(a.config.id(), id -> new ArrayList<>()).addAll(old);
        Set<MemoryMessage> gone = Collections.newSetFromMap(new IdentityHashMap<>());
        gone.addAll(old);
        a.memory.removeIf(gone::contains);
    }

    /** Marks an agent's config (its call counts) as changed. */
    void configChanged(AgentState a) {
        dirtyConfigs.add(a.config.id());
        changed();
    }

    /** @param agentId an agent whose config was just written whole */
    void configSaved(String agentId) {
        dirtyConfigs.remove(agentId);
    }

    /** Empties an agent's memory, its messages moving to the archive, and writes the snapshot at once. */
    void clearMemory(AgentState a) {
        toArchive.computeIfAbsent(a.config.id(), id -> new ArrayList<>()).addAll(a.memory);
        a.memory.clear();
        a.forgetMemoryCounts();
        dirtyMemories.add(a.config.id());
        snapshot(true);
    }

    /** Takes a deleted chat's messages out of every agent's memory, and writes the snapshot at once. */
    void forgetChat(String chatId) {
        for (AgentState a : world.agents.values()) {
            boolean removed = a.memory.removeIf(m -> {
                boolean inChat = chatId.equals(m.chatId());
                if (inChat) {
                    a.counted(m, -1);
                }
                return inChat;
            });
            if (removed) {
                dirtyMemories.add(a.config.id());
            }
            a.forgetChat(chatId);
        }
        snapshot(true);
    }

    /**
     * Writes the snapshot at once, before a change that the log's replay cannot apply (who the agents are,
     * their status, the turn limit): the replay then starts after it, under the changed settings.
     */
    void beforeEdit() {
        snapshot(true);
    }

    /** @param agentId an agent that is gone: nothing of it is written again */
    void forget(String agentId) {
        dirtyConfigs.remove(agentId);
        dirtyMemories.remove(agentId);
        toArchive.remove(agentId);
    }

    /** Forgets every change: the world is being deleted. */
    void discard() {
        dirtyConfigs.clear();
        dirtyMemories.clear();
        toArchive.clear();
    }

    private void changed() {
        long saved = snapshotSeq(world.config);
        // A world's first snapshot is written at once: until a seq is stored, the log is not replayed.
        if (quietNanos == 0 || saved < 0 || outbox.log().lastSeq() - saved >= SNAPSHOT_EVERY) {
            if (!snapshotQueued) {
                snapshotQueued = true;
                exec.execute(() -> {
                    snapshotQueued = false;
                    if (!world.closed) {
                        snapshot();
                    }
                });
            }
            return;
        }
        lastChange = System.nanoTime();
        if (!quietCheckArmed) {
            quietCheckArmed = true;
            checkQuietIn(quietNanos);
        }
    }

    // One timer per world at a time, however many changes come: it looks again when the world was not quiet.
    private void checkQuietIn(long nanos) {
        timer.schedule(() -> exec.execute(() -> {
            quietCheckArmed = false;
            if (world.closed) {
                return;
            }
            long quiet = System.nanoTime() - lastChange;
            if (quiet >= quietNanos) {
                snapshot();
            } else {
                quietCheckArmed = true;
                checkQuietIn(quietNanos - quiet);
            }
        }), nanos, TimeUnit.NANOSECONDS);
    }

    /** Writes what changed since the last snapshot, and the log position it reflects; nothing when nothing did. */
    void snapshot() {
        snapshot(false);
    }

    private void snapshot(boolean atEdit) {
        if (!atEdit && dirtyMemories.isEmpty() && dirtyConfigs.isEmpty() && toArchive.isEmpty() && !chats.changed()) {
            return;
        }
        // What the snapshot reflects is synced first: a seq it records never goes back to another event.
        outbox.commit();
        long seq = outbox.log().lastSeq();
        boolean written = true;
        for (Map.Entry<String, List<MemoryMessage>> e : List.copyOf(toArchive.entrySet())) {
            if (save(() -> storage.archiveMemory(key, e.getKey(), e.getValue()))) {
                toArchive.remove(e.getKey());
            } else {
                written = false;
            }
        }
        for (String id : List.copyOf(dirtyMemories)) {
            AgentState a = world.agents.get(id);
            if (a == null || save(() -> storage.saveMemory(key, id, List.copyOf(a.memory)))) {
                dirtyMemories.remove(id);
            } else {
                written = false;
            }
        }
        for (String id : List.copyOf(dirtyConfigs)) {
            AgentState a = world.agents.get(id);
            if (a == null || save(() -> storage.saveAgentConfig(key, a.config))) {
                dirtyConfigs.remove(id);
            } else {
                written = false;
            }
        }
        if (!save(chats::writeChanged)) {
            written = false;
        }
        if (written && seq != snapshotSeq(world.config)) {
            Map<String, String> metadata = new LinkedHashMap<>(world.config.metadata());
            metadata.put(MEMORY_SEQ, Long.toString(seq));
            WorldConfig config = world.config.withTemplate(false, metadata);
            if (save(() -> storage.saveWorldConfig(key, config))) {
                world.config = config;
            }
        }
    }

    private boolean save(Runnable write) {
        try {
            write.run();
            return true;
        } catch (RuntimeException e) {
            // Kept dirty: the next snapshot tries again, and close() does too; the log still holds it all.
            LOG.log(Level.ERROR, "Could not save world " + key + ": " + e.getMessage(), e);
            return false;
        }
    }
}
