package io.worldlink.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.worldlink.EventBus;
import io.worldlink.Subscription;
import io.worldlink.UserId;
import io.worldlink.WorldKey;
import io.worldlink.event.MessageLevel;
import io.worldlink.event.SystemEvent;
import io.worldlink.event.WorldEvent;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class InProcessEventBusTest {
    final InProcessEventBus bus = new InProcessEventBus();
    final WorldKey annDemo = new WorldKey(UserId.of("ann"), "demo");
    final WorldKey bobDemo = new WorldKey(UserId.of("bob"), "demo");
    final WorldKey annOther = new WorldKey(UserId.of("ann"), "other");

    static SystemEvent event(String id) {
        return new SystemEvent(id, Instant.EPOCH, 0, "hello " + id, MessageLevel.INFO);
    }

    @Test
    void aSubscriberOfOneWorldNeverSeesAnotherWorldsEvents() {
        List<WorldEvent> ann = new CopyOnWriteArrayList<>();
        List<WorldEvent> bob = new CopyOnWriteArrayList<>();
        List<WorldEvent> other = new CopyOnWriteArrayList<>();
        bus.subscribe(annDemo, ann::add);
        bus.subscribe(bobDemo, bob::add);
        bus.subscribe(annOther, other::add);

        bus.publish(annDemo, event("a1"));
        bus.publish(bobDemo, event("b1"));
        bus.publish(annOther, event("o1"));
        bus.publish(annDemo, event("a2"));

        assertEquals(List.of("a1", "a2"), ann.stream().map(WorldEvent::id).toList());
        assertEquals(List.of("b1"), bob.stream().map(WorldEvent::id).toList(), "same world name, other user");
        assertEquals(List.of("o1"), other.stream().map(WorldEvent::id).toList());
    }

    @Test
    void closingASubscriptionLeavesNoListenerBehind() {
        List<WorldEvent> seen = new CopyOnWriteArrayList<>();
        Subscription first = bus.subscribe(annDemo, seen::add);
        Subscription second = bus.subscribe(annDemo, seen::add);
        assertEquals(1, bus.worldCount());

        first.close();
        first.close();
        bus.publish(annDemo, event("x"));
        assertEquals(1, seen.size(), "only the open subscription receives");

        second.close();
        bus.publish(annDemo, event("y"));
        assertEquals(1, seen.size());
        assertEquals(0, bus.worldCount(), "the world's listener list goes with its last subscription");
    }

    @Test
    void aFailingListenerDoesNotStopTheOthers() {
        List<WorldEvent> seen = new CopyOnWriteArrayList<>();
        bus.subscribe(annDemo, e -> {
            throw new IllegalStateException("boom");
        });
        bus.subscribe(annDemo, seen::add);

        bus.publish(annDemo, event("x"));

        assertEquals(1, seen.size());
    }

    @Test
    void publishingToAWorldWithoutSubscribersDoesNothing() {
        bus.publish(annDemo, event("x"));
        assertEquals(0, bus.worldCount());
    }

    @Test
    void theDefaultBusIsInProcess() {
        assertEquals(InProcessEventBus.class, EventBus.inProcess().getClass());
    }
}
