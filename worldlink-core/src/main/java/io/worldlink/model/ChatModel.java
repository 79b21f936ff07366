package io.worldlink.model;

import io.worldlink.WorldLink;
import io.worldlink.internal.model.ModelTimer;
import io.worldlink.internal.model.OfflineChatModel;
import io.worldlink.internal.model.OpenAiChatModel;
import java.time.Duration;

/**
 * A chat model that streams its reply. {@link #stream} should return quickly; a model that blocks is
 * still safe, since WorldLink calls it on its bounded model pool, never on a world's or a server's thread.
 */
@FunctionalInterface
public interface ChatModel {
    /**
     * Starts a reply.
     *
     * @param request what to answer
     * @param listener where the reply goes
     * @return a handle to cancel the call
     */
    ChatCall stream(ChatRequest request, ChatListener listener);

    /**
     * The built-in offline model: no network, deterministic, streams word by word. Its reply uses the
     * agent's name, the role its system prompt gives it, and the message it answers. With a pace, the
     * model has a daemon thread ({@code worldlink-offline-model-*}) only while one of its replies is
     * streaming; there is nothing to close.
     *
     * @param pace the pause between two words; zero streams at once
     * @return the model
     */
    static ChatModel offline(Duration pace) {
        return new OfflineChatModel(pace, ModelTimer.perCall("worldlink-offline-model"));
    }

    /**
     * A client for an OpenAI-compatible {@code /chat/completions} endpoint that streams (OpenAI,
     * Ollama's {@code /v1}, vLLM, LM Studio and the like). The model has a daemon thread
     * ({@code worldlink-model-watchdog-*}) that watches for a stream gone quiet only while one of its calls
     * is under way, and at most two ({@code worldlink-model-http-*}) that read its responses and end after
     * a second without a call; there is nothing to close.
     *
     * @param settings where and how to call it
     * @return the model
     */
    static ChatModel openAiCompatible(OpenAiSettings settings) {
        return OpenAiChatModel.standalone(settings, ModelTimer.perCall("worldlink-model-watchdog"));
    }
}
