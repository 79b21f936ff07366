package io.worldlink;

/**
 * An agent to add to a world. Where its model is called and with which key is not part of it: the
 * provider is {@code default} or one that the host allows ({@link WorldLink.Builder#allowModels}), and
 * the base URL and key come from the server's settings.
 *
 * @param name the agent's display name; its id is made from it by {@link Names#toId}
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
}
