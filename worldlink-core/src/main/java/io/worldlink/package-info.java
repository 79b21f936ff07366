/**
 * WorldLink's host API: build a {@link io.worldlink.WorldLink}, hand it connections, and replace what you
 * need through its four seams.
 *
 * <ul>
 *   <li>{@link io.worldlink.UserStorage}: where user worlds live (default: files under the data root);</li>
 *   <li>{@link io.worldlink.WorldCloner}: how a template becomes a user's world;</li>
 *   <li>{@link io.worldlink.EventBus}: how a world's events reach its subscribers;</li>
 *   <li>{@link io.worldlink.MessageRouter}: what handles each request a client sends.</li>
 * </ul>
 *
 * Around them: {@link io.worldlink.TemplateStore} and {@link io.worldlink.event.EventLogStore} (where templates
 * and event logs are kept), {@link io.worldlink.Authenticator} (who a client is), and the records of a
 * stored world ({@link io.worldlink.WorldSnapshot} and what it holds). A world's events are in
 * {@code io.worldlink.event}, the chat-model SPI in {@code io.worldlink.model}, and a Java client of a
 * WorldLink server in {@code io.worldlink.client}.
 */
package io.worldlink;
