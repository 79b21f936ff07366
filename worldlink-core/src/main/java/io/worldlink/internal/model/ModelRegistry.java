package io.worldlink.internal.model;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.model.ChatCall;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ModelTransport;
import io.worldlink.model.OpenAiSettings;
import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * The chat models by provider name. An agent's provider {@code default} means the registry's default
 * provider ({@code WORLDLINK_PROVIDER}, else {@code offline}).
 */
public final class ModelRegistry {
    /** The provider that needs no network and no key. */
    public static final String OFFLINE = "offline";
    /** The provider name that stands for the registry's default. */
    public static final String DEFAULT = "default";

    private final Map<String, ChatModel> models;
    private final String defaultProvider;

    /**
     * @param models the models by provider name
     * @param defaultProvider the provider that {@code default} stands for; it must be among them
     */
    public ModelRegistry(Map<String, ChatModel> models, String defaultProvider) {
        this.models = Collections.unmodifiableMap(new LinkedHashMap<>(models));
        if (!this.models.containsKey(defaultProvider)) {
            throw new IllegalArgumentException("The default provider \"" + defaultProvider
                    + "\" is not one of the configured providers " + new TreeSet<>(models.keySet()) + ".");
        }
        this.defaultProvider = defaultProvider;
    }

    /**
     * The providers that the environment configures, as agent-world names them: {@code offline},
     * {@code openai} ({@code OPENAI_API_KEY}, {@code OPENAI_BASE_URL}), {@code ollama}
     * ({@code OLLAMA_BASE_URL}, default {@code http://localhost:11434/v1}) and {@code openai-compatible}
     * ({@code OPENAI_COMPATIBLE_BASE_URL}, {@code OPENAI_COMPATIBLE_API_KEY}, or the agent's
     * {@code baseUrl} and {@code apiKey}); the default is {@code WORLDLINK_PROVIDER}, else {@code offline}.
     *
     * @param env the environment
     * @param offlinePace the offline model's pause between words
     * @param firstByte how long the HTTP models wait for a response to start
     * @param gap how long the HTTP models wait between two pieces of a stream
     * @param timer where the models schedule their delays
     * @param transport what the HTTP models send their requests with
     * @return the models
     */
    public static Map<String, ChatModel> fromEnvironment(Map<String, String> env, Duration offlinePace,
            Duration firstByte, Duration gap, ModelTimer timer, ModelTransport transport) {
        Map<String, ChatModel> models = new LinkedHashMap<>();
        models.put(OFFLINE, new OfflineChatModel(offlinePace, timer));
        String openAiKey = blankToNull(env.get("OPENAI_API_KEY"));
        models.put("openai", openAiKey == null
                ? unconfigured("The provider \"openai\" needs an API key: set OPENAI_API_KEY, or give the agent "
                        + "another provider.")
                : new OpenAiChatModel(settings(URI.create(orElse(env.get("OPENAI_BASE_URL"),
                        "https://api.openai.com/v1")), openAiKey, firstByte, gap), timer, transport));
        String ollama = orElse(env.get("OLLAMA_BASE_URL"), "http://localhost:11434/v1");
        models.put("ollama", new OpenAiChatModel(settings(
                URI.create(ollama.replaceAll("/+$", "").endsWith("/v1") ? ollama : ollama.replaceAll("/+$", "") + "/v1"),
                null, firstByte, gap), timer, transport));
        String compatible = blankToNull(env.get("OPENAI_COMPATIBLE_BASE_URL"));
        models.put("openai-compatible", new OpenAiChatModel(settings(
                URI.create(compatible == null ? "http://localhost:8000/v1" : compatible),
                blankToNull(env.get("OPENAI_COMPATIBLE_API_KEY")), firstByte, gap), timer, transport));
        return models;
    }

    private static OpenAiSettings settings(URI base, String key, Duration firstByte, Duration gap) {
        return new OpenAiSettings(base, key, true, firstByte, gap);
    }

    /**
     * @param env the environment
     * @return {@code WORLDLINK_PROVIDER}, else {@code offline}
     */
    public static String defaultProvider(Map<String, String> env) {
        return orElse(env.get("WORLDLINK_PROVIDER"), OFFLINE);
    }

    /** @return the provider that {@code default} stands for */
    public String defaultProvider() {
        return defaultProvider;
    }

    /**
     * @param provider an agent's provider
     * @return the provider its calls go to: the registry's default for {@code default} or none
     */
    public String providerOf(String provider) {
        return provider == null || provider.isBlank() || provider.equals(DEFAULT) ? defaultProvider : provider;
    }

    /**
     * @param provider an agent's provider
     * @return its model
     * @throws WorldLinkException {@link ErrorCode#MODEL_ERROR} when no such provider is configured
     */
    public ChatModel resolve(String provider) {
        String name = providerOf(provider);
        ChatModel model = models.get(name);
        if (model == null) {
            throw new WorldLinkException(ErrorCode.MODEL_ERROR, "The provider \"" + name
                    + "\" is not configured; use one of " + String.join(", ", new TreeSet<>(models.keySet())) + ".");
        }
        return model;
    }

    private static ChatModel unconfigured(String message) {
        return (request, listener) -> {
            listener.onError(new WorldLinkException(ErrorCode.MODEL_ERROR, message));
            return (ChatCall) () -> { };
        };
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String orElse(String s, String fallback) {
        String v = blankToNull(s);
        return v == null ? fallback : v;
    }
}
