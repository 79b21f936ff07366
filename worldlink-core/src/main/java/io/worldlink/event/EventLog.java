package io.worldlink.event;

import io.worldlink.ErrorCode;
import io.worldlink.WorldLinkException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The durable event log of one world ({@code events.jsonl}). Durable events get the world's next
 * {@code seq} when they are appended; {@code seq} rises by one, is never reused and continues after a
 * restart. A line of the log that cannot be read back (damaged on disk, or written by a newer version)
 * is passed over, which leaves a gap in the seqs read back, but its seq is not given out again.
 * Not thread-safe: the world that owns it calls it from its one ordered executor.
 */
public interface EventLog extends AutoCloseable {
    /** {@return the highest seq the log holds (the next append gets one more), 0 when it is empty} */
    long lastSeq();

    /**
     * {@return how many bytes the log holds, what the world's log size limit is checked against before a
     * client's change is taken: it must cost no more than reading a field. The default, 0, is for a log that
     * does not count them, which is never at the limit}
     */
    default long size() {
        return 0;
    }

    /**
     * Gives the event the next seq and writes it, before anyone else sees it.
     *
     * @param event a durable event (its own seq is ignored)
     * @param <E> the event's type
     * @return the event with its seq
     * @throws IllegalArgumentException when the event is not durable
     * @throws WorldLinkException {@link ErrorCode#STORAGE_ERROR} when it could not be written; the seq is then not used
     */
    <E extends WorldEvent> E append(E event);

    /**
     * Makes every event appended so far durable (on disk, and synced unless the storage was told not
     * to sync), and releases what the appends held open. The world calls it once per burst of appends,
     * before any client sees them, so that a burst costs one sync and an idle world holds no file.
     *
     * @throws WorldLinkException {@link ErrorCode#STORAGE_ERROR} when the events could not be made durable; they may then be lost in a
     *     crash of the machine
     */
    void sync();

    /**
     * Reads back, in order, every event with a seq larger than {@code afterSeq}, seqs strictly rising.
     * It does not reread the log from its start to find them.
     *
     * @param afterSeq the last seq the reader has
     * @param action called with each later event
     */
    void forEachAfter(long afterSeq, Consumer<? super WorldEvent> action);

    /**
     * Reads back the newest events that match, between two seqs: a page of a chat's history, read from the
     * end. An implementation should make it cost in proportion to the events it reads back, not to the
     * whole log; the default reads the log once from {@code afterSeq} with {@link #forEachAfter}, holding
     * at most {@code limit} events.
     *
     * @param afterSeq only events with a seq above it
     * @param beforeSeq only events with a seq below it
     * @param limit at most this many, the newest
     * @param filter which events count
     * @return the newest matching events in that range, at most {@code limit}, in seq order
     */
    default List<WorldEvent> newestBetween(long afterSeq, long beforeSeq, int limit,
            Predicate<? super WorldEvent> filter) {
        ArrayDeque<WorldEvent> newest = new ArrayDeque<>();
        if (limit > 0) {
            forEachAfter(afterSeq, e -> {
                if (e.seq() < beforeSeq && filter.test(e)) {
                    if (newest.size() == limit) {
                        newest.removeFirst();
                    }
                    newest.addLast(e);
                }
            });
        }
        return List.copyOf(newest);
    }

    /**
     * Makes what was appended since the last {@link #sync()} durable as {@code sync} does, and releases
     * the file. It does not throw: a failure is logged.
     */
    @Override
    void close();
}
