package io.worldlink.jetty.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.internal.model.ModelTimer;
import io.worldlink.internal.model.OpenAiChatModel;
import io.worldlink.internal.model.OpenAiChatModelTest;
import io.worldlink.model.ChatModel;
import io.worldlink.model.OpenAiSettings;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The launcher's model transport, Jetty's HTTP client, through every case of the JDK transport's test. */
class JettyModelTransportTest extends OpenAiChatModelTest {
    static final int THREADS = 4;

    JettyModelTransport transport;

    @BeforeEach
    void startTransport() throws Exception {
        transport = JettyModelTransport.start(Duration.ofSeconds(5), Duration.ofSeconds(30), 64, THREADS);
    }

    @AfterEach
    void stopTransport() {
        transport.close();
    }

    @Override
    protected ChatModel model(OpenAiSettings settings) {
        return new OpenAiChatModel(settings, ModelTimer.perCall("test-watchdog"), transport);
    }

    static long transportThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .filter(t -> t.getName().matches("worldlink-model-http-\\d+")).count();
    }

    @Test
    void manyCallsRunOnTheTransportsFixedThreadsAndStartNoOther() throws Exception {
        assertEquals(THREADS, transportThreads());
        int calls = 40;
        CompletableFuture<?>[] ends = new CompletableFuture<?>[calls];
        for (int i = 0; i < calls; i++) {
            Outcome o = new Outcome();
            model(OpenAiSettings.of(server.base("normal"), null)).stream(request(), o);
            ends[i] = o.done;
        }
        CompletableFuture.allOf(ends).get(10, TimeUnit.SECONDS);
        for (CompletableFuture<?> end : ends) {
            assertTrue(end.isDone() && !end.isCompletedExceptionally());
        }
        assertEquals(THREADS, transportThreads(), "the pool did not grow with the calls");
        assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().matches("Thread-\\d+")),
                "no thread of a default executor");
    }

    @Test
    void aCallIsTimedByTheModelsTimeoutsNotByTheConnectionsIdleTimeout() throws Exception {
        try (JettyModelTransport quick = JettyModelTransport.start(Duration.ofSeconds(5), Duration.ofSeconds(30),
                Duration.ofMillis(100), 4, THREADS)) {
            Outcome o = new Outcome();
            new OpenAiChatModel(new OpenAiSettings(server.base("stall"), null, true, Duration.ofSeconds(5),
                    Duration.ofMillis(800)), ModelTimer.perCall("test-watchdog"), quick).stream(request(), o);
            assertEquals("The model server at 127.0.0.1 sent nothing for 800 ms; the reply was stopped.",
                    o.error().getMessage(), "a pause longer than the pool's idle timeout is the model's to judge");
        }
    }
}
