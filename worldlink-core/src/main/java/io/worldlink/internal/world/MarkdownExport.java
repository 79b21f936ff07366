package io.worldlink.internal.world;

import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.Chat;
import io.worldlink.WorldConfig;
import io.worldlink.WorldSnapshot;
import io.worldlink.event.MessageEvent;
import io.worldlink.internal.Json;
import java.time.Instant;
import java.util.List;

/** A world as a Markdown document: its configuration, its agents, and the conversation in order. */
public final class MarkdownExport {
    private MarkdownExport() {}

    /**
     * @param world the world's config and agents
     * @param chats the chats exported, each with its messages in its own section
     * @param conversation their message events, oldest first
     * @param exportedAt when the export is made
     * @return the Markdown
     */
    public static String render(WorldSnapshot world, List<Chat> chats, List<MessageEvent> conversation,
            Instant exportedAt) {
        WorldConfig c = world.config();
        StringBuilder md = new StringBuilder();
        md.append("# ").append(c.name()).append("\n\n");
        if (!c.description().isBlank()) {
            md.append(c.description().strip()).append("\n\n");
        }
        md.append("## World\n\n| Setting | Value |\n|---|---|\n");
        row(md, "Id", c.id());
        row(md, "Turn limit", String.valueOf(c.turnLimit()));
        c.metadata().forEach((k, v) -> row(md, k, v));
        md.append("\n## Agents\n");
        for (AgentSnapshot a : world.agents()) {
            AgentConfig ac = a.config();
            md.append("\n### ").append(ac.name()).append(" (`").append(ac.id()).append("`)\n\n");
            md.append("| Setting | Value |\n|---|---|\n");
            row(md, "Status", ac.status().wireName());
            row(md, "Provider", ac.provider());
            row(md, "Model", ac.model().isEmpty() ? "(provider default)" : ac.model());
            row(md, "Temperature", ac.temperature() == null ? "(provider default)" : String.valueOf(ac.temperature()));
            row(md, "Max tokens", ac.maxTokens() == null ? "(provider default)" : String.valueOf(ac.maxTokens()));
            row(md, "LLM calls", String.valueOf(ac.llmCallCount()));
            row(md, "Memory", a.memory().size() + " messages");
            md.append("\nSystem prompt:\n\n");
            fenced(md, a.systemPrompt());
        }
        md.append("\n## Conversation\n");
        for (Chat chat : chats) {
            md.append("\n### ").append(escape(chat.name())).append(" (`").append(chat.id()).append("`)\n");
            boolean empty = true;
            for (MessageEvent m : conversation) {
                if (!chat.id().equals(m.chatId())) {
                    continue;
                }
                empty = false;
                md.append("\n**").append(escape(m.sender())).append("** (").append(m.senderType().wireName())
                        .append(", ").append(Json.timestamp(m.timestamp())).append(", #").append(m.seq())
                        .append(")\n\n");
                for (String line : m.content().split("\n", -1)) {
                    md.append("> ").append(line).append('\n');
                }
            }
            if (empty) {
                md.append("\nNo messages yet.\n");
            }
        }
        md.append("\n## Export\n\n| | |\n|---|---|\n");
        row(md, "Exported at", Json.timestamp(exportedAt));
        row(md, "Chats", String.valueOf(chats.size()));
        row(md, "Messages", String.valueOf(conversation.size()));
        row(md, "Format", "WorldLink world export, version 2");
        return md.toString();
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ").append(escape(key)).append(" | ").append(escape(value)).append(" |\n");
    }

    private static String escape(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    private static void fenced(StringBuilder md, String text) {
        String fence = "```";
        while (text.contains(fence)) {
            fence += "`";
        }
        md.append(fence).append("text\n").append(text.strip()).append('\n').append(fence).append('\n');
    }
}
