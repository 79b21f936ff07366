package io.worldlink.internal.protocol;

import io.worldlink.Subscription;
import io.worldlink.WorldKey;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.world.WorldRuntime;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A loaded world shared by every connection that selected it. It holds one subscription to the world's
 * bus and turns each event into frames once, then hands them to each of its connections.
 */
final class WorldHandle {
    final WorldKey key;
    final CompletableFuture<WorldRuntime> runtime = new CompletableFuture<>();
    /** Completes when the world has been closed and everything it held is saved. */
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    private volatile Subscription subscription;
    int refs;

    WorldHandle(WorldKey key) {
        this.key = key;
    }

    void subscribed(Subscription s) {
        subscription = s;
    }

    void deliver(WorldEvent event) {
        if (sessions.isEmpty()) {
            return;
        }
        EventFrames frames = new EventFrames(event);
        for (ClientSession s : sessions) {
            s.deliver(this, frames);
        }
    }

    void add(ClientSession s) {
        sessions.add(s);
    }

    void remove(ClientSession s) {
        sessions.remove(s);
    }

    List<ClientSession> sessions() {
        return List.copyOf(sessions);
    }

    /** Stops the delivery; the runtime is closed by the caller. */
    void unsubscribe() {
        Subscription s = subscription;
        if (s != null) {
            s.close();
        }
    }
}
