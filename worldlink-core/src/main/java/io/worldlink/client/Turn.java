package io.worldlink.client;

import java.util.List;

/**
 * A chat turn, over: the message that started it and every reply it brought, agents answering each
 * other included.
 *
 * @param messageId the id of the message that started the turn
 * @param replies the replies, in the order they ended
 */
public record Turn(String messageId, List<Reply> replies) {
    /** Copies the replies. */
    public Turn {
        replies = List.copyOf(replies);
    }

    /** {@return whether any reply of the turn was stopped} */
    public boolean stopped() {
        return replies.stream().anyMatch(Reply::stopped);
    }
}
