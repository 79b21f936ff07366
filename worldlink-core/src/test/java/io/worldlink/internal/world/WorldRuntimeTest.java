package io.worldlink.internal.world;

import static io.worldlink.internal.world.WorldHarness.get;
import static io.worldlink.internal.world.WorldHarness.messages;
import static io.worldlink.internal.world.WorldHarness.replies;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.worldlink.AgentConfig;
import io.worldlink.AgentSnapshot;
import io.worldlink.AgentStatus;
import io.worldlink.Chat;
import io.worldlink.ErrorCode;
import io.worldlink.MemoryMessage;
import io.worldlink.WorldLinkException;
import io.worldlink.WorldSnapshot;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.SenderType;
import io.worldlink.event.SseEvent;
import io.worldlink.event.WorldActionEvent;
import io.worldlink.event.WorldEvent;
import io.worldlink.model.ChatMessage;
import io.worldlink.model.ChatRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ROUTING.md applied by a loaded world, one test per rule, with a scripted model and real files. */
class WorldRuntimeTest {
    @TempDir
    Path root;

    WorldHarness h;

    @AfterEach
    void tearDown() {
        if (h != null) {
            h.close();
        }
    }

    private static List<String> sorted(List<String> list) {
        List<String> copy = new ArrayList<>(list);
        copy.sort(null);
        return copy;
    }

    private static WorldLinkException failure(java.util.concurrent.CompletableFuture<?> f) {
        try {
            f.get(WorldHarness.WAIT_SECONDS, TimeUnit.SECONDS);
            throw new AssertionError("expected a failure");
        } catch (ExecutionException e) {
            return assertInstanceOf(WorldLinkException.class, e.getCause());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private AgentSnapshot stored(String agentId) {
        get(h.world.close());
        return h.storage.loadWorld(h.key).agent(agentId).orElseThrow();
    }

    @Test
    void publicBroadcastEveryActiveAgentAnswersAHumanMessageWithoutMentions() {
        h = WorldHarness.of(root, "ada", "ben");
        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "Hello everyone", null));

        assertEquals(List.of("ada", "ben"), sorted(replies(turn)));
        MessageEvent human = messages(turn).get(0);
        assertEquals(SenderType.HUMAN, human.senderType());
        assertEquals("HUMAN", human.sender());
        messages(turn).stream().skip(1).forEach(m -> assertEquals(human.id(), m.replyToMessageId()));
    }

    @Test
    void paragraphBeginningMentionsOnlyTheNamedAgentsAnswer() {
        h = WorldHarness.of(root, "ada", "ben", "cy");
        assertEquals(List.of("ben"), replies(h.turn(h.world.chat(Chat.FIRST_ID, null, "@ben what do you think?", null))));
        assertEquals(List.of("ada", "cy"), sorted(replies(h.turn(h.world.chat(Chat.FIRST_ID, null, "First line\n@ada one\n@Cy two", null)))));
    }

    @Test
    void greetingsInFrontOfAMentionStillTarget() {
        h = WorldHarness.of(root, "ada", "ben");
        assertEquals(List.of("ada"), replies(h.turn(h.world.chat(Chat.FIRST_ID, null, "hi @ada, how are you?", null))));
    }

    @Test
    void midTextMentionsNobodyAnswersButEveryAgentRemembers() {
        h = WorldHarness.of(root, "ada", "ben");
        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "I think @ada should help", null));

        assertEquals(List.of(), replies(turn));
        assertEquals(3, turn.size(), "the message, its chat's update and the idle that ends the turn at once");
        assertEquals("I think @ada should help", stored("ben").memory().get(0).content());
    }

    @Test
    void inactiveAgentsNeverAnswerButStillRemember() {
        h = WorldHarness.of(root, "ada", "ben");
        get(h.world.updateAgent(null, "ben", new WorldRuntime.AgentUpdate(AgentStatus.INACTIVE, null, null, false)));

        assertEquals(List.of("ada"), replies(h.turn(h.world.chat(Chat.FIRST_ID, null, "Hello", null))));
        assertEquals(List.of(), replies(h.turn(h.world.chat(Chat.FIRST_ID, null, "@ben are you there?", null))));
        assertEquals(2, stored("ben").memory().size());
    }

    @Test
    void selfIgnoreAnAgentNeverAnswersItself() {
        h = WorldHarness.of(root, "ada", "ben");
        h.model.script = r -> r.agentId().equals("ada") && ScriptedModel.last(r).contains("start")
                ? "@ada @ben note this" : "ok <world>DONE</world>";

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "@ada start", null));

        // Ada's reply names herself first: she does not answer it, and it is not sent to her.
        assertEquals(List.of("ada", "ben"), replies(turn));
        assertEquals(List.of("ada"), h.model.requests.stream().filter(r -> r.agentId().equals("ada"))
                .map(ChatRequest::agentId).toList());
    }

    @Test
    void agentToAgentMentionsOnlyAgentsNamedAtAParagraphStartAnswer() {
        h = WorldHarness.of(root, "ada", "ben", "cy");
        h.model.script = r -> {
            String last = ScriptedModel.last(r);
            if (r.agentId().equals("ada") && !last.startsWith("ben:")) {
                return "@ben your turn, and @cy is mentioned only in passing";
            }
            return "thanks <world>DONE</world>";
        };

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "@ada begin", null));

        assertEquals(List.of("ada", "ben"), replies(turn));
        MessageEvent adaReply = messages(turn).get(1);
        MessageEvent benReply = messages(turn).get(2);
        assertEquals(adaReply.id(), benReply.replyToMessageId());
    }

    @Test
    void senderClassesWorldIsLikeAHumanAndSystemTriggersNobody() {
        // World messages come from the world's log: this one's turn is taken up as the world loads.
        MessageEvent sunrise = new MessageEvent("m-world", Instant.now(), "world", SenderType.WORLD, 0,
                "The sun rises.", null, false);
        h = new WorldHarness(root, 5, 10, 200,
                List.of(WorldHarness.agent("ada", true), WorldHarness.agent("ben", true)), null, List.of(sunrise));
        List<WorldEvent> world = h.turn(CompletableFuture.completedFuture(sunrise));
        assertEquals(SenderType.WORLD, messages(world).get(0).senderType());
        assertEquals(List.of("ada", "ben"), sorted(replies(world)));

        assertEquals(SenderType.SYSTEM, get(h.world.notice("Maintenance at noon.", MessageLevel.INFO)).senderType());
        assertEquals(SenderType.HUMAN, messages(h.turn(h.world.chat(Chat.FIRST_ID, null, "user message", "user"))).get(0).senderType());
        assertEquals(4, h.model.requests.size(), "the system notice triggered nobody; the user message both");
    }

    @Test
    void aClientCannotSendAsSystemWorldOrAnAgent() {
        h = WorldHarness.of(root, "ada", "ben");
        for (String sender : List.of("system", "WORLD", "ada", "Ben")) {
            assertEquals(ErrorCode.INVALID_SENDER, failure(h.world.chat(Chat.FIRST_ID, null, "hi", sender)).code(), sender);
        }
        assertEquals("ann", get(h.world.chat(Chat.FIRST_ID, null, "hi", "ann")).sender());
    }

    @Test
    void turnLimitOneNoticeThenSilenceUntilAHumanSpeaks() {
        h = new WorldHarness(root, 2, 10, 200,
                List.of(WorldHarness.agent("ada", true), WorldHarness.agent("ben", true)));
        h.model.script = r -> r.agentId().equals("ada") ? "@ben your move" : "@ada your move";

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "@ada start a rally", null));

        // ada, ben, ada, ben: two calls each, then each hits the limit of 2 once.
        assertEquals(List.of("ada", "ben", "ada", "ben"), replies(turn));
        List<MessageEvent> notices = messages(turn).stream().filter(MessageEvent::turnLimitNotice).toList();
        assertEquals(1, notices.size(), "ada is asked again and refuses once; ben is not asked again");
        assertEquals("ada", notices.get(0).sender());
        assertEquals("@human Turn limit reached (2 LLM calls). Please take control of the conversation.",
                notices.get(0).content());
        assertTrue(turn.stream().anyMatch(e -> e instanceof WorldActionEvent w
                && w.action().equals(WorldActionEvent.TURN_LIMIT) && "ada".equals(w.agentName())));

        assertEquals(List.of("ada", "ben", "ada", "ben"), replies(h.turn(h.world.chat(Chat.FIRST_ID, null, "@ada again", null))),
                "a human message resets the count");
    }

    @Test
    void turnLimitNoticeNeverTriggersAnAgentAndItsTextIsNotAMark() {
        h = WorldHarness.of(root, "ada", "ben");
        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, 
                "@human Turn limit reached (5 LLM calls). Please take control of the conversation.", null));
        assertEquals(List.of(), replies(turn), "mentions @human, so no agent; nothing is silenced either");
        assertEquals(List.of("ada", "ben"), sorted(replies(h.turn(h.world.chat(Chat.FIRST_ID, null, "Still there?", null)))));
    }

    @Test
    void humanMessageResetsLlmCallCount() {
        h = WorldHarness.of(root, "ada");
        h.turn(h.world.chat(Chat.FIRST_ID, null, "one", null));
        h.turn(h.world.chat(Chat.FIRST_ID, null, "two", null));
        assertEquals(1, stored("ada").config().llmCallCount());
    }

    @Test
    void worldTagStopEndsTheChainAndRemovesTheTag() {
        h = WorldHarness.of(root, "ada", "ben");
        h.model.script = r -> r.agentId().equals("ada") ? "@ben We are done here. <world>STOP</world>" : "never";

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "@ada wrap up", null));

        assertEquals(List.of("ada"), replies(turn));
        assertEquals("We are done here.", messages(turn).get(1).content());
        SseEvent end = turn.stream().filter(e -> e instanceof SseEvent s && s.phase() == SseEvent.Phase.END)
                .map(SseEvent.class::cast).findFirst().orElseThrow();
        assertEquals("We are done here.", end.content());
    }

    @Test
    void worldTagPassWithNothingElseSaysNothing() {
        h = WorldHarness.of(root, "ada", "ben");
        h.model.script = r -> r.agentId().equals("ada") ? "<world>PASS</world>" : "Ben here.";

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "Anyone?", null));

        assertEquals(List.of("ben"), replies(turn));
    }

    @Test
    void worldTagToAddressesTheNamedAgents() {
        h = WorldHarness.of(root, "moderator", "pro", "con");
        h.model.script = r -> r.agentId().equals("moderator") && !ScriptedModel.last(r).contains(":")
                ? "Motion stated. <world>TO: pro</world>" : "point made <world>DONE</world>";

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "@moderator debate cats", null));

        assertEquals(List.of("moderator", "pro"), replies(turn));
        assertEquals("@pro\nMotion stated.", messages(turn).get(1).content());
    }

    @Test
    void autoMentionAReplyToAnAgentIsAddressedBackToIt() {
        h = WorldHarness.of(root, "ada", "ben");
        h.model.script = r -> r.agentId().equals("ada") && !ScriptedModel.last(r).startsWith("ben:")
                ? "@ben what do you say?" : r.agentId().equals("ben") ? "I agree." : "Good. <world>DONE</world>";

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "@ada ask ben", null));

        assertEquals(List.of("ada", "ben", "ada"), replies(turn));
        assertEquals("@ada I agree.", messages(turn).get(2).content());
    }

    @Test
    void autoReplyFalseNeverAutoMentions() {
        h = new WorldHarness(root, 5, 10, 200,
                List.of(WorldHarness.agent("ada", true), WorldHarness.agent("ben", false)));
        h.model.script = r -> r.agentId().equals("ada") ? "@ben what do you say?" : "I agree.";

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "@ada ask ben", null));

        assertEquals(List.of("ada", "ben"), replies(turn));
        assertEquals("I agree.", messages(turn).get(2).content());
    }

    @Test
    void autoMentionNeverForAHumanSender() {
        h = WorldHarness.of(root, "ada");
        assertEquals("Ada answers.", messages(h.turn(h.world.chat(Chat.FIRST_ID, null, "hello", null))).get(1).content());
    }

    @Test
    void memoryHumanMessagesGoToEveryAgentAgentMessagesToThoseWhoAnswerOwnRepliesAsAssistant() {
        h = WorldHarness.of(root, "ada", "ben", "cy");
        h.model.script = r -> r.agentId().equals("ada") ? "@ben over to you <world>TO: ben</world>"
                : "done <world>DONE</world>";

        h.turn(h.world.chat(Chat.FIRST_ID, null, "@ada start", null));
        get(h.world.close());
        WorldSnapshot w = h.storage.loadWorld(h.key);

        List<MemoryMessage> ada = w.agent("ada").orElseThrow().memory();
        List<MemoryMessage> ben = w.agent("ben").orElseThrow().memory();
        List<MemoryMessage> cy = w.agent("cy").orElseThrow().memory();
        assertEquals(List.of("user", "assistant"), ada.stream().map(MemoryMessage::role).toList());
        assertEquals(List.of("user", "user", "assistant"), ben.stream().map(MemoryMessage::role).toList());
        assertEquals("ada", ben.get(1).sender());
        assertEquals(List.of("@ada start"), cy.stream().map(MemoryMessage::content).toList(),
                "cy did not answer ada, so ada's message is not in cy's memory");
        assertEquals(ben.get(1).messageId(), ben.get(2).replyToMessageId());
    }

    @Test
    void memoryTheModelGetsThePromptTheLastNMessagesAndTheNewMessageOnce() {
        h = new WorldHarness(root, 5, 3, 200, List.of(WorldHarness.agent("ada", true)));
        for (int i = 1; i <= 4; i++) {
            h.turn(h.world.chat(Chat.FIRST_ID, null, "message " + i, null));
        }
        h.model.requests.clear();
        h.turn(h.world.chat(Chat.FIRST_ID, null, "the new one", null));

        List<ChatMessage> sent = h.model.requests.poll().messages();
        assertEquals("system", sent.get(0).role());
        assertEquals("You are Ada, a tester.", sent.get(0).content());
        assertEquals(List.of("Ada answers.", "message 4", "Ada answers.", "the new one"),
                sent.stream().skip(1).map(ChatMessage::content).toList(),
                "three from memory, then the new message, sent once");
    }

    @Test
    void memoryIsCappedAndOlderMessagesMoveToTheArchive() throws Exception {
        h = new WorldHarness(root, 5, 10, 8, List.of(WorldHarness.agent("ada", true)));
        for (int i = 0; i < 5; i++) {
            h.turn(h.world.chat(Chat.FIRST_ID, null, "m" + i, null));
        }
        AgentSnapshot ada = stored("ada");

        assertTrue(ada.memory().size() <= 8);
        assertEquals("Ada answers.", ada.memory().get(ada.memory().size() - 1).content());
        Path archive = root.resolve("users/ann/worlds/test/agents/ada/archive");
        try (Stream<Path> files = Files.list(archive)) {
            String archived = files.map(p -> {
                try {
                    return Files.readString(p);
                } catch (java.io.IOException e) {
                    throw new CompletionException(e);
                }
            }).reduce("", String::concat);
            assertTrue(archived.contains("\"m0\""), "the oldest message is archived, not lost");
        }
    }

    @Test
    void idleEndsEveryTurnAlsoWhenNobodyAnswers() {
        h = WorldHarness.of(root, "ada");
        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "@nobody hello", null));
        assertEquals(3, turn.size(), "the message, its chat's update and the idle");
        WorldActionEvent idle = assertInstanceOf(WorldActionEvent.class, turn.get(2));
        assertEquals(turn.get(0).id(), idle.details().get("messageId"));
    }

    @Test
    void idleComesAfterTheWholeChainOfAgentReplies() {
        h = WorldHarness.of(root, "ada", "ben");
        h.model.script = r -> r.agentId().equals("ada") && !ScriptedModel.last(r).startsWith("ben:")
                ? "@ben continue" : r.agentId().equals("ben") ? "@ada back to you" : "fine <world>DONE</world>";

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "@ada go", null));

        assertEquals(List.of("ada", "ben", "ada"), replies(turn));
        assertInstanceOf(WorldActionEvent.class, turn.get(turn.size() - 1));
        assertEquals(1, turn.stream().filter(e -> e instanceof WorldActionEvent w
                && w.action().equals(WorldActionEvent.IDLE)).count());
    }

    @Test
    void streamsStartChunksAndEndWithUsageForEachReply() {
        h = WorldHarness.of(root, "ada");
        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "hello", null));
        List<SseEvent> sse = turn.stream().filter(SseEvent.class::isInstance).map(SseEvent.class::cast).toList();

        assertEquals(SseEvent.Phase.START, sse.get(0).phase());
        assertEquals(List.of("Ada ", "answers."), sse.subList(1, 3).stream().map(SseEvent::content).toList());
        SseEvent end = sse.get(3);
        assertEquals(SseEvent.Phase.END, end.phase());
        assertEquals(9, end.usage().totalTokens());
        MessageEvent reply = messages(turn).get(1);
        sse.forEach(s -> assertEquals(reply.id(), s.messageId()));
        assertTrue(sse.stream().allMatch(s -> s.seq() == 0), "chunks are not durable");
        assertTrue(reply.seq() > 0);
    }

    @Test
    void aModelThatFailsEndsItsReplyWithAnErrorAndTheTurnStillEnds() {
        h = WorldHarness.of(root, "ada", "ben");
        h.model.script = r -> r.agentId().equals("ada") ? "FAIL:The model server answered HTTP 500." : "Ben is fine.";

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "hello", null));

        assertEquals(List.of("ben"), replies(turn));
        SseEvent error = turn.stream().filter(e -> e instanceof SseEvent s && s.phase() == SseEvent.Phase.ERROR)
                .map(SseEvent.class::cast).findFirst().orElseThrow();
        assertEquals("ada", error.agentName());
        assertEquals("partial ", error.content());
        assertEquals("The model server answered HTTP 500.", error.error());
        assertEquals(List.of("hello"), stored("ada").memory().stream().map(MemoryMessage::content).toList(),
                "what was remembered stays");
    }

    @Test
    void aModelThatNeverAnswersIsStoppedByTheReplyTimeoutAndTheTurnEnds() {
        io.worldlink.model.ChatModel silent = (request, listener) -> () -> { };
        h = new WorldHarness(root, 5, 10, 200, List.of(WorldHarness.agent("ada", true)), silent);

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "anyone?", null));

        SseEvent error = turn.stream().filter(e -> e instanceof SseEvent s && s.phase() == SseEvent.Phase.ERROR)
                .map(SseEvent.class::cast).findFirst().orElseThrow();
        assertEquals("The model of agent ada sent nothing for 300 ms; the reply was stopped.", error.error());
        assertEquals(0, h.dispatcher.active(), "the stopped call gave its slot back");
    }

    @Test
    void aProviderThatIsNotConfiguredIsAModelErrorNotAHang() {
        h = WorldHarness.of(root, "ada");
        AgentConfig ada = h.storage.loadWorld(h.key).agent("ada").orElseThrow().config();
        h.storage.saveAgentConfig(h.key, new AgentConfig("ada", ada.name(), null, null, "nowhere", null, null, null,
                true, 0, null, null, null, null));
        get(h.world.reload(null));

        List<WorldEvent> turn = h.turn(h.world.chat(Chat.FIRST_ID, null, "hello", null));

        SseEvent error = turn.stream().filter(e -> e instanceof SseEvent s && s.phase() == SseEvent.Phase.ERROR)
                .map(SseEvent.class::cast).findFirst().orElseThrow();
        assertEquals("The provider \"nowhere\" is not configured; use one of script.", error.error());
    }

    @Test
    void agentUpdatesAreSavedAtOnceAndPublished() {
        h = WorldHarness.of(root, "ada");
        h.turn(h.world.chat(Chat.FIRST_ID, null, "remember me", null));
        JsonObject change = new JsonObject();
        change.addProperty("temperature", 0.2);
        change.addProperty("maxTokens", 300);

        AgentView view = get(h.world.updateAgent(null, "Ada",
                new WorldRuntime.AgentUpdate(AgentStatus.INACTIVE, change, "You are new.", true)));

        assertEquals("inactive", view.status());
        assertEquals(0, view.memorySize());
        assertEquals("You are new.", view.systemPrompt());
        WorldEvent published = h.poll();
        while (!(published instanceof WorldActionEvent w && w.action().equals(WorldActionEvent.AGENT_UPDATE))) {
            published = h.poll();
        }
        assertEquals("ada", published.agentName());
        AgentSnapshot onDisk = h.storage.loadWorld(h.key).agent("ada").orElseThrow();
        assertEquals(AgentStatus.INACTIVE, onDisk.config().status());
        assertEquals(0.2, onDisk.config().temperature());
        assertEquals(300, onDisk.config().maxTokens());
        assertEquals("You are new.", onDisk.systemPrompt());
        assertTrue(onDisk.memory().isEmpty());
        assertTrue(Files.isDirectory(root.resolve("users/ann/worlds/test/agents/ada/archive")),
                "cleared memory is archived, not lost");
    }

    @Test
    void anUnknownAgentIsAgentNotFound() {
        h = WorldHarness.of(root, "ada");
        WorldLinkException e = failure(h.world.updateAgent(null, "zed",
                new WorldRuntime.AgentUpdate(AgentStatus.ACTIVE, null, null, false)));
        assertEquals(ErrorCode.AGENT_NOT_FOUND, e.code());
        assertEquals("The world \"test\" has no agent \"zed\". Its agents are: ada.", e.getMessage());
    }

    @Test
    void aConfigChangeOfTheWrongTypeIsRefusedAndChangesNothing() {
        h = WorldHarness.of(root, "ada");
        JsonObject change = new JsonObject();
        change.addProperty("maxTokens", "lots");
        WorldLinkException e = failure(h.world.updateAgent(null, "ada", new WorldRuntime.AgentUpdate(null, change, null, false)));
        assertEquals(ErrorCode.INVALID_MESSAGE, e.code());
        assertNull(h.storage.loadWorld(h.key).agent("ada").orElseThrow().config().maxTokens());
    }

    @Test
    void reloadReadsTheWorldAgainFromDisk() throws Exception {
        h = WorldHarness.of(root, "ada");
        h.turn(h.world.chat(Chat.FIRST_ID, null, "before", null));
        Files.writeString(root.resolve("users/ann/worlds/test/agents/ada/system-prompt.md"), "Edited on disk.");

        assertEquals(1, get(h.world.reload(null)));
        h.turn(h.world.chat(Chat.FIRST_ID, null, "after", null));

        ChatRequest last = null;
        for (ChatRequest r : h.model.requests) {
            last = r;
        }
        assertEquals("Edited on disk.", last.messages().get(0).content());
        assertEquals(List.of("before", "Ada answers.", "after"), last.messages().stream().skip(1)
                .map(ChatMessage::content).toList(), "pending memory was saved before the reload");
    }

    @Test
    void joinReplaysEverythingAfterASeqThenLiveEventsWithNoGapOrRepeat() {
        h = WorldHarness.of(root, "ada");
        h.turn(h.world.chat(Chat.FIRST_ID, null, "one", null));
        List<WorldEvent> replayed = new java.util.concurrent.CopyOnWriteArrayList<>();
        WorldHarness.Joined a = h.join(1, replayed::add);
        h.turn(h.world.chat(Chat.FIRST_ID, null, "two", null));
        a.subscription().close();

        List<Long> seqs = replayed.stream().filter(WorldEvent::isDurable).map(WorldEvent::seq).toList();
        List<Long> expected = new ArrayList<>();
        for (long s = 2; s <= seqs.get(seqs.size() - 1); s++) {
            expected.add(s);
        }
        assertEquals(expected, seqs);
        assertEquals(4, a.view().lastSeq(), "one, ada's reply, the chat's update, idle");
    }

    @Test
    void closedWorldsRefuseNewWork() {
        h = WorldHarness.of(root, "ada");
        get(h.world.close());
        assertFalse(failure(h.world.chat(Chat.FIRST_ID, null, "hello", null)).getMessage().isEmpty());
    }
}
