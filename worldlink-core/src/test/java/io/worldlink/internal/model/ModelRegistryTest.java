package io.worldlink.internal.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ModelRegistryTest {
    @Test
    void defaultMeansTheOfflineModelWhenTheEnvironmentNamesNone() {
        Map<String, String> env = Map.of();
        ModelRegistry r = new ModelRegistry(ModelRegistry.fromEnvironment(env, Duration.ZERO, Duration.ofSeconds(60), Duration.ofSeconds(30), ModelTimer.perCall("test-timer"), new JdkModelTransport(Duration.ofSeconds(60), Runnable::run)),
                ModelRegistry.defaultProvider(env));
        assertEquals("offline", r.defaultProvider());
        assertInstanceOf(OfflineChatModel.class, r.resolve("default"));
        assertInstanceOf(OfflineChatModel.class, r.resolve(null));
    }

    @Test
    void worldlinkProviderNamesTheDefault() {
        Map<String, String> env = Map.of("WORLDLINK_PROVIDER", "ollama");
        ModelRegistry r = new ModelRegistry(ModelRegistry.fromEnvironment(env, Duration.ZERO, Duration.ofSeconds(60), Duration.ofSeconds(30), ModelTimer.perCall("test-timer"), new JdkModelTransport(Duration.ofSeconds(60), Runnable::run)),
                ModelRegistry.defaultProvider(env));
        assertSame(r.resolve("ollama"), r.resolve("default"));
        assertInstanceOf(OpenAiChatModel.class, r.resolve("openai-compatible"));
    }

    @Test
    void anUnknownDefaultIsRefusedAtOnce() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ModelRegistry(Map.of("offline", ChatModel.offline(Duration.ZERO)), "gemini"));
        assertEquals("The default provider \"gemini\" is not one of the configured providers [offline].",
                e.getMessage());
    }

    @Test
    void anUnknownProviderIsAModelErrorListingTheKnownOnes() {
        ModelRegistry r = new ModelRegistry(Map.of("offline", ChatModel.offline(Duration.ZERO)), "offline");
        WorldLinkException e = assertThrows(WorldLinkException.class, () -> r.resolve("gemini"));
        assertEquals(ErrorCode.MODEL_ERROR, e.code());
        assertEquals("The provider \"gemini\" is not configured; use one of offline.", e.getMessage());
    }

    @Test
    void openAiWithoutAKeySaysWhichVariableToSet() throws Exception {
        ModelRegistry r = new ModelRegistry(ModelRegistry.fromEnvironment(Map.of(), Duration.ZERO, Duration.ofSeconds(60), Duration.ofSeconds(30), ModelTimer.perCall("test-timer"), new JdkModelTransport(Duration.ofSeconds(60), Runnable::run)), "offline");
        OfflineChatModelTest.Collect c = new OfflineChatModelTest.Collect();
        r.resolve("openai").stream(new ChatRequest("a", "A", "", List.of(new ChatMessage("user", "hi")), null, null,
                null), c);
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> c.done.get(1, TimeUnit.SECONDS));
        assertEquals("The provider \"openai\" needs an API key: set OPENAI_API_KEY, or give the agent another provider.",
                e.getCause().getMessage());
    }
}
