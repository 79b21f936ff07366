package io.worldlink.redis.internal;

import io.worldlink.WorldKey;
import io.worldlink.event.EventLog;
import io.worldlink.event.EventLogStore;

/** {@link RedisWorldLeases#fenced}: each log is bound to the lease held when it was opened. */
final class FencedEventLogStore implements EventLogStore {
    private final EventLogStore logs;
    private final RedisWorldLeases leases;

    FencedEventLogStore(EventLogStore logs, RedisWorldLeases leases) {
        this.logs = logs;
        this.leases = leases;
    }

    @Override
    public EventLog open(WorldKey world) {
        // The lease first: a log opened before this node took the world may hold a history another owner
        // has added to since, and must not write after it.
        RedisWorldLease lease = leases.validLease(world);
        return new FencedEventLog(logs.open(world), world, lease, leases);
    }

    @Override
    public void delete(WorldKey world) {
        logs.delete(world);
    }
}
