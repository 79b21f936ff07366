package io.worldlink.internal.world;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.MemoryMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** An agent of a loaded world as it is now: its config, prompt and memory. Touched only on the world's executor. */
final class AgentState {
    AgentConfig config;
    String systemPrompt;
    final ArrayList<MemoryMessage> memory;
    // The chats in which the turn-limit notice went out since a person last spoke there: it goes out once.
    final Set<String> limitNoticedIn = new HashSet<>();
    // Model calls since a person last spoke, per chat: the turn limit counts within a chat.
    private final Map<String, Integer> callsInChat = new HashMap<>();
    // How many messages of each chat the memory holds, and the characters of all their texts, kept in step
    // with it by PendingSaves.
    private final Map<String, Integer> memoryInChat = new HashMap<>();
    private long memoryChars;

    AgentState(AgentSnapshot s) {
        this.config = s.config();
        this.systemPrompt = s.systemPrompt();
        this.memory = new ArrayList<>(s.memory());
        for (MemoryMessage m : memory) {
            counted(m, 1);
        }
    }

    /**
     * Counts a message that joined the memory, or left it.
     *
     * @param m the message
     * @param change 1 when it joined, -1 when it left
     * @return how many messages of its chat the memory holds now
     */
    int counted(MemoryMessage m, int change) {
        memoryChars += change * (long) m.content().length();
        int count = memoryInChat.getOrDefault(m.chatId(), 0) + change;
        if (count <= 0) {
            memoryInChat.remove(m.chatId());
            return 0;
        }
        memoryInChat.put(m.chatId(), count);
        return count;
    }

    /** @return the characters of the texts of the memory's messages */
    long memoryChars() {
        return memoryChars;
    }

    /** The memory was emptied. */
    void forgetMemoryCounts() {
        memoryInChat.clear();
        memoryChars = 0;
    }

    /**
     * @param chatId a chat
     * @return the agent's model calls in it since a person last spoke there
     */
    int calls(String chatId) {
        return callsInChat.getOrDefault(chatId, 0);
    }

    /**
     * Sets the agent's calls in a chat; its config's {@code llmCallCount} shows the count of the chat it
     * was last counted in.
     */
    void calls(String chatId, int count, Instant lastLLMCall, Instant lastActive) {
        if (count == 0) {
            callsInChat.remove(chatId);
        } else {
            callsInChat.put(chatId, count);
        }
        config = config.withCalls(count, lastLLMCall, lastActive);
    }

    /** @param chatId a chat that is gone, and whose messages have left the memory */
    void forgetChat(String chatId) {
        callsInChat.remove(chatId);
        limitNoticedIn.remove(chatId);
    }

    /** @return the agent as clients see it */
    AgentView view() {
        return AgentView.of(config, systemPrompt, memory.size());
    }
}
