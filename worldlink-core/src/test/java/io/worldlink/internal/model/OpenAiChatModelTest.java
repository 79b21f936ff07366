package io.worldlink.internal.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import io.worldlink.model.ChatListener;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatModel;
import io.worldlink.model.ChatRequest;
import io.worldlink.model.OpenAiSettings;
import io.worldlink.model.Usage;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI-compatible client against a real local HTTP server that streams as OpenAI does, on the JDK's
 * transport; another transport's test extends this one and runs the same cases through {@link #model}.
 */
public class OpenAiChatModelTest {
    /** The model server the cases call. */
    protected FakeOpenAiServer server;

    @BeforeEach
    void start() throws Exception {
        server = new FakeOpenAiServer();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** What one call delivered: its chunks, then its end. */
    protected static final class Outcome implements ChatListener {
        final StringBuilder text = new StringBuilder();
        /** Completes with the call's end: its usage, or its error. */
        public final CompletableFuture<Usage> done = new CompletableFuture<>();

        /** An outcome that nothing has been delivered to yet. */
        public Outcome() {
            // Filled by the call.
        }
        final CompletableFuture<String> firstChunk = new CompletableFuture<>();

        @Override
        public synchronized void onChunk(String chunk) {
            assertFalse(done.isDone(), "no chunk after the end");
            text.append(chunk);
            firstChunk.complete(chunk);
        }

        @Override
        public void onComplete(Usage usage) {
            assertTrue(done.complete(usage), "one end only");
        }

        @Override
        public void onError(Throwable error) {
            assertTrue(done.completeExceptionally(error), "one end only");
        }

        Usage usage() throws Exception {
            return done.get(10, TimeUnit.SECONDS);
        }

        public WorldLinkException error() throws Exception {
            try {
                done.get(10, TimeUnit.SECONDS);
                throw new AssertionError("expected an error, got: " + text);
            } catch (java.util.concurrent.ExecutionException e) {
                WorldLinkException w = assertInstanceOf(WorldLinkException.class, e.getCause());
                assertEquals(ErrorCode.MODEL_ERROR, w.code());
                return w;
            }
        }
    }

    /** {@return a request of two messages, with a temperature and a token limit} */
    protected static ChatRequest request() {
        return new ChatRequest("ada", "Ada", "gpt-test", List.of(new ChatMessage("system", "You are Ada."),
                new ChatMessage("user", "hello")), 0.5, 100, Map.of());
    }

    /**
     * The model under test.
     *
     * @param settings where and how to call the server
     * @return the model
     */
    protected ChatModel model(OpenAiSettings settings) {
        return ChatModel.openAiCompatible(settings);
    }

    Outcome call(String behaviour, OpenAiSettings settings) {
        Outcome outcome = new Outcome();
        model(settings).stream(request(), outcome);
        return outcome;
    }

    Outcome call(String behaviour) {
        return call(behaviour, OpenAiSettings.of(server.base(behaviour), "sk-test-secret"));
    }

    @Test
    void streamsTheReplyAndReportsUsage() throws Exception {
        Outcome o = call("normal");
        assertEquals(new Usage(12, 3, 15), o.usage());
        assertEquals("Hello world", o.text.toString());

        FakeOpenAiServer.Request sent = server.requests.poll(5, TimeUnit.SECONDS);
        assertNotNull(sent);
        assertEquals("/normal/chat/completions", sent.path());
        assertEquals("Bearer sk-test-secret", sent.authorization());
        JsonObject body = JsonParser.parseString(sent.body()).getAsJsonObject();
        assertEquals("gpt-test", body.get("model").getAsString());
        assertTrue(body.get("stream").getAsBoolean());
        assertTrue(body.getAsJsonObject("stream_options").get("include_usage").getAsBoolean());
        assertEquals(0.5, body.get("temperature").getAsDouble());
        assertEquals(100, body.get("max_tokens").getAsInt());
        assertEquals("system", body.getAsJsonArray("messages").get(0).getAsJsonObject().get("role").getAsString());
    }

    @Test
    void usageCanBeSwitchedOffForServersThatRejectIt() throws Exception {
        Outcome o = call("nousage", new OpenAiSettings(server.base("nousage"), null, false, Duration.ofSeconds(5),
                Duration.ofSeconds(5)));
        assertEquals(Usage.NONE, o.usage());
        assertEquals("Hi", o.text.toString());
        FakeOpenAiServer.Request sent = server.requests.poll(5, TimeUnit.SECONDS);
        assertNull(sent.authorization(), "no key, no header");
        assertFalse(JsonParser.parseString(sent.body()).getAsJsonObject().has("stream_options"));
    }

    @Test
    void aServerErrorIsAModelErrorWithTheServersMessage() throws Exception {
        assertEquals("The model server at 127.0.0.1 answered HTTP 500: The server had an error while processing "
                + "your request.", call("500").error().getMessage());
    }

    @Test
    void anAuthErrorNeverShowsTheApiKey() throws Exception {
        String message = call("401").error().getMessage();
        assertFalse(message.contains("sk-test-secret"), message);
        assertEquals("The model server at 127.0.0.1 answered HTTP 401: Incorrect API key provided: ***. You can find "
                + "your API key at your dashboard. Check the API key (OPENAI_API_KEY, or the agent's apiKey).", message);
    }

    @Test
    void aStreamCutInTheMiddleIsAnErrorAfterTheTextSoFar() throws Exception {
        Outcome o = call("cut");
        assertTrue(o.error().getMessage().startsWith("The stream from the model server at 127.0.0.1 broke off"),
                o.error().getMessage());
        assertEquals("Hello", o.text.toString());
    }

    @Test
    void aStreamThatEndsWithoutFinishingIsAnError() throws Exception {
        assertEquals("The stream from the model server at 127.0.0.1 ended before the reply was complete.",
                call("nofinish").error().getMessage());
    }

    @Test
    void aStallIsStoppedByTheGapTimeout() throws Exception {
        Outcome o = call("stall", new OpenAiSettings(server.base("stall"), null, true, Duration.ofSeconds(5),
                Duration.ofMillis(300)));
        assertEquals("The model server at 127.0.0.1 sent nothing for 300 ms; the reply was stopped.",
                o.error().getMessage());
        assertEquals("Hel", o.text.toString());
    }

    @Test
    void aStreamThatNeverEndsALineIsStoppedAtABound() throws Exception {
        Outcome o = call("endless");
        assertEquals("The model server at 127.0.0.1 sent a piece of its stream longer than 1024 KiB; the reply was "
                + "stopped.", o.error().getMessage());
        assertEquals("Hel", o.text.toString());
    }

    @Test
    void malformedJsonInAChunkIsAnError() throws Exception {
        Outcome o = call("malformed");
        assertEquals("The model server at 127.0.0.1 sent a piece of its stream that is not valid JSON.",
                o.error().getMessage());
        assertEquals("Hel", o.text.toString(), "nothing after the bad chunk is delivered");
    }

    @Test
    void aServerThatIsNotThereIsAClearError() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Outcome o = new Outcome();
        model(OpenAiSettings.of(URI.create("http://127.0.0.1:" + port + "/v1"), null)).stream(request(), o);
        assertEquals("Could not connect to the model server at 127.0.0.1:" + port
                + "; check that it is running and that the base URL is right.", o.error().getMessage());
    }

    @Test
    void theAgentsBaseUrlAndKeyOverrideTheSettings() throws Exception {
        Outcome o = new Outcome();
        ChatRequest r = new ChatRequest("ada", "Ada", "m", List.of(new ChatMessage("user", "hi")), null, null,
                Map.of("baseUrl", server.base("nousage").toString(), "apiKey", "sk-agent"));
        model(OpenAiSettings.of(URI.create("http://127.0.0.1:1/unused"), "sk-global")).stream(r, o);
        assertEquals(Usage.NONE, o.usage());
        assertEquals("Hi", o.text.toString());
        assertEquals("Bearer sk-agent", server.requests.poll(5, TimeUnit.SECONDS).authorization());
    }

    @Test
    void cancellingStopsDeliveryAndTheWatchdog() throws Exception {
        Outcome o = new Outcome();
        io.worldlink.model.ChatCall call = model(new OpenAiSettings(server.base("stall"), null, true,
                Duration.ofSeconds(5), Duration.ofMillis(200))).stream(request(), o);
        assertEquals("Hel", o.firstChunk.get(5, TimeUnit.SECONDS));

        call.cancel();

        // Uncancelled, the 200 ms gap timeout would end the call with an error well within this wait.
        assertThrows(java.util.concurrent.TimeoutException.class, () -> o.done.get(1, TimeUnit.SECONDS));
    }

    @Test
    void theRequestCarriesAnyTextExactly() throws Exception {
        String text = "quote\" backslash\\ slash/ newline\n tab\t control\u0001 \u00e9t\u00e9 \ud83d\ude00 "
                + "\u2028 <b>&amp;</b>";
        Outcome o = new Outcome();
        ChatRequest r = new ChatRequest("ada", "Ada", "m\"odel", List.of(new ChatMessage("system", "You are Ada."),
                new ChatMessage("user", text)), 1.0, null, Map.of());
        model(OpenAiSettings.of(server.base("nousage"), null)).stream(r, o);
        assertEquals(Usage.NONE, o.usage());

        JsonObject body = JsonParser.parseString(server.requests.poll(5, TimeUnit.SECONDS).body()).getAsJsonObject();
        assertEquals("m\"odel", body.get("model").getAsString());
        assertEquals(text, body.getAsJsonArray("messages").get(1).getAsJsonObject().get("content").getAsString());
        assertEquals(2, body.getAsJsonArray("messages").size());
        assertEquals(1.0, body.get("temperature").getAsDouble());
        assertFalse(body.has("max_tokens"), "no limit, no field");
    }

    @Test
    void aServerThatNeverAnswersIsStoppedByTheFirstByteTimeout() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0)) {
            Outcome o = new Outcome();
            model(new OpenAiSettings(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/v1"), null, true,
                    Duration.ofMillis(300), Duration.ofSeconds(5))).stream(request(), o);
            assertEquals("The model server at 127.0.0.1:" + silent.getLocalPort()
                    + " did not start answering within 300 ms.", o.error().getMessage());
        }
    }

    @Test
    void requestsNeverPrintTheirOptions() {
        ChatRequest r = new ChatRequest("ada", "Ada", "m", List.of(), null, null, Map.of("apiKey", "sk-secret"));
        assertFalse(r.toString().contains("sk-secret"));
        assertFalse(OpenAiSettings.of(URI.create("http://x"), "sk-secret").toString().contains("sk-secret"));
    }
}
