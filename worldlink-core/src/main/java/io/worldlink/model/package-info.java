/**
 * The chat-model SPI: a {@link io.worldlink.model.ChatModel} streams a reply to a
 * {@link io.worldlink.model.ChatRequest} through a {@link io.worldlink.model.ChatListener}. The built-in
 * offline model and the OpenAI-compatible client are made by {@code ChatModel}'s factories; a host registers
 * its own with {@code WorldLink.Builder.chatModel(provider, model)}.
 */
package io.worldlink.model;
