package io.worldlink.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.ErrorCode;
import io.worldlink.Identity;
import io.worldlink.TestData;
import io.worldlink.WorldLinkException;
import io.worldlink.client.ClientListener;
import io.worldlink.WorldLink;
import io.worldlink.client.Reply;
import io.worldlink.client.ReplyListener;
import io.worldlink.client.Turn;
import io.worldlink.client.WorldLinkClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java client's chat(): a turn as one future, its replies streamed one agent at a time; stop(). */
class ClientChatTest {
    @TempDir
    Path root;

    WorldLink link;
    WorldLinkServer server;
    WorldLinkClient client;

    @BeforeEach
    void start() throws Exception {
        TestData.withShippedTemplates(root);
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ofMillis(5))
                .anonymousGracePeriod(Duration.ZERO).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
        client = WorldLinkClient.builder(server.webSocketUri()).build();
        client.selectWorld("default-world", "demo", UUID.randomUUID().toString()).get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
        link.close();
    }

    /** Records what a listener got: each agent's text in the order it came, and the ends. */
    static final class Printed implements ReplyListener {
        final List<String> speakers = new ArrayList<>();
        final Map<String, StringBuilder> text = new LinkedHashMap<>();
        final List<Reply> ends = new ArrayList<>();
        final CompletableFuture<Void> firstText = new CompletableFuture<>();

        @Override
        public synchronized void onText(String agentName, String piece) {
            if (speakers.isEmpty() || !speakers.get(speakers.size() - 1).equals(agentName)) {
                speakers.add(agentName);
            }
            text.computeIfAbsent(agentName, a -> new StringBuilder()).append(piece);
            firstText.complete(null);
        }

        @Override
        public synchronized void onReply(Reply reply) {
            ends.add(reply);
        }
    }

    @Test
    void chatWaitsForTheWholeTurnAndStreamsEachReplyWholeAndOnce() throws Exception {
        Printed printed = new Printed();
        Turn turn = client.chat("How do I learn Java?", printed).get(10, TimeUnit.SECONDS);

        assertEquals(List.of("ada", "ben"), turn.replies().stream().map(Reply::agentName).sorted().toList());
        assertEquals(2, printed.speakers.size(), "one agent at a time, never mixed: " + printed.speakers);
        for (Reply r : turn.replies()) {
            assertFalse(r.content().isBlank());
            assertEquals(r.content(), printed.text.get(r.agentName()).toString().strip(), "no text twice");
            assertTrue(r.usage().totalTokens() > 0);
        }
        assertEquals(turn.replies().size(), printed.ends.size());
        assertFalse(turn.stopped());
    }

    @Test
    void theClientIsToldWhenItsWorldIsDeletedAndLeavesIt() throws Exception {
        client.close();
        CompletableFuture<String> deleted = new CompletableFuture<>();
        client = WorldLinkClient.builder(server.webSocketUri()).listener(new ClientListener() {
            @Override
            public void onWorldDeleted(String worldName) {
                deleted.complete(worldName);
            }
        }).build();
        String user = UUID.randomUUID().toString();
        client.selectWorld("fast-world", "doomed", user).get(10, TimeUnit.SECONDS);

        link.deleteWorld(Identity.ANONYMOUS, user, "doomed").get(10, TimeUnit.SECONDS);

        assertEquals("doomed", deleted.get(10, TimeUnit.SECONDS));
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> client.chat("anyone there?").get(10, TimeUnit.SECONDS));
        assertEquals(ErrorCode.NO_WORLD_SELECTED, ((WorldLinkException) refused.getCause()).code());
    }

    @Test
    void stopEndsTheTurnWithTheRepliesMarkedStopped() throws Exception {
        link.close();
        server.close();
        client.close();
        link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ofMillis(50)).build();
        server = WorldLinkServer.builder(link).port(0).build().start();
        client = WorldLinkClient.builder(server.webSocketUri()).build();
        client.selectWorld("default-world", "slow", UUID.randomUUID().toString()).get(10, TimeUnit.SECONDS);

        Printed printed = new Printed();
        CompletableFuture<Turn> turn = client.chat("Tell me everything about Java", printed);
        printed.firstText.get(10, TimeUnit.SECONDS);
        client.stop().get(10, TimeUnit.SECONDS);

        Turn stopped = turn.get(10, TimeUnit.SECONDS);
        assertTrue(stopped.stopped());
        assertTrue(stopped.replies().stream().allMatch(Reply::stopped), stopped.toString());
    }
}
