package io.worldlink.internal.world;

import io.worldlink.AgentSnapshot;
import io.worldlink.Chat;
import io.worldlink.NewAgent;
import io.worldlink.WorldConfig;
import io.worldlink.WorldKey;
import io.worldlink.WorldSnapshot;
import io.worldlink.WorldUpdate;
import io.worldlink.event.MessageEvent;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * A loaded world as the protocol uses it: run in this process ({@link WorldRuntime}), or on the node of a
 * cluster that owns it, reached through the cluster. Every method returns at once; what it does is in
 * {@link WorldRuntime}'s documentation of the same method.
 */
public interface LiveWorld {
    /** {@return the world's key} */
    WorldKey key();

    /**
     * {@return the published message} See {@link WorldRuntime#chat}.
     *
     * @param chatId the chat
     * @param messageId the id to give the message, or {@code null} for a new one
     * @param content the text
     * @param sender the person's name
     */
    CompletableFuture<MessageEvent> chat(String chatId, String messageId, String content, String sender);

    /**
     * {@return the agent as clients now see it} See {@link WorldRuntime#updateAgent}.
     *
     * @param eventId the id to give the event, or {@code null}
     * @param agentName an agent's id or name
     * @param update the change
     */
    CompletableFuture<AgentView> updateAgent(String eventId, String agentName, WorldRuntime.AgentUpdate update);

    /**
     * {@return the world's new config} See {@link WorldRuntime#updateWorld}.
     *
     * @param eventId the id to give the event, or {@code null}
     * @param update the change
     */
    CompletableFuture<WorldConfig> updateWorld(String eventId, WorldUpdate update);

    /**
     * {@return the agent as stored} See {@link WorldRuntime#createAgent}.
     *
     * @param eventId the id to give the event, or {@code null}
     * @param spec the agent
     */
    CompletableFuture<AgentSnapshot> createAgent(String eventId, NewAgent spec);

    /**
     * {@return the deleted agent's id} See {@link WorldRuntime#deleteAgent}.
     *
     * @param eventId the id to give the event, or {@code null}
     * @param agentName the agent's id or name
     */
    CompletableFuture<String> deleteAgent(String eventId, String agentName);

    /**
     * {@return how many agents the world has} See {@link WorldRuntime#reload}.
     *
     * @param eventId the id to give the event, or {@code null}
     */
    CompletableFuture<Integer> reload(String eventId);

    /**
     * {@return how many replies were stopped} See {@link WorldRuntime#stop}.
     *
     * @param chatId the chat
     * @param eventId the id to give the first event, or {@code null}
     */
    CompletableFuture<Integer> stop(String chatId, String eventId);

    /** {@return the world's chats, newest first} */
    CompletableFuture<List<Chat>> chats();

    /**
     * {@return the chat} See {@link WorldRuntime#createChat}.
     *
     * @param eventId the id to give the event, or {@code null}
     * @param name its name, or {@code null}
     */
    CompletableFuture<Chat> createChat(String eventId, String name);

    /**
     * {@return the chat} See {@link WorldRuntime#renameChat}.
     *
     * @param eventId the id to give the event, or {@code null}
     * @param chatId the chat
     * @param name its new name
     */
    CompletableFuture<Chat> renameChat(String eventId, String chatId, String name);

    /**
     * {@return the chat its clients move to} See {@link WorldRuntime#deleteChat}.
     *
     * @param eventId the id to give the event, or {@code null}
     * @param chatId the chat
     */
    CompletableFuture<Chat> deleteChat(String eventId, String chatId);

    /**
     * {@return the chat} See {@link WorldRuntime#selectChat}.
     *
     * @param chatId the chat
     * @param limit how much of the history goes with it
     * @param onSelect gets the world in that chat and the newest page of the chat's history
     */
    CompletableFuture<Chat> selectChat(String chatId, WorldRuntime.PageLimit limit,
            BiConsumer<WorldRuntime.View, WorldRuntime.Page> onSelect);

    /**
     * {@return a page of a chat's history} See {@link WorldRuntime#chatHistory}.
     *
     * @param chatId the chat
     * @param beforeSeq only events with a seq below it
     * @param limit how much the page may hold
     */
    CompletableFuture<WorldRuntime.Page> chatHistory(String chatId, long beforeSeq, WorldRuntime.PageLimit limit);

    /**
     * {@return the published event} See {@link WorldRuntime#notice}.
     *
     * @param content a notice for everyone in the world
     * @param level how serious it is
     */
    CompletableFuture<SystemEvent> notice(String content, MessageLevel level);

    /**
     * {@return the world as it was when the client joined} See {@link WorldRuntime#join}.
     *
     * @param afterSeq the last seq the client has, or -1 for no replay
     * @param epoch the world's epoch that {@code afterSeq} belongs to, or {@code null}
     * @param chatId the chat the client asks for, or {@code null}
     * @param limit how much the replay may hold
     * @param onJoin gets the world as it is now and the events to replay
     */
    CompletableFuture<WorldRuntime.View> join(long afterSeq, String epoch, String chatId, WorldRuntime.PageLimit limit,
            BiConsumer<WorldRuntime.View, WorldRuntime.Page> onJoin);

    /**
     * {@return the world as Markdown} See {@link WorldRuntime#export}.
     *
     * @param chatId the chat to export, or {@code null} for every chat
     */
    CompletableFuture<String> export(String chatId);

    /** {@return the world as it is now, memories and call counts included} */
    CompletableFuture<WorldSnapshot> snapshot();

    /** {@return the world as a client sees it, in its newest chat} */
    CompletableFuture<WorldRuntime.View> view();

    /**
     * {@return the highest seq the world has published so far, as far as this process knows; safe to call
     * from any thread}
     */
    long publishedSeq();

    /**
     * {@return the durable events with a seq above {@code afterSeq} and up to {@code throughSeq}, the oldest
     * first} See {@link WorldRuntime#logged}.
     *
     * @param afterSeq the last seq the reader has
     * @param throughSeq the last seq it wants
     * @param limit at most this many
     */
    CompletableFuture<List<WorldEvent>> logged(long afterSeq, long throughSeq, int limit);

    /** {@return done when no turn is in progress and everything is saved} */
    CompletableFuture<Void> whenQuiet();

    /** {@return done when the world is stopped here and what it held is saved} */
    CompletableFuture<Void> close();

    /** {@return done when the world is deleted for good} */
    CompletableFuture<Void> delete();
}
