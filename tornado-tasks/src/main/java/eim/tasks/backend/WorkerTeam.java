package eim.tasks.backend;

import eim.tasks.Kernel;
import eim.tasks.KernelArgs;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The java backend's threads: the launching thread and {@code size - 1} workers share the slices
 * of one launch, taking them from a counter, and the launching thread spins until the last slice
 * is done. Workers spin until a launch ends and {@link #SPIN_NANOS} after it before they park, so a
 * graph's next launch (usually microseconds later) finds them awake.
 *
 * <p>Why not a ForkJoinPool: a training step of the tiny preset makes about 2000 launches of
 * 0.05-1 ms. With a pool, each launch parks the launching thread and wakes a worker (two futex
 * round trips, 20-50 µs each on a virtual machine), which cost as much as the memory-bound kernels
 * themselves. This is OpenMP's {@code OMP_WAIT_POLICY=ACTIVE} for a short window, the setting
 * the PyTorch side of the benchmarks runs with.
 *
 * <p>One launch at a time: a thread that finds the team busy (two plans executed from two threads)
 * runs its launch alone, on its own thread.
 */
final class WorkerTeam implements AutoCloseable {
    /** How long an idle worker spins before parking; -Deim.java.spinMicros=N. */
    static final long SPIN_NANOS = Long.getLong("eim.java.spinMicros", 200) * 1000;

    private final Thread[] workers;
    private final ReentrantLock launching = new ReentrantLock();
    /** The latest launch; a worker that still holds an older one finds its slices all taken. */
    private volatile Launch current;
    private volatile boolean closed;

    /** One launch: its body and arguments, the next slice to take, the slices not yet done. */
    private static final class Launch {
        final Kernel.Body body;
        final KernelArgs args;
        final int n, chunks;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger pending;
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        /** Whether slices are timed (profiling), and their time summed over the threads. */
        final boolean timed;
        final AtomicLong busyNanos = new AtomicLong();

        Launch(Kernel.Body body, KernelArgs args, int n, int chunks, boolean timed) {
            this.body = body;
            this.args = args;
            this.n = n;
            this.chunks = chunks;
            this.pending = new AtomicInteger(chunks);
            this.timed = timed;
        }

        /** Runs slices until none is left to take. */
        void takeSlices() {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                int from = (int) ((long) n * c / chunks);
                int to = (int) ((long) n * (c + 1) / chunks);
                long t0 = timed ? System.nanoTime() : 0;
                try {
                    if (from < to) {
                        body.run(from, to, args);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    if (timed) {
                        busyNanos.addAndGet(System.nanoTime() - t0);
                    }
                    pending.decrementAndGet();
                }
            }
        }
    }

    WorkerTeam(int size) {
        workers = new Thread[Math.max(0, size - 1)];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = Thread.ofPlatform().daemon().name("eim-java-worker-" + i).unstarted(this::work);
            workers[i].start();
        }
    }

    /**
     * Runs {@code body} over [0, n) in {@code chunks} equal slices on the team and returns when all
     * are done; the first exception a slice throws is rethrown here. With {@code timed}, returns
     * the time the team's threads spent in slices, summed (0 otherwise, or -1 where the launch ran
     * alone on the calling thread because the team was busy).
     */
    long run(Kernel.Body body, KernelArgs args, int n, int chunks, boolean timed) {
        if (!launching.tryLock()) {
            body.run(0, n, args); // the team is busy with another thread's launch
            return -1;
        }
        Launch launch = new Launch(body, args, n, chunks, timed);
        try {
            current = launch;
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            launch.takeSlices();
            while (launch.pending.get() > 0) {
                Thread.onSpinWait();
            }
        } finally {
            current = null; // holds no arrays between launches, and lets the workers' spin window open
            launching.unlock();
        }
        Throwable t = launch.failure.get();
        if (t instanceof RuntimeException e) {
            throw e;
        } else if (t instanceof Error e) {
            throw e;
        } else if (t != null) {
            throw new IllegalStateException(t);
        }
        return launch.busyNanos.get();
    }

    private void work() {
        Launch seen = null;
        while (!closed) {
            Launch l = current;
            if (l != seen) {
                seen = l;
                if (l != null) {
                    l.takeSlices();
                }
                continue;
            }
            // the spin window opens when the launch ends (current turns null), not when this worker
            // ran out of slices: a worker done 1 ms before the others (an uneven GEMM split) would
            // otherwise park, and the next launch would wait for it to wake (50-100 µs on a VM)
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (current == seen && !closed) {
                if (seen != null || System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
