package io.worldlink.redis.internal;

import io.worldlink.ErrorCode;
import io.worldlink.WorldKey;
import io.worldlink.WorldLinkException;
import io.worldlink.event.EventLog;
import io.worldlink.event.WorldEvent;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * A world's log that appends only while the lease it was opened under is valid, and only while no owner
 * with a higher fence has recorded itself in the world's folder (checked at the first append of each
 * burst of appends, that is after each sync). Reading is never refused.
 */
final class FencedEventLog implements EventLog {
    private final EventLog log;
    private final WorldKey world;
    private final RedisWorldLease lease;
    private final RedisWorldLeases leases;
    private boolean fenceChecked;

    /**
     * @param lease this node's valid lease of the world when the log was opened, or {@code null}: the log
     *     is then read-only
     */
    FencedEventLog(EventLog log, WorldKey world, RedisWorldLease lease, RedisWorldLeases leases) {
        this.log = log;
        this.world = world;
        this.lease = lease;
        this.leases = leases;
    }

    @Override
    public long lastSeq() {
        return log.lastSeq();
    }

    @Override
    public long size() {
        return log.size();
    }

    @Override
    public <E extends WorldEvent> E append(E event) {
        if (!event.isDurable()) {
            throw new IllegalArgumentException("only durable events are logged: " + event.type());
        }
        if (lease == null) {
            throw refused("this node did not own it when it opened its log");
        }
        if (!lease.isValid()) {
            throw refused("this node's lease of it has ended");
        }
        if (!fenceChecked) {
            checkFence();
            fenceChecked = true;
        }
        return log.append(event);
    }

    private void checkFence() {
        Path folder = leases.folder(world);
        FenceRecord recorded = FenceRecord.read(folder);
        if (recorded.isOf(lease.fence(), lease.nodeId())) {
            return;
        }
        if (recorded.fence() >= lease.fence()) {
            leases.lost(lease, "node " + recorded.nodeId() + " has written the world's log under fence "
                    + recorded.fence() + ", and this lease's is " + lease.fence());
            throw refused("another node has written its log since this node took it");
        }
        try {
            new FenceRecord(lease.fence(), lease.nodeId()).write(folder);
        } catch (IOException e) {
            // A FileSystemException's message holds the absolute path; its reason does not.
            String reason = e instanceof FileSystemException f && f.getReason() != null ? f.getReason()
                    : e.getClass().getSimpleName();
            throw new WorldLinkException(ErrorCode.STORAGE_ERROR, "Could not record this node as the owner in "
                    + world.relativePath() + "/" + FenceRecord.FILE + " (" + reason + "); the event was not logged.", e);
        }
    }

    private WorldLinkException refused(String why) {
        return new WorldLinkException(ErrorCode.STORAGE_ERROR, "World " + world + " is not this node's to write: "
                + why + ". The event was not logged.");
    }

    @Override
    public void sync() {
        fenceChecked = false;
        log.sync();
    }

    @Override
    public void forEachAfter(long afterSeq, Consumer<? super WorldEvent> action) {
        log.forEachAfter(afterSeq, action);
    }

    @Override
    public void close() {
        log.close();
    }
}
