package io.worldlink.internal.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.model.ChatListener;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.Usage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OfflineChatModelTest {
    static ChatRequest request(String agent, String prompt, String message) {
        return new ChatRequest(agent.toLowerCase(), agent, "", List.of(new ChatMessage("system", prompt),
                new ChatMessage("user", message)), null, null, Map.of());
    }

    static final class Collect implements ChatListener {
        final BlockingQueue<String> chunks = new LinkedBlockingQueue<>();
        final CompletableFuture<Usage> done = new CompletableFuture<>();

        @Override
        public void onChunk(String text) {
            chunks.add(text);
        }

        @Override
        public void onComplete(Usage usage) {
            done.complete(usage);
        }

        @Override
        public void onError(Throwable error) {
            done.completeExceptionally(error);
        }

        String text() {
            return String.join("", chunks);
        }
    }

    @Test
    void repliesAsTheAgentInItsRoleAboutTheMessageWordByWord() throws Exception {
        Collect c = new Collect();
        ChatModel.offline(Duration.ZERO).stream(request("Ada",
                "You are Ada, a patient explainer in a shared chat room.", "How do tides work?"), c);

        Usage usage = c.done.get(1, TimeUnit.SECONDS);
        String reply = c.text();
        assertTrue(reply.startsWith("Ada here, a patient explainer. "), reply);
        assertTrue(reply.contains("\"How do tides work?\""), reply);
        assertEquals(c.chunks.size(), usage.outputTokens(), "one word a chunk");
        assertTrue(c.chunks.size() > 10);
        assertTrue(usage.inputTokens() > 0);
        assertEquals(usage.inputTokens() + usage.outputTokens(), usage.totalTokens());
    }

    @Test
    void isDeterministicAndVariesWithTheMessage() {
        String a = OfflineChatModel.reply(request("Ben", "You are Ben, a practical helper.", "one"));
        assertEquals(a, OfflineChatModel.reply(request("Ben", "You are Ben, a practical helper.", "one")));
        assertNotEquals(a, OfflineChatModel.reply(request("Ben", "You are Ben, a practical helper.", "two")));
    }

    @Test
    void quotesTheTextOfAnotherAgentsMessageWithoutItsNameOrMentions() {
        String reply = OfflineChatModel.reply(request("Pro", "You are Pro in a moderated debate.",
                "moderator: @pro\nThe motion is cats."));
        assertTrue(reply.startsWith("Pro here. "), reply);
        assertTrue(reply.contains("\"The motion is cats.\""), reply);
    }

    @Test
    void pacesWordsAndCanBeCancelled() throws Exception {
        Collect c = new Collect();
        var call = ChatModel.offline(Duration.ofMillis(5)).stream(request("Ada", "You are Ada.", "hi"), c);
        assertTrue(c.chunks.poll(5, TimeUnit.SECONDS) != null, "the first word comes after one pause");
        call.cancel();
        // Uncancelled, the ~40 remaining words at 5 ms each would complete well within this wait.
        assertThrows(java.util.concurrent.TimeoutException.class, () -> c.done.get(1, TimeUnit.SECONDS),
                "a cancelled call never completes");
        assertTrue(c.chunks.size() < 10, "delivery stopped: " + c.chunks.size() + " more words came");
    }

    @Test
    void aHostBuiltPacedModelHasAThreadOnlyWhileAReplyStreams() throws Exception {
        Collect c = new Collect();
        ChatModel.offline(Duration.ofMillis(1)).stream(request("Ada", "You are Ada.", "hi"), c);
        c.done.get(5, TimeUnit.SECONDS);
        List<Thread> pacers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("worldlink-offline-model")).toList();
        for (Thread t : pacers) {
            t.join(TimeUnit.SECONDS.toMillis(5));
            assertFalse(t.isAlive(), t.getName() + " outlived the only reply of its model");
        }
    }

    @Test
    void refusesANegativePace() {
        assertThrows(IllegalArgumentException.class, () -> ChatModel.offline(Duration.ofMillis(-1)));
    }
}
