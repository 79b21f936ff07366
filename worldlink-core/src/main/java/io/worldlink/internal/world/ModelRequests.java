package io.worldlink.internal.world;

import io.worldlink.MemoryMessage;
import io.worldlink.event.MessageEvent;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatRequest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What an agent's model is sent (ROUTING.md, "Memory"): its system prompt, the last messages of its
 * memory in the chat of the message it answers, before it, that message once, and its template's base URL and key.
 */
final class ModelRequests {
    private final int memoryWindow;
    private final TemplateAgents templateAgents;

    /** @param memoryWindow how many recent memory messages a model is sent */
    ModelRequests(int memoryWindow, TemplateAgents templateAgents) {
        this.memoryWindow = memoryWindow;
        this.templateAgents = templateAgents;
    }

    /**
     * @param a the answering agent
     * @param m the message it answers
     * @return the request for its model
     */
    ChatRequest of(AgentState a, MessageEvent m) {
        List<ChatMessage> messages = new ArrayList<>();
        if (!a.systemPrompt.isBlank()) {
            messages.add(new ChatMessage("system", a.systemPrompt));
        }
        // What the agent remembered in the message's chat before it: the same context whenever it is asked,
        // and nothing of the world's other chats. Walked back from the newest message, so that it costs about
        // the window, not the memory: a message id is in a memory once, and an agent remembers the message it
        // answers just before it answers.
        List<MemoryMessage> memory = a.memory;
        int before = memory.size();
        for (int i = memory.size() - 1; i >= 0; i--) {
            if (m.id().equals(memory.get(i).messageId())) {
                before = i;
                break;
            }
        }
        ArrayDeque<MemoryMessage> window = new ArrayDeque<>(memoryWindow);
        for (int i = before - 1; i >= 0 && window.size() < memoryWindow; i--) {
            MemoryMessage mm = memory.get(i);
            if (Objects.equals(m.chatId(), mm.chatId())) {
                window.addFirst(mm);
            }
        }
        for (MemoryMessage mm : window) {
            messages.add(new ChatMessage(mm.role(), modelText(mm.role(), mm.sender(), mm.content())));
        }
        messages.add(new ChatMessage("user", modelText("user", m.sender(), m.content())));
        return new ChatRequest(a.config.id(), a.config.name(), a.config.model(), messages, a.config.temperature(),
                a.config.maxTokens(), templateAgents.credentials(a.config));
    }

    // The model sees who said what: others' words carry their name, a person's default name does not.
    private static String modelText(String role, String sender, String content) {
        if (!role.equals(MemoryMessage.USER) || sender == null || sender.equalsIgnoreCase("human")) {
            return content;
        }
        return sender + ": " + content;
    }
}
