package org.lde.engine.fast;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * A fixed pool of worker threads owned by one backend (never the common fork-join pool): the
 * caller's thread plus {@code threads - 1} daemon workers. {@link #forEach} splits {@code count}
 * independent items into {@code threads} contiguous ranges; each item is computed by the same code
 * whatever range it falls in, so results are bitwise the same for every thread count.
 */
final class FastPool implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();
    private final int threads;
    private final ExecutorService workers; // null for one thread

    FastPool(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        if (threads == 1) {
            workers = null;
        } else {
            int id = POOLS.incrementAndGet();
            AtomicInteger k = new AtomicInteger();
            workers = Executors.newFixedThreadPool(threads - 1, r -> {
                Thread t = new Thread(r, "lde-fast-" + id + "-" + k.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }
    }

    int threads() {
        return threads;
    }

    /**
     * Runs {@code body.accept(i)} for {@code i = 0 .. count-1}, in {@code min(threads, count)}
     * contiguous ranges in parallel (the last range on the calling thread). Items must be
     * independent (write disjoint outputs). Below {@code minPerThread} items per thread it runs
     * serially on the caller. Exceptions of the body are rethrown.
     */
    void forEach(int count, int minPerThread, IntConsumer body) {
        int parts = workers == null ? 1 : Math.min(threads, count / Math.max(1, minPerThread));
        if (parts <= 1) {
            for (int i = 0; i < count; i++) {
                body.accept(i);
            }
            return;
        }
        List<Future<?>> futures = new ArrayList<>(parts - 1);
        for (int p = 0; p < parts - 1; p++) {
            int from = (int) ((long) count * p / parts);
            int to = (int) ((long) count * (p + 1) / parts);
            futures.add(workers.submit(() -> {
                for (int i = from; i < to; i++) {
                    body.accept(i);
                }
            }));
        }
        RuntimeException failure = null;
        try {
            for (int i = (int) ((long) count * (parts - 1) / parts); i < count; i++) {
                body.accept(i);
            }
        } catch (RuntimeException e) {
            failure = e;
        }
        for (Future<?> f : futures) {
            try {
                f.get();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                RuntimeException r = c instanceof RuntimeException re ? re : new IllegalStateException(c);
                if (failure == null) {
                    failure = r;
                } else {
                    failure.addSuppressed(r);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for worker threads", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
