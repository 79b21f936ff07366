package io.worldlink.internal.world;

import io.worldlink.MemoryMessage;
import io.worldlink.UserStorage;
import io.worldlink.WorldKey;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The agents' memories and configs (call counts) that changed since they were written, and their writing:
 * gathered and written together, right after the burst of events that made them or, with a save delay,
 * once per delay; memory beyond its cap moves to the archive. Used on the world's executor only.
 */
final class PendingSaves {
    private static final System.Logger LOG = System.getLogger(PendingSaves.class.getName());

    private final WorldKey key;
    private final UserStorage storage;
    private final WorldState world;
    private final Executor exec;
    private final ScheduledExecutorService timer;
    private final int memoryCap;
    private final Duration saveDelay;
    private final Set<String> dirtyConfigs = new LinkedHashSet<>();
    private final Set<String> dirtyMemories = new LinkedHashSet<>();
    private boolean flushScheduled;

    /**
     * @param exec the world's executor, where the writes run
     * @param timer for the save delay
     * @param memoryCap how many messages a memory holds before the oldest move to the archive
     * @param saveDelay how long changes may wait to be written; zero writes after each burst
     */
    PendingSaves(WorldKey key, UserStorage storage, WorldState world, Executor exec, ScheduledExecutorService timer,
            int memoryCap, Duration saveDelay) {
        this.key = key;
        this.storage = storage;
        this.world = world;
        this.exec = exec;
        this.timer = timer;
        this.memoryCap = memoryCap;
        this.saveDelay = saveDelay;
    }

    /**
     * Adds a message to an agent's memory, archiving the oldest of its chat when the agent remembers more
     * than the cap of that chat.
     */
    void remember(AgentState a, MemoryMessage message) {
        a.memory.add(message);
        int inChat = 0;
        for (MemoryMessage m : a.memory) {
            if (Objects.equals(m.chatId(), message.chatId())) {
                inChat++;
            }
        }
        if (inChat > memoryCap) {
            // Archive a batch at a time, so that a full memory does not write an archive file per message.
            int archive = inChat - (memoryCap - memoryCap / 4);
            List<MemoryMessage> old = new ArrayList<>(archive);
            for (MemoryMessage m : a.memory) {
                if (old.size() < archive && Objects.equals(m.chatId(), message.chatId())) {
                    old.add(m);
                }
            }
            storage.archiveMemory(key, a.config.id(), old);
            Set<MemoryMessage> gone = Collections.newSetFromMap(new IdentityHashMap<>());
            gone.addAll(old);
            a.memory.removeIf(gone::contains);
        }
        dirtyMemories.add(a.config.id());
        scheduleFlush();
    }

    /** Marks an agent's config (its call counts) as changed. */
    void configChanged(AgentState a) {
        dirtyConfigs.add(a.config.id());
        scheduleFlush();
    }

    /** @param agentId an agent whose config was just written whole */
    void configSaved(String agentId) {
        dirtyConfigs.remove(agentId);
    }

    /** Empties an agent's memory at once; its messages move to the archive. */
    void clearMemory(AgentState a) {
        storage.archiveMemory(key, a.config.id(), List.copyOf(a.memory));
        a.memory.clear();
        storage.saveMemory(key, a.config.id(), List.of());
        dirtyMemories.remove(a.config.id());
    }

    /** @param agentId an agent that is gone: nothing of it is written again */
    void forget(String agentId) {
        dirtyConfigs.remove(agentId);
        dirtyMemories.remove(agentId);
    }

    /** Forgets every change: the world is being deleted. */
    void discard() {
        dirtyConfigs.clear();
        dirtyMemories.clear();
    }

    private void scheduleFlush() {
        if (!flushScheduled) {
            flushScheduled = true;
            Runnable flushOnWorld = () -> exec.execute(() -> {
                if (!world.closed) {
                    flush();
                }
            });
            if (saveDelay.isZero()) {
                flushOnWorld.run();
            } else {
                timer.schedule(flushOnWorld, saveDelay.toNanos(), TimeUnit.NANOSECONDS);
            }
        }
    }

    /** Writes every change now. */
    void flush() {
        flushScheduled = false;
        for (String id : List.copyOf(dirtyConfigs)) {
            AgentState a = world.agents.get(id);
            if (a == null || save(() -> storage.saveAgentConfig(key, a.config))) {
                dirtyConfigs.remove(id);
            }
        }
        for (String id : List.copyOf(dirtyMemories)) {
            AgentState a = world.agents.get(id);
            if (a == null || save(() -> storage.saveMemory(key, id, List.copyOf(a.memory)))) {
                dirtyMemories.remove(id);
            }
        }
    }

    private boolean save(Runnable write) {
        try {
            write.run();
            return true;
        } catch (RuntimeException e) {
            // Kept dirty: the next change tries again, and close() does too.
            LOG.log(Level.ERROR, "Could not save world " + key + ": " + e.getMessage(), e);
            return false;
        }
    }
}
