package io.worldlink.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Named daemon threads, so that WorldLink's pools never keep a JVM alive and show up clearly in dumps. */
public final class Daemons {
    private Daemons() {}

    /**
     * @param prefix the threads' name prefix
     * @return a factory of daemon threads named {@code prefix-1}, {@code prefix-2}, ...
     */
    public static ThreadFactory factory(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
