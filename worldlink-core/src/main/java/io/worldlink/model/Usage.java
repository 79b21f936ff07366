package io.worldlink.model;

/**
 * Token usage of one model call.
 *
 * @param inputTokens tokens sent to the model
 * @param outputTokens tokens the model produced
 * @param totalTokens their sum, as the provider reports it
 */
public record Usage(int inputTokens, int outputTokens, int totalTokens) {
    /** A call whose usage is unknown. */
    public static final Usage NONE = new Usage(0, 0, 0);
}
