package io.worldlink;

import java.util.function.Consumer;

/**
 * The durable event log of one world ({@code events.jsonl}). Durable events get the world's next
 * {@code seq} when they are appended; {@code seq} rises by one, is never reused and continues after a
 * restart. Not thread-safe: the world that owns it calls it from its one ordered executor.
 */
public interface EventLog extends AutoCloseable {
    /** @return the newest seq in the log, 0 when it is empty */
    long lastSeq();

    /**
     * Gives the event the next seq and writes it, before anyone else sees it.
     *
     * @param event a durable event (its own seq is ignored)
     * @param <E> the event's type
     * @return the event with its seq
     * @throws IllegalArgumentException when the event is not durable
     * @throws StorageException when it could not be written; the seq is then not used
     */
    <E extends WorldEvent> E append(E event);

    /**
     * Makes every event appended so far durable (on disk, and synced unless the storage was told not
     * to sync). The world calls it once per burst of appends, before any client sees them.
     *
     * @throws StorageException when the events could not be made durable
     */
    void sync();

    /**
     * Reads back, in order, every event with a seq larger than {@code afterSeq}. It does not reread the
     * log from its start to find them.
     *
     * @param afterSeq the last seq the reader has
     * @param action called with each later event
     */
    void forEachAfter(long afterSeq, Consumer<? super WorldEvent> action);

    /** Releases the file. */
    @Override
    void close();
}
