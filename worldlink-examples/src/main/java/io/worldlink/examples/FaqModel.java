package io.worldlink.examples;

import io.worldlink.model.ChatCall;
import io.worldlink.model.ChatListener;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.Usage;
import java.util.Locale;
import java.util.Map;

/**
 * A custom {@link ChatModel}: answers from a small table of questions, word by word. A real one would
 * call a model; the shape is the same: stream chunks to the listener, then complete with the usage.
 */
public final class FaqModel implements ChatModel {
    private final Map<String, String> answers;

    /** @param answers replies by keyword (lower case); the first keyword found in the question wins */
    public FaqModel(Map<String, String> answers) {
        this.answers = Map.copyOf(answers);
    }

    @Override
    public ChatCall stream(ChatRequest request, ChatListener listener) {
        String question = request.messages().get(request.messages().size() - 1).content().toLowerCase(Locale.ROOT);
        String reply = answers.entrySet().stream().filter(e -> question.contains(e.getKey()))
                .map(Map.Entry::getValue).findFirst()
                .orElse("I only know about " + String.join(", ", answers.keySet()) + ".");
        String[] words = reply.split(" ");
        for (int i = 0; i < words.length; i++) {
            listener.onChunk(i == 0 ? words[i] : " " + words[i]);
        }
        int input = request.messages().stream().map(ChatMessage::content).mapToInt(String::length).sum() / 4;
        listener.onComplete(new Usage(input, words.length, input + words.length));
        return () -> { };
    }
}
