package io.worldlink.internal.protocol;

import io.worldlink.event.EventType;
import io.worldlink.event.WorldEvent;
import java.util.EnumSet;
import java.util.Set;

/**
 * What a client asked to see ({@code event-subscribe}): which event types come as {@code event-stream},
 * and optionally only what is from or about one agent.
 *
 * @param types the event types sent as {@code event-stream}
 * @param agent an agent id, or {@code null} for all
 */
record Filter(Set<EventType> types, String agent) {
    /** The default: everything but streamed chunks, which already come as {@code chat-response}. */
    static final Filter DEFAULT = new Filter(EnumSet.of(EventType.MESSAGE, EventType.WORLD, EventType.SYSTEM), null);

    Filter {
        types = types.isEmpty() ? EnumSet.noneOf(EventType.class) : EnumSet.copyOf(types);
    }

    boolean aboutAgent(WorldEvent e) {
        return agent == null || agent.equalsIgnoreCase(e.agentName());
    }

    boolean wantsStream(WorldEvent e) {
        return types.contains(e.type()) && aboutAgent(e);
    }
}
