package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.client.ClientListener;
import io.worldlink.client.SystemNotice;
import io.worldlink.client.WorldLinkClient;
import io.worldlink.internal.model.FakeOpenAiServer;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatModel;
import io.worldlink.model.Usage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher's model and memory settings reach the worlds it serves. */
class LauncherSettingsTest {
    @TempDir
    Path data;

    final BlockingQueue<String> modelErrors = new LinkedBlockingQueue<>();
    final ClientListener listener = new ClientListener() {
        @Override
        public void onSystemMessage(SystemNotice notice) {
            if ("MODEL_ERROR".equals(notice.code())) {
                modelErrors.add(notice.content());
            }
        }
    };

    @Test
    void theMemoryWindowAndTheReplyTimeoutAreTheOnesGiven() throws Exception {
        TestData.withShippedTemplates(data);
        Launcher.Options o = Launcher.parse(new String[] {"--data", data.toString(), "--memory-window=1",
            "--reply-timeout-seconds", "1"}, Map.of());
        BlockingQueue<Integer> remembered = new LinkedBlockingQueue<>();
        // Ada answers at once and says how many remembered messages she was sent; Ben never answers.
        ChatModel model = (request, listener) -> {
            if (request.agentId().equals("ada")) {
                List<ChatMessage> m = request.messages();
                int memory = (int) m.stream().filter(x -> !x.role().equals("system")).count() - 1;
                remembered.add(memory);
                listener.onChunk("ok");
                listener.onComplete(Usage.NONE);
            }
            return () -> { };
        };
        try (WorldLink link = Launcher.worldLink(o).environment(Map.of()).chatModel("offline", model).build();
                WorldLinkServer server = WorldLinkServer.builder(link).port(0).build().start();
                WorldLinkClient client = WorldLinkClient.builder(server.webSocketUri()).listener(listener).build()) {
            client.selectWorld("default-world", "w", UUID.randomUUID().toString()).get(30, TimeUnit.SECONDS);
            for (int turn = 0; turn < 3; turn++) {
                client.chat("turn " + turn).get(30, TimeUnit.SECONDS);
                String error = modelErrors.poll(30, TimeUnit.SECONDS);
                assertTrue(error != null && error.contains("sent nothing for 1 s"), "Ben's reply timed out: " + error);
            }
            assertEquals(0, remembered.poll());
            assertEquals(1, remembered.poll());
            assertEquals(1, remembered.poll(), "the third turn remembers more than one message, but is sent one");
        }
    }

    @Test
    void theHttpModelsWaitAsLongAsTheirTimeoutsSay() throws Exception {
        TestData.withShippedTemplates(data);
        Launcher.Options o = Launcher.parse(new String[] {"--data", data.toString(), "--provider",
            "openai-compatible", "--model-gap-timeout-seconds=1", "--model-first-byte-timeout-seconds=5"}, Map.of());
        try (FakeOpenAiServer model = new FakeOpenAiServer();
                WorldLink link = Launcher.worldLink(o).environment(Map.of("OPENAI_COMPATIBLE_BASE_URL",
                        model.base("stall").toString())).build();
                WorldLinkServer server = WorldLinkServer.builder(link).port(0).build().start();
                WorldLinkClient client = WorldLinkClient.builder(server.webSocketUri()).listener(listener).build()) {
            client.selectWorld("fast-world", "w", UUID.randomUUID().toString()).get(30, TimeUnit.SECONDS);
            // The model sends one piece and then nothing: the gap of 1 s ends the reply, not the default 30 s.
            client.chat("hello").get(20, TimeUnit.SECONDS);
            String error = modelErrors.poll(10, TimeUnit.SECONDS);
            assertTrue(error != null && error.contains("sent nothing for 1 s"), "the reply stalled: " + error);
        }
    }
}
