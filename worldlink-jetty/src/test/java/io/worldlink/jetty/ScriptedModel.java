package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.worldlink.model.ChatCall;
import io.worldlink.model.ChatListener;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.Usage;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat model whose replies a test writes, to show the page text the offline model never writes (Markdown
 * over several lines): either it answers each call at once, streamed a few characters a chunk, or it holds
 * each call for the test to stream by hand.
 */
final class ScriptedModel implements ChatModel {
    // Small chunks, so that Markdown's marks arrive cut in two, as a real model's tokens cut them.
    private static final Pattern CHUNK = Pattern.compile("(?s).{1,7}");

    private final Function<ChatRequest, String> replies;
    private final BlockingQueue<ChatListener> held = new LinkedBlockingQueue<>();

    private ScriptedModel(Function<ChatRequest, String> replies) {
        this.replies = replies;
    }

    /** @return a model that answers each call with the reply this gives for it */
    static ScriptedModel answering(Function<ChatRequest, String> replies) {
        return new ScriptedModel(replies);
    }

    /** @return a model that leaves each call to the test: see {@link #nextCall()} */
    static ScriptedModel held() {
        return new ScriptedModel(null);
    }

    @Override
    public ChatCall stream(ChatRequest request, ChatListener listener) {
        if (replies == null) {
            held.add(listener);
        } else {
            Matcher m = CHUNK.matcher(replies.apply(request));
            while (m.find()) {
                listener.onChunk(m.group());
            }
            listener.onComplete(Usage.NONE);
        }
        return () -> { };
    }

    /** @return the listener of the next call the model got, for the test to stream its reply */
    ChatListener nextCall() throws InterruptedException {
        ChatListener call = held.poll(15, TimeUnit.SECONDS);
        assertNotNull(call, "the model was called");
        return call;
    }
}
