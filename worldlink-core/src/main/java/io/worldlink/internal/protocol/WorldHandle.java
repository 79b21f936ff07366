package io.worldlink.internal.protocol;

import io.worldlink.Subscription;
import io.worldlink.WorldKey;
import io.worldlink.event.WorldEvent;
import io.worldlink.internal.world.WorldRuntime;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A loaded world shared by every connection that selected it. It holds one subscription to the world's
 * bus and turns each event into frames once, then hands them to each of its connections.
 */
final class WorldHandle {
    final WorldKey key;
    final CompletableFuture<WorldRuntime> runtime = new CompletableFuture<>();
    /** Completes when the world has been closed and everything it held is saved. */
    final CompletableFuture<Void> closed = new CompletableFuture<>();
    // Copied on change, read without a lock or an iterator for every event delivered.
    private volatile ClientSession[] sessions = {};
    private volatile Subscription subscription;
    int refs;

    WorldHandle(WorldKey key) {
        this.key = key;
    }

    void subscribed(Subscription s) {
        subscription = s;
    }

    void deliver(WorldEvent event) {
        ClientSession[] all = sessions;
        if (all.length == 0) {
            return;
        }
        EventFrames frames = new EventFrames(event);
        for (ClientSession s : all) {
            s.deliver(this, frames);
        }
    }

    synchronized void add(ClientSession s) {
        if (!Arrays.asList(sessions).contains(s)) {
            ClientSession[] more = Arrays.copyOf(sessions, sessions.length + 1);
            more[sessions.length] = s;
            sessions = more;
        }
    }

    synchronized void remove(ClientSession s) {
        sessions = Arrays.stream(sessions).filter(x -> x != s).toArray(ClientSession[]::new);
    }

    List<ClientSession> sessions() {
        return List.of(sessions);
    }

    /** Stops the delivery; the runtime is closed by the caller. */
    void unsubscribe() {
        Subscription s = subscription;
        if (s != null) {
            s.close();
        }
    }
}
