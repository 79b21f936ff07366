package io.worldlink.internal.world;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.model.ChatCall;
import io.worldlink.model.ChatListener;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.Usage;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A chat model for tests: a script decides each reply, which streams word by word. A reply that starts
 * with {@code FAIL:} streams one word and then fails with the rest as the error. Every request is kept.
 */
final class ScriptedModel implements ChatModel {
    private static final Pattern WORD = Pattern.compile("\\S+\\s*");

    final BlockingQueue<ChatRequest> requests = new LinkedBlockingQueue<>();
    volatile Function<ChatRequest, String> script = r -> r.agentName() + " answers.";

    @Override
    public ChatCall stream(ChatRequest request, ChatListener listener) {
        requests.add(request);
        String reply = script.apply(request);
        if (reply.startsWith("FAIL:")) {
            listener.onChunk("partial ");
            listener.onError(new WorldLinkException(ErrorCode.MODEL_ERROR, reply.substring(5)));
            return () -> { };
        }
        Matcher m = WORD.matcher(reply);
        int words = 0;
        while (m.find()) {
            listener.onChunk(m.group());
            words++;
        }
        listener.onComplete(new Usage(7, words, 7 + words));
        return () -> { };
    }

    /**
     * @param request a request
     * @return the text of the message it answers (the last one)
     */
    static String last(ChatRequest request) {
        return request.messages().get(request.messages().size() - 1).content();
    }
}
