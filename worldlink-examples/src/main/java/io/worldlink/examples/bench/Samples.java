package io.worldlink.examples.bench;

import java.util.Arrays;

/** Latency samples in nanoseconds, collected from many threads, summarized as percentiles in ms. */
final class Samples {
    private long[] values = new long[1024];
    private int size;

    synchronized void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    synchronized int count() {
        return size;
    }

    /** @param q a quantile from 0 to 1 @return that quantile in milliseconds, or NaN with no samples */
    synchronized double ms(double q) {
        if (size == 0) {
            return Double.NaN;
        }
        long[] sorted = Arrays.copyOf(values, size);
        Arrays.sort(sorted);
        int i = (int) Math.min(size - 1, Math.max(0, Math.ceil(q * size) - 1));
        return sorted[i] / 1e6;
    }
}
