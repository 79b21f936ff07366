package io.worldlink.client;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * An agent as the server shows it (PROTOCOL.md's {@code Agent}).
 *
 * @param id the agent's id, used in {@code @mentions}
 * @param name its display name
 * @param status {@code active} or {@code inactive}
 * @param provider its model provider
 * @param model its model
 * @param systemPrompt its system prompt
 * @param temperature its temperature, or {@code null}
 * @param maxTokens its longest reply, or {@code null}
 * @param llmCallCount model calls since a human last spoke
 * @param memorySize messages in its memory
 */
public record AgentInfo(String id, String name, String status, String provider, String model, String systemPrompt,
        Double temperature, Integer maxTokens, int llmCallCount, int memorySize) {

    static AgentInfo from(JsonObject o) {
        return new AgentInfo(str(o, "id"), str(o, "name"), str(o, "status"), str(o, "provider"), str(o, "model"),
                str(o, "systemPrompt"), o.has("temperature") ? o.get("temperature").getAsDouble() : null,
                o.has("maxTokens") ? o.get("maxTokens").getAsInt() : null, num(o, "llmCallCount"), num(o, "memorySize"));
    }

    private static String str(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? "" : e.getAsString();
    }

    private static int num(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? 0 : e.getAsInt();
    }

    /** {@return whether the agent answers} */
    public boolean isActive() {
        return status.equals("active");
    }
}
