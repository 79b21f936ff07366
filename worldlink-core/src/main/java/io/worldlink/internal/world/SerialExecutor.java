package io.worldlink.internal.world;

import java.lang.System.Logger.Level;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs tasks one at a time, in the order they were given, on a shared pool: each world gets one, so
 * a world's events are handled in order while worlds run in parallel and never wait for each other.
 * It takes no lock; a busy world yields its thread after a batch so that others are not starved.
 */
public final class SerialExecutor implements Executor {
    private static final System.Logger LOG = System.getLogger(SerialExecutor.class.getName());
    private static final int BATCH = 256;

    private final Executor pool;
    private final Runnable afterBurst;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private volatile Thread runner;

    /**
     * @param pool the shared pool the tasks run on
     * @param afterBurst runs, in order with the tasks, after each burst of tasks that ran together (a
     *     world syncs and publishes the events of the burst there)
     */
    public SerialExecutor(Executor pool, Runnable afterBurst) {
        this.pool = pool;
        this.afterBurst = afterBurst;
    }

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (scheduled.compareAndSet(false, true)) {
            pool.execute(this::drain);
        }
    }

    /** @return whether the calling thread is running one of this executor's tasks */
    public boolean inExecutor() {
        return runner == Thread.currentThread();
    }

    private static void run(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException | Error e) {
            LOG.log(Level.ERROR, "A world task failed", e);
        }
    }

    private void drain() {
        runner = Thread.currentThread();
        try {
            for (int i = 0; i < BATCH; i++) {
                Runnable task = tasks.poll();
                if (task == null) {
                    break;
                }
                run(task);
            }
            run(afterBurst);
        } finally {
            runner = null;
            scheduled.set(false);
        }
        if (!tasks.isEmpty() && scheduled.compareAndSet(false, true)) {
            pool.execute(this::drain);
        }
    }
}
