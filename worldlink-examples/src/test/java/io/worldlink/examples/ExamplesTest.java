package io.worldlink.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.worldlink.AgentSnapshot;
import io.worldlink.Identity;
import io.worldlink.NewAgent;
import io.worldlink.TemplateStore;
import io.worldlink.TestData;
import io.worldlink.UserId;
import io.worldlink.WorldCloner;
import io.worldlink.WorldKey;
import io.worldlink.WorldLink;
import io.worldlink.client.WorldLinkClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each example does what it says. */
class ExamplesTest {
    @TempDir
    Path root;

    @Test
    void embeddingInAnExistingJettyAppKeepsTheAppsServletsAndAddsWorldLink() throws Exception {
        TestData.withShippedTemplates(root);
        try (WorldLink link = WorldLink.builder().dataRoot(root).environment(Map.of()).offlinePace(Duration.ZERO)
                .build()) {
            Server server = EmbedInJettyExample.start(0, link);
            try {
                int port = EmbedInJettyExample.port(server);
                HttpResponse<String> hello = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/hello")).build(), HttpResponse.BodyHandlers.ofString());
                assertTrue(hello.body().startsWith("Hello from the application"));
                try (WorldLinkClient client = WorldLinkClient.builder(URI.create("ws://127.0.0.1:" + port + "/chat"))
                        .build()) {
                    assertEquals("embedded", client.selectWorld("fast-world", "embedded", UUID.randomUUID().toString())
                            .join().worldName());
                }
            } finally {
                server.stop();
            }
        }
    }

    @Test
    void aWrappedRouterAnswersItsOwnRequestRefusesAPasswordAndPassesTheRestOn() throws Exception {
        TestData.withShippedTemplates(root);
        List<String> lines = ModerationRouterExample.converse(root);
        assertEquals("connection-confirmed", lines.get(0));
        assertEquals("server-time", lines.get(1));
        assertEquals("system-message error FORBIDDEN: Don't share passwords in a chat.", lines.get(2));
        assertTrue(lines.contains("chat-response quick (complete)"), lines.toString());
        assertEquals("event-stream", lines.get(lines.size() - 1));
    }

    @Test
    void aCustomChatModelAnswersForEveryDefaultAgent() throws Exception {
        TestData.withShippedTemplates(root);
        List<String> replies = CustomChatModelExample.ask(root, "How should I learn Maven?");
        assertEquals(2, replies.size());
        for (String reply : replies) {
            assertTrue(reply.endsWith(": Maven builds Java projects from a pom.xml; mvn verify compiles and tests."),
                    reply);
        }
    }

    @Test
    void aCustomStorageKeepsUserWorldsOffTheDisk() throws Exception {
        TestData.withShippedTemplates(root);
        InMemoryUserStorage storage = new InMemoryUserStorage();
        assertEquals("quick=2", CustomStorageExample.chatOnce(root, storage), "the message and the reply");
        assertEquals(List.of("in-memory"), storage.listWorlds(UserId.of("demo-user")));
        assertFalse(Files.exists(root.resolve("users")), "nothing was written under users/");
    }

    @Test
    void aCustomStorageAlsoAddsAndDeletesAgentsAndWorlds() throws Exception {
        TestData.withShippedTemplates(root);
        InMemoryUserStorage storage = new InMemoryUserStorage();
        WorldKey key = new WorldKey(UserId.of("ann"), "club");
        try (WorldLink link = WorldLink.builder().dataRoot(root).storage(storage).eventLogs(storage)
                .cloner(WorldCloner.fromTemplates(TemplateStore.files(root))).environment(Map.of()).trustClaimedUserIds(true)
                .build()) {
            Identity ann = Identity.of("ann");
            link.createWorld(ann, "ann", "Club", "fast-world", null).get(10, TimeUnit.SECONDS);
            link.createAgent(ann, "ann", "club", new NewAgent("Host", "You welcome people.")).get(10, TimeUnit.SECONDS);
            assertEquals(List.of("host", "quick"), storage.loadWorld(key).agents().stream().map(AgentSnapshot::id)
                    .toList());

            link.deleteAgent(ann, "ann", "club", "quick").get(10, TimeUnit.SECONDS);
            assertEquals(List.of("host"), storage.loadWorld(key).agents().stream().map(AgentSnapshot::id).toList());

            link.deleteWorld(ann, "ann", "club").get(10, TimeUnit.SECONDS);
            assertFalse(storage.worldExists(key));
            assertEquals(List.of(), storage.listWorlds(key.userId()));
        }
        assertFalse(Files.exists(root.resolve("users")), "nothing was written under users/");
    }
}
