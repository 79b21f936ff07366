package io.worldlink.client;

import io.worldlink.Chat;
import io.worldlink.event.WorldEvent;


/**
 * What a {@link WorldLinkClient} receives, one method per server frame. Every method does nothing by
 * default: override the ones you need. Calls come one at a time, in the order the server sent them.
 */
public interface ClientListener {
    /**
     * The client is in a world: after {@link WorldLinkClient#selectWorld}, and again after each reconnect.
     * When {@link Confirmation#newLife()} is {@code true}, what was shown of the world belongs to a past
     * life of it and should be dropped: the new life's events follow from its start.
     *
     * @param confirmation the world and its agents
     */
    default void onConfirmed(Confirmation confirmation) {}

    /**
     * Called when the server refused the connection's world-select.
     *
     * @param code the protocol error code
     * @param error what went wrong, for a person
     */
    default void onConnectionError(String code, String error) {}

    /**
     * Called with each piece of an agent's reply, and with the complete reply.
     *
     * @param response a piece of an agent's reply
     */
    default void onChatResponse(ChatResponse response) {}

    /**
     * Called with each system message.
     *
     * @param notice a system message (errors carry a code)
     */
    default void onSystemMessage(SystemNotice notice) {}

    /**
     * Called when an agent of the world changed.
     *
     * @param agent an agent changed
     */
    default void onAgentUpdated(AgentInfo agent) {}

    /**
     * Called when the world was reloaded.
     *
     * @param worldName the world
     * @param agentCount how many agents it now has
     */
    default void onWorldReloaded(String worldName, int agentCount) {}

    /**
     * A world event ({@code event-stream}). Durable events come once each and in order, also across a
     * reconnect, within one life of the world (see {@link Confirmation#newLife()}).
     *
     * @param event the event
     */
    default void onEvent(WorldEvent event) {}

    /**
     * Called with a world's Markdown export.
     *
     * @param worldName the world
     * @param markdown its export
     */
    default void onWorldExported(String worldName, String markdown) {}

    /**
     * Called when the connection's state changes.
     *
     * @param state the connection's new state
     */
    default void onStateChanged(ConnectionState state) {}

    /**
     * The world the client was in was deleted (by this client or another): the client is in no world
     * now, and does not select it again when it reconnects.
     *
     * @param worldName the deleted world
     */
    default void onWorldDeleted(String worldName) {}

    /**
     * A chat was created in the world (by this client or another).
     *
     * @param chat the chat
     */
    default void onChatCreated(Chat chat) {}

    /**
     * A chat of the world was renamed or spoken in.
     *
     * @param chat the chat as it now is, with its message count
     */
    default void onChatUpdated(Chat chat) {}

    /**
     * A chat of the world was deleted with its messages. When it was the client's chat, the client is
     * moved to {@code fallbackChatId} ({@link #onChatSelected} follows).
     *
     * @param chatId the deleted chat
     * @param fallbackChatId the chat its clients move to
     */
    default void onChatDeleted(String chatId, String fallbackChatId) {}

    /**
     * The client is now in this chat: it selected it, created it, or its chat was deleted. The chat's
     * history follows as {@link #onEvent} calls: drop what you showed of the chat the client was in.
     *
     * @param chat the chat
     */
    default void onChatSelected(Chat chat) {}

    /**
     * Called when the server sent something this client could not read.
     *
     * @param frame the frame's text
     * @param problem what was wrong
     */
    default void onUnreadableFrame(String frame, String problem) {}

    /** A listener that does nothing. */
    ClientListener NONE = new ClientListener() {};
}
