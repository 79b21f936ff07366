/**
 * A world's events (PROTOCOL.md's {@code Event}) and their durable log: what an
 * {@link io.worldlink.EventBus} carries, what an {@link io.worldlink.event.EventLog} keeps, and where the
 * logs are kept ({@link io.worldlink.event.EventLogStore}). Each event is an immutable value that
 * serializes to the protocol's JSON.
 */
package io.worldlink.event;
