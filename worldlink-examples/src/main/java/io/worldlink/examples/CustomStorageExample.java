package io.worldlink.examples;

import io.worldlink.TemplateStore;
import io.worldlink.UserStorage;
import io.worldlink.WorldCloner;
import io.worldlink.WorldKey;
import io.worldlink.WorldLink;
import io.worldlink.client.ChatResponse;
import io.worldlink.client.ClientListener;
import io.worldlink.client.WorldLinkClient;
import io.worldlink.event.MessageEvent;
import io.worldlink.jetty.WorldLinkServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Keeping user worlds somewhere else than files: a custom {@link UserStorage} (here in memory). The
 * templates still come from the data root; the default cloner writes the clones into the custom
 * storage, and nothing is written under {@code data/users}.
 *
 * <p>Run: {@code java -cp worldlink-examples/target/worldlink-examples.jar io.worldlink.examples.CustomStorageExample}
 */
public final class CustomStorageExample {
    private CustomStorageExample() {}

    /**
     * Chats once with a world kept in memory.
     *
     * @param dataRoot the data root with the templates
     * @param storage where the user worlds go
     * @return the stored world's agents' memory sizes after the chat, as "id=size" pairs
     * @throws Exception when the server cannot start
     */
    public static String chatOnce(Path dataRoot, InMemoryUserStorage storage) throws Exception {
        String user = "demo-user";
        CountDownLatch answered = new CountDownLatch(1);
        try (WorldLink link = WorldLink.builder().dataRoot(dataRoot).storage(storage).eventLogs(storage)
                .cloner(WorldCloner.fromTemplates(TemplateStore.files(dataRoot))).offlinePace(Duration.ZERO)
                .trustClaimedUserIds(true).build();
                WorldLinkServer server = WorldLinkServer.builder(link).port(0).build().start();
                WorldLinkClient client = WorldLinkClient.builder(server.webSocketUri()).listener(new ClientListener() {
                    @Override
                    public void onChatResponse(ChatResponse r) {
                        if (r.complete()) {
                            System.out.println(r.agentName() + ": " + r.content());
                            answered.countDown();
                        }
                    }
                }).build()) {
            client.selectWorld("fast-world", "in-memory", user).join();
            MessageEvent sent = client.send("Where am I kept?").join();
            System.out.println("You (seq " + sent.seq() + "): " + sent.content());
            if (!answered.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("The agent did not answer within 30 s.");
            }
        }
        StringBuilder sb = new StringBuilder();
        storage.loadWorld(new WorldKey(io.worldlink.UserId.of(user), "in-memory")).agents()
                .forEach(a -> sb.append(a.id()).append('=').append(a.memory().size()).append(' '));
        return sb.toString().strip();
    }

    /**
     * @param args none
     * @throws Exception when the server cannot start
     */
    public static void main(String[] args) throws Exception {
        InMemoryUserStorage storage = new InMemoryUserStorage();
        System.out.println("Memory sizes in the in-memory world: " + chatOnce(Path.of("data"), storage));
        System.out.println("Worlds of demo-user: " + storage.listWorlds(io.worldlink.UserId.of("demo-user"))
                + " (none of it on disk)");
    }
}
