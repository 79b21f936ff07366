package io.worldlink.examples;

import io.worldlink.WorldLink;
import io.worldlink.client.ChatResponse;
import io.worldlink.client.ClientListener;
import io.worldlink.client.WorldLinkClient;
import io.worldlink.jetty.WorldLinkServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Plugging in your own chat model: register it under a provider name and make it the default, and
 * every agent whose provider is {@code default} uses it.
 *
 * <p>Run: {@code java -cp worldlink-examples/target/worldlink-examples.jar io.worldlink.examples.CustomChatModelExample}
 */
public final class CustomChatModelExample {
    private CustomChatModelExample() {}

    /**
     * Starts a server whose agents use the {@link FaqModel}, asks one question with the Java client,
     * and returns the agents' complete replies.
     *
     * @param dataRoot the data root with the templates
     * @param question the question
     * @return the replies, one per agent
     * @throws Exception when the server cannot start
     */
    public static List<String> ask(Path dataRoot, String question) throws Exception {
        FaqModel faq = new FaqModel(Map.of(
                "java", "Java runs on the JVM; start with the official tutorial and write small programs daily.",
                "maven", "Maven builds Java projects from a pom.xml; mvn verify compiles and tests."));
        List<String> replies = new CopyOnWriteArrayList<>();
        CountDownLatch bothAnswered = new CountDownLatch(2);
        try (WorldLink link = WorldLink.builder().dataRoot(dataRoot).chatModel("faq", faq).defaultProvider("faq")
                .build();
                WorldLinkServer server = WorldLinkServer.builder(link).port(0).build().start();
                WorldLinkClient client = WorldLinkClient.builder(server.webSocketUri())
                        .listener(new ClientListener() {
                            @Override
                            public void onChatResponse(ChatResponse r) {
                                if (r.complete()) {
                                    replies.add(r.agentName() + ": " + r.content());
                                    bothAnswered.countDown();
                                }
                            }
                        }).build()) {
            client.selectWorld("default-world", "faq", UUID.randomUUID().toString()).join();
            client.send(question).join();
            if (!bothAnswered.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("The agents did not answer within 30 s.");
            }
        }
        return replies;
    }

    /**
     * @param args the question (default: "How do I learn Java?")
     * @throws Exception when the server cannot start
     */
    public static void main(String[] args) throws Exception {
        String question = args.length > 0 ? String.join(" ", args) : "How do I learn Java?";
        System.out.println("You: " + question);
        ask(Path.of("data"), question).forEach(System.out::println);
    }
}
