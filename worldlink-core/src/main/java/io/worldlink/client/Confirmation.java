package io.worldlink.client;

import io.worldlink.Chat;
import java.util.List;

/**
 * The server's {@code connection-confirmed}: the world this client is now in.
 *
 * <p>After a reconnect, {@link #newLife()} tells whether the world is still the one the listener has
 * been shown. When it is {@code true}, everything the listener received of this world before belongs to
 * a past life of it: drop what you showed of it; the new life's durable events follow, from its start.
 *
 * @param worldName the world's id
 * @param templateName the template it was cloned from
 * @param userId the user
 * @param userPath where the world lives on the server, relative
 * @param persistent whether the world outlives the connection (signed users)
 * @param clientId the server's id for this connection
 * @param agents the world's agents
 * @param lastSeq the world's newest seq when the client joined
 * @param worldEpoch the life of the world that its seqs count in: it changes when the world is deleted
 *     and created again under the same user and name; {@code null} from a server that sends none
 * @param newLife {@code true} when this confirms a reconnect into another life of the world than the
 *     client had been receiving (another epoch, or a world that went back to fewer events than the client
 *     saw, such as one restored from an older copy); always {@code false} for
 *     {@link WorldLinkClient#selectWorld}, which starts afresh
 * @param chatId the chat of the world the client is in
 * @param chats the world's chats, newest first
 * @param earliestSeq 0, unless the replay after a reconnect held more events than the server sends at once:
 *     then the seq of the oldest event it holds; the world's events before it were left out (the agents and
 *     chats above are as they are now), and the chat's can be fetched with
 *     {@link WorldLinkClient#chatHistory}
 */
public record Confirmation(String worldName, String templateName, String userId, String userPath, boolean persistent,
        String clientId, List<AgentInfo> agents, long lastSeq, String worldEpoch, boolean newLife, String chatId,
        List<Chat> chats, long earliestSeq) {
    /** Copies the agents and the chats. */
    public Confirmation {
        agents = List.copyOf(agents);
        chats = List.copyOf(chats);
    }
}
