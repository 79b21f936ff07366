/**
 * A world's events: what a {@link io.worldlink.EventBus} carries and an {@link io.worldlink.EventLog} keeps
 * (PROTOCOL.md's {@code Event}). Each is an immutable value that serializes to the protocol's JSON.
 */
package io.worldlink.event;
