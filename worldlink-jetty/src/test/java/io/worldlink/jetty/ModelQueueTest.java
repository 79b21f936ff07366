package io.worldlink.jetty;

import static io.worldlink.FrameQueue.code;
import static io.worldlink.FrameQueue.payload;
import static io.worldlink.FrameQueue.payloadOf;
import static io.worldlink.FrameQueue.type;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.worldlink.FrameQueue;
import io.worldlink.TestData;
import io.worldlink.WorldLink;
import io.worldlink.model.ChatListener;
import io.worldlink.model.Usage;
import jakarta.websocket.ContainerProvider;
import jakarta.websocket.WebSocketContainer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.util.component.LifeCycle;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model calls waiting for a slot are capped, on a real server with real WebSocket clients: a call past
 * the cap ends its agent's reply with MODEL_ERROR and the turn with idle, and nothing else is lost: the
 * message stays in the chat, the calls that run and wait finish, and the next message is answered.
 */
class ModelQueueTest {
    @TempDir
    Path root;

    final ScriptedModel model = ScriptedModel.held();
    WorldLink link;
    WorldLinkServer server;
    WebSocketContainer container;
    final List<WsClient> clients = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        // One call at a time and one waiting: a turn of default-world's two agents fills both.
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).chatModel("offline", model)
                .trustClaimedUserIds(true).maxConcurrentModelCalls(1).maxWaitingModelCalls(1)
                .replyTimeout(Duration.ofMinutes(5)).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
        container = ContainerProvider.getWebSocketContainer();
    }

    @AfterEach
    void stop() throws Exception {
        for (WsClient c : clients) {
            c.close();
        }
        server.close();
        link.close();
        LifeCycle.stop(container);
    }

    // Answers the next call the model got.
    private void answerNext(String text) throws InterruptedException {
        ChatListener call = model.nextCall();
        call.onChunk(text);
        call.onComplete(Usage.NONE);
    }

    private static List<String> answers(List<JsonObject> frames) {
        List<String> answers = new ArrayList<>();
        for (JsonObject f : frames) {
            if (type(f).equals("chat-response") && payloadOf(f).get("isComplete").getAsBoolean()) {
                answers.add(payloadOf(f).get("agentName").getAsString() + ": "
                        + payloadOf(f).get("content").getAsString());
            }
        }
        return answers;
    }

    @Test
    void aCallPastTheQueueEndsItsReplyWithModelErrorAndIdleAndNothingElseIsLost() throws Exception {
        WsClient c = WsClient.connect(container, server.webSocketUri());
        clients.add(c);
        c.select("default-world", "w", "ann");
        c.expect("connection-confirmed");
        c.request("agent-create", payload("agentName", "Cy"));
        c.until(f -> type(f).equals("agent-created"));

        // Three agents answer: Ada's call runs, Ben's waits, and Cy's finds the queue full.
        c.request("chat-send", payload("message", "to all three"));
        List<JsonObject> refused = c.until(f -> type(f).equals("system-message"));
        JsonObject error = refused.get(refused.size() - 1);
        assertEquals("MODEL_ERROR", code(error));
        assertEquals("Agent cy could not answer: The server's models are busy: 1 calls wait their turn behind the 1 "
                + "under way, as many as may wait. This reply was not started; send the message again in a moment.",
                payloadOf(error).get("content").getAsString());

        answerNext("Ada's reply");
        answerNext("Ben's reply");
        List<JsonObject> turn = c.untilIdle();
        assertEquals(List.of("cy: ", "ada: Ada's reply", "ben: Ben's reply"), answers(turn),
                "Cy's reply ends empty; the call that ran and the one that waited both answer");
        assertTrue(FrameQueue.isIdle(turn.get(turn.size() - 1)));
        assertEquals(0, link.stats().activeModelCalls(), "each call gave its slot back, and the refused one none");

        c.request("chat-history", payload("beforeSeq", 1_000_000));
        List<JsonObject> history = c.until(f -> type(f).equals("chat-history"));
        String page = history.get(history.size() - 1).toString();
        assertTrue(page.contains("to all three") && page.contains("Ada's reply") && page.contains("Ben's reply"),
                "the message and the replies are in the chat: " + page);
    }
}
