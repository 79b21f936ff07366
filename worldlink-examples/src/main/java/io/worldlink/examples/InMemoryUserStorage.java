package io.worldlink.examples;

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
import io.worldlink.event.EventLog;
import io.worldlink.event.EventLogStore;
import io.worldlink.event.WorldEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A custom {@link UserStorage} and {@link EventLogStore}: user worlds and their event logs kept in memory
 * instead of files (for tests, demos, or as the start of a database-backed one). Each world is an
 * immutable snapshot replaced as a whole, so readers never see half a change; each world's event log is
 * a list.
 */
public final class InMemoryUserStorage implements UserStorage, EventLogStore {
    private final Map<WorldKey, WorldSnapshot> worlds = new ConcurrentHashMap<>();
    private final Map<WorldKey, List<WorldEvent>> logs = new ConcurrentHashMap<>();
    private final Map<WorldKey, List<List<MemoryMessage>>> archives = new ConcurrentHashMap<>();
    private final Map<WorldKey, Map<String, Chat>> chats = new ConcurrentHashMap<>();

    @Override
    public boolean worldExists(WorldKey world) {
        return worlds.containsKey(world);
    }

    @Override
    public List<UserId> listUsers() {
        return worlds.keySet().stream().map(WorldKey::userId).distinct().toList();
    }

    @Override
    public List<String> listWorlds(UserId user) {
        return worlds.keySet().stream().filter(k -> k.userId().equals(user)).map(WorldKey::worldId).sorted().toList();
    }

    @Override
    public WorldSnapshot loadWorld(WorldKey world) {
        WorldSnapshot w = worlds.get(world);
        if (w == null) {
            throw new WorldLinkException(ErrorCode.WORLD_NOT_FOUND, "User " + world.userId() + " has no world \""
                    + world.worldId() + "\".");
        }
        return w;
    }

    @Override
    public void createWorld(WorldKey world, WorldSnapshot snapshot) {
        if (snapshot.config().isTemplate()) {
            throw new WorldLinkException(ErrorCode.TEMPLATE_READ_ONLY, "Templates are read-only.");
        }
        worlds.put(world, snapshot);
        logs.put(world, new ArrayList<>());
    }

    @Override
    public void saveWorldConfig(WorldKey world, WorldConfig config) {
        change(world, w -> new WorldSnapshot(config, w.agents()));
    }

    @Override
    public void saveAgentConfig(WorldKey world, AgentConfig config) {
        changeAgent(world, config.id(), a -> new AgentSnapshot(config, a.systemPrompt(), a.memory()));
    }

    @Override
    public void saveSystemPrompt(WorldKey world, String agentId, String systemPrompt) {
        changeAgent(world, agentId, a -> new AgentSnapshot(a.config(), systemPrompt, a.memory()));
    }

    @Override
    public void saveMemory(WorldKey world, String agentId, List<MemoryMessage> memory) {
        changeAgent(world, agentId, a -> new AgentSnapshot(a.config(), a.systemPrompt(), memory));
    }

    @Override
    public void archiveMemory(WorldKey world, String agentId, List<MemoryMessage> archived) {
        archives.computeIfAbsent(world, k -> new ArrayList<>()).add(List.copyOf(archived));
    }

    @Override
    public List<Chat> loadChats(WorldKey world) {
        loadWorld(world);
        return List.copyOf(chats.getOrDefault(world, Map.of()).values());
    }

    @Override
    public void saveChat(WorldKey world, Chat chat) {
        loadWorld(world);
        chats.computeIfAbsent(world, k -> new ConcurrentHashMap<>()).put(chat.id(), chat);
    }

    @Override
    public void deleteChat(WorldKey world, String chatId) {
        chats.getOrDefault(world, Map.of()).remove(chatId);
    }

    @Override
    public void delete(WorldKey world) {
        logs.remove(world);
    }

    @Override
    public EventLog open(WorldKey world) {
        List<WorldEvent> log = logs.computeIfAbsent(world, k -> new ArrayList<>());
        return new EventLog() {
            @Override
            public long lastSeq() {
                synchronized (log) {
                    return log.isEmpty() ? 0 : log.get(log.size() - 1).seq();
                }
            }

            @Override
            @SuppressWarnings("unchecked")
            public <E extends WorldEvent> E append(E event) {
                if (!event.isDurable()) {
                    throw new IllegalArgumentException("only durable events are logged");
                }
                synchronized (log) {
                    E logged = (E) event.withSeq(lastSeq() + 1);
                    log.add(logged);
                    return logged;
                }
            }

            @Override
            public void sync() {
                // A list in memory has nothing to write to disk.
            }

            @Override
            public void forEachAfter(long afterSeq, Consumer<? super WorldEvent> action) {
                List<WorldEvent> copy;
                synchronized (log) {
                    copy = List.copyOf(log);
                }
                copy.stream().filter(e -> e.seq() > afterSeq).forEach(action);
            }

            @Override
            public void close() {
                // Nothing to release: the list lives as long as the storage.
            }
        };
    }

    @Override
    public void createAgent(WorldKey world, AgentSnapshot agent) {
        change(world, w -> {
            if (w.agent(agent.id()).isPresent()) {
                throw new WorldLinkException(ErrorCode.INVALID_NAME, "The world has an agent \"" + agent.id()
                        + "\" already.");
            }
            List<AgentSnapshot> agents = new ArrayList<>(w.agents());
            agents.add(agent);
            agents.sort(Comparator.comparing(AgentSnapshot::id));
            return new WorldSnapshot(w.config(), agents);
        });
    }

    @Override
    public void deleteAgent(WorldKey world, String agentId) {
        change(world, w -> new WorldSnapshot(w.config(), w.agents().stream().filter(a -> !a.id().equals(agentId))
                .toList()));
    }

    @Override
    public void deleteWorld(WorldKey world) {
        worlds.remove(world);
        logs.remove(world);
        archives.remove(world);
        chats.remove(world);
    }

    @Override
    public void deleteUser(UserId user) {
        worlds.keySet().removeIf(k -> k.userId().equals(user));
        logs.keySet().removeIf(k -> k.userId().equals(user));
        archives.keySet().removeIf(k -> k.userId().equals(user));
        chats.keySet().removeIf(k -> k.userId().equals(user));
    }

    @Override
    public boolean userExists(UserId user) {
        return worlds.keySet().stream().anyMatch(k -> k.userId().equals(user));
    }

    private void change(WorldKey world, UnaryOperator<WorldSnapshot> change) {
        if (worlds.computeIfPresent(world, (k, w) -> change.apply(w)) == null) {
            throw new WorldLinkException(ErrorCode.WORLD_NOT_FOUND, "User " + world.userId() + " has no world \""
                    + world.worldId() + "\".");
        }
    }

    private void changeAgent(WorldKey world, String agentId, UnaryOperator<AgentSnapshot> change) {
        change(world, w -> new WorldSnapshot(w.config(), w.agents().stream()
                .map(a -> a.id().equals(agentId) ? change.apply(a) : a).toList()));
    }
}
