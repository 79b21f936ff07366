package io.worldlink.model;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;

/**
 * Receives one streamed reply. Calls come one at a time, never at once; after {@link #onComplete} or
 * {@link #onError} nothing more comes.
 */
public interface ChatListener {
    /**
     * Called with each new piece of the reply, in order.
     *
     * @param text the next piece of the reply (only the new text)
     */
    void onChunk(String text);

    /**
     * Called once when the reply is complete.
     *
     * @param usage the call's token usage ({@link Usage#NONE} when the provider reports none)
     */
    void onComplete(Usage usage);

    /**
     * Called once when the reply failed; nothing follows it.
     *
     * @param error why the reply failed; a {@link WorldLinkException} with {@link ErrorCode#MODEL_ERROR}
     *     carries a message fit to show a person
     */
    void onError(Throwable error);
}
