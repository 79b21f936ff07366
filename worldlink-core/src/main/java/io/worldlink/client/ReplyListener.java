package io.worldlink.client;

/**
 * Follows the replies of a turn as they stream, one agent at a time: while one agent's reply is
 * streaming, the others' text waits and follows when it ends, so a console can print each reply whole
 * and in one piece. No text is delivered twice.
 */
@FunctionalInterface
public interface ReplyListener {
    /** A listener that ignores everything. */
    ReplyListener NONE = (agentName, text) -> { };

    /**
     * More text of one agent's reply.
     *
     * @param agentName the agent
     * @param text the new text (never what was delivered before)
     */
    void onText(String agentName, String text);

    /**
     * An agent's reply starts again from its beginning: the connection or the server was lost while it
     * streamed, and what was shown of it is to be replaced by the text that follows.
     *
     * @param agentName the agent
     */
    default void onRestart(String agentName) {}

    /**
     * An agent's reply ended; it comes after all its text.
     *
     * @param reply the whole reply
     */
    default void onReply(Reply reply) {}
}
