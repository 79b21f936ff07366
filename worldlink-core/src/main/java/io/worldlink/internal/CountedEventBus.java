package io.worldlink.internal;

import io.worldlink.EventBus;
import io.worldlink.Subscription;
import io.worldlink.WorldKey;
import io.worldlink.event.WorldEvent;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The host's {@link EventBus} as WorldLink uses it: it counts the subscriptions WorldLink holds open, so
 * that {@code WorldLink.stats()} can show a leak whatever bus the host chose.
 */
public final class CountedEventBus implements EventBus {
    private final EventBus bus;
    private final AtomicInteger open = new AtomicInteger();

    /** @param bus the bus to use */
    public CountedEventBus(EventBus bus) {
        this.bus = bus;
    }

    @Override
    public void publish(WorldKey world, WorldEvent event) {
        bus.publish(world, event);
    }

    @Override
    public Subscription subscribe(WorldKey world, Consumer<? super WorldEvent> listener) {
        return counted(bus.subscribe(world, listener));
    }

    @Override
    public Subscription subscribe(WorldKey world, Consumer<? super WorldEvent> listener, Runnable catchUp) {
        return counted(bus.subscribe(world, listener, catchUp));
    }

    private Subscription counted(Subscription subscription) {
        open.incrementAndGet();
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                open.decrementAndGet();
                subscription.close();
            }
        };
    }

    /** @return how many subscriptions WorldLink holds open, over all worlds */
    public int openSubscriptions() {
        return open.get();
    }
}
