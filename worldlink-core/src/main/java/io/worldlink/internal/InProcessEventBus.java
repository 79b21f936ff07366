package io.worldlink.internal;

import io.worldlink.EventBus;
import io.worldlink.Subscription;
import io.worldlink.WorldKey;
import io.worldlink.event.WorldEvent;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The default {@link EventBus}: one copy-on-write listener list per world, so that publishing takes no
 * lock and worlds never contend. A world's list is removed with its last subscription.
 */
public final class InProcessEventBus implements EventBus {
    private static final System.Logger LOG = System.getLogger(InProcessEventBus.class.getName());

    private final Map<WorldKey, List<Consumer<? super WorldEvent>>> topics = new ConcurrentHashMap<>();

    @Override
    public void publish(WorldKey world, WorldEvent event) {
        List<Consumer<? super WorldEvent>> listeners = topics.get(world);
        if (listeners == null) {
            return;
        }
        for (Consumer<? super WorldEvent> listener : listeners) {
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "A listener of world " + world + " failed on event " + event.id(), e);
            }
        }
    }

    @Override
    public Subscription subscribe(WorldKey world, Consumer<? super WorldEvent> listener) {
        // A wrapper per subscription, so that subscribing one listener twice gives two independent handles.
        Consumer<? super WorldEvent> entry = listener::accept;
        topics.compute(world, (k, list) -> {
            List<Consumer<? super WorldEvent>> l = list == null ? new CopyOnWriteArrayList<>() : list;
            l.add(entry);
            return l;
        });
        AtomicBoolean closed = new AtomicBoolean();
        return () -> {
            if (closed.compareAndSet(false, true)) {
                topics.computeIfPresent(world, (k, list) -> {
                    list.remove(entry);
                    return list.isEmpty() ? null : list;
                });
            }
        };
    }


    /** @return how many worlds have at least one subscriber (for leak checks) */
    public int worldCount() {
        return topics.size();
    }
}
