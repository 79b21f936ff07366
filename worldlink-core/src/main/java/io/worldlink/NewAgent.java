package io.worldlink;

import io.worldlink.internal.protocol.ManagementJson;

/**
 * An agent to add to a world. Where its model is called and with which key is not part of it: the
 * provider is {@code default} or one that the host allows ({@link WorldLink.Builder#allowModels}), and
 * the base URL and key come from the server's settings.
 *
 * @param name the agent's display name; its id is made from it in lower-case kebab case ({@code "Dr. Ada"}
 *     becomes {@code dr-ada})
 * @param systemPrompt its system prompt, or {@code null} for none
 * @param provider {@code default} or a provider the host allows, or {@code null} for {@code default}
 * @param model one of the models the host allows for that provider, or {@code null} (or empty) for the
 *     provider's default model
 * @param temperature from 0 to 2, or {@code null} for the provider's default
 * @param maxTokens from 1 to the host's cap, or {@code null} for the provider's default
 */
public record NewAgent(String name, String systemPrompt, String provider, String model, Double temperature,
        Integer maxTokens) {
    /**
     * An agent on the default provider and its default model.
     *
     * @param name the agent's display name
     * @param systemPrompt its system prompt
     */
    public NewAgent(String name, String systemPrompt) {
        this(name, systemPrompt, null, null, null, null);
    }

    /**
     * Reads an agent to add from the JSON a client sends for one ({@code agent-create}'s payload, the body of
     * {@code POST /api/users/{u}/worlds/{w}/agents}), by the rules WorldLink's own protocol applies, so that a
     * host that takes the request over a transport of its own refuses what the WebSocket refuses.
     *
     * @param json an object with {@code agentName}, and optionally {@code systemPrompt}, {@code provider},
     *     {@code model}, {@code temperature} and {@code maxTokens}
     * @return the agent, not yet checked against the host's limits and allow-list:
     *     {@link WorldLink#createAgent} does that
     * @throws WorldLinkException {@link ErrorCode#INVALID_JSON} for text that is not JSON;
     *     {@link ErrorCode#FORBIDDEN} for any other field (a {@code baseUrl} or an {@code apiKey}, say: refused
     *     rather than dropped, so that a client never believes it set one); {@link ErrorCode#INVALID_MESSAGE}
     *     for JSON that is not an object, a field of the wrong type or a missing {@code agentName}
     */
    public static NewAgent fromJson(String json) {
        return ManagementJson.newAgent(ManagementJson.object(json, "the request"), "the request");
    }
}
