package io.worldlink.internal.protocol;

import io.worldlink.Connection;
import io.worldlink.EventBus;
import io.worldlink.Identity;
import io.worldlink.Transport;
import io.worldlink.UserStorage;
import io.worldlink.WorldCloner;
import io.worldlink.internal.model.ModelRegistry;
import io.worldlink.internal.world.ModelDispatcher;
import io.worldlink.internal.world.WorldRuntime;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/** The connections and the worlds they share: what {@code WorldLink} serves. */
public final class Hub {
    private final Worlds worlds;
    private final MessageRouter router;

    /**
     * @param storage user worlds
     * @param cloner template → user world
     * @param bus world events
     * @param models chat models
     * @param dispatcher the shared model call limit
     * @param worldPool the pool worlds run on
     * @param settings memory limits and clock of worlds
     * @param timer for anonymous users' grace periods
     * @param grace how long an anonymous user's folder outlives their last connection
     * @param limits per-connection limits
     * @param trustClaimedUserIds insecure mode
     * @param clock the time source
     */
    public Hub(UserStorage storage, WorldCloner cloner, EventBus bus, ModelRegistry models, ModelDispatcher dispatcher,
            Executor worldPool, WorldRuntime.Settings settings, ScheduledExecutorService timer, Duration grace,
            Limits limits, boolean trustClaimedUserIds, Clock clock) {
        this.worlds = new Worlds(storage, cloner, bus, models, dispatcher, worldPool, settings, timer, grace);
        this.router = new MessageRouter(worlds, limits, trustClaimedUserIds, clock);
    }

    /**
     * @param transport the host's connection
     * @param identity who the client proved to be
     * @return the connection
     */
    public Connection connect(Transport transport, Identity identity) {
        return router.open(transport, identity);
    }

    /** @return open connections */
    public int connectionCount() {
        return router.connectionCount();
    }

    /** @return worlds in memory */
    public int loadedWorldCount() {
        return worlds.loadedCount();
    }

    /** @return users with a connection or a pending deletion */
    public int trackedUsers() {
        return worlds.trackedUsers();
    }

    /** @return done when every connection is closed (1001), every world saved and closed, and anonymous data deleted */
    public CompletableFuture<Void> shutdown() {
        router.closeAll(1001, "The server is shutting down.");
        return worlds.quiesce();
    }
}
