package io.worldlink.internal.world;

/**
 * A turn (ROUTING.md, "A turn"): started by a human or world message, over when nothing it set off is
 * still running. A turn is in one chat; turns of different chats run side by side. Touched only on the world's executor.
 */
final class Turn {
    final String startMessageId;
    final String chatId;
    final long startedNanos = System.nanoTime();
    // The replies of the turn still running; -1 once the turn has ended.
    int pending;
    boolean stopped;

    Turn(String startMessageId, String chatId) {
        this.startMessageId = startMessageId;
        this.chatId = chatId;
    }
}
