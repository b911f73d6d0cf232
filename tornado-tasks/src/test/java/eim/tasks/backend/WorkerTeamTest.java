package eim.tasks.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.Kernel;
import eim.tasks.KernelArgs;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkerTeamTest {
    private static final KernelArgs NONE = KernelArgs.of(new Object[0]);

    /** Every index of every launch is covered exactly once, launch after launch. */
    @Test
    void everySliceRunsOnceInEveryLaunch() {
        try (WorkerTeam team = new WorkerTeam(4)) {
            for (int launch = 0; launch < 2000; launch++) {
                int n = 1 + launch % 97;
                int[] hits = new int[n];
                team.run((from, to, a) -> {
                    for (int i = from; i < to; i++) {
                        hits[i]++;
                    }
                }, NONE, n, Math.min(n, 8), false);
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits[i], "launch " + launch + " index " + i);
                }
            }
        }
    }

    /**
     * A timed launch returns the time its threads spent in slices, summed: here four slices of 2 ms
     * of spinning each, so at least 8 ms, and no more than the team's threads were there for. An
     * untimed launch returns 0.
     */
    @Test
    void aTimedLaunchSumsTheTimeInSlices() {
        try (WorkerTeam team = new WorkerTeam(2)) {
            Kernel.Body spin = (from, to, a) -> {
                long until = System.nanoTime() + 2_000_000L * (to - from);
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            };
            long t0 = System.nanoTime();
            long busy = team.run(spin, NONE, 4, 4, true);
            long wall = System.nanoTime() - t0;
            assertTrue(busy >= 8_000_000L, "busy " + busy + " ns");
            assertTrue(busy <= 2 * wall, "busy " + busy + " ns, wall " + wall + " ns on 2 threads");
            assertEquals(0L, team.run(spin, NONE, 4, 4, false));
        }
    }

    /** A slice's exception reaches the launching thread, and the team keeps working afterwards. */
    @Test
    void aFailingSliceThrowsInTheLauncher() {
        try (WorkerTeam team = new WorkerTeam(3)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> team.run((from, to, a) -> {
                if (from == 0) {
                    throw new IllegalArgumentException("slice 0 failed");
                }
            }, NONE, 30, 3, false));
            assertEquals("slice 0 failed", e.getMessage());
            AtomicInteger sum = new AtomicInteger();
            team.run((from, to, a) -> sum.addAndGet(to - from), NONE, 30, 3, false);
            assertEquals(30, sum.get());
        }
    }

    /** Launches from several threads at once: one uses the team, the others run alone; all complete. */
    @Test
    void concurrentLaunchersAllComplete() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try (WorkerTeam team = new WorkerTeam(2)) {
            Future<?>[] f = new Future<?>[3];
            long[][] sums = new long[3][1];
            for (int t = 0; t < 3; t++) {
                int me = t;
                f[t] = pool.submit(() -> {
                    for (int launch = 0; launch < 500; launch++) {
                        long[] part = new long[4];
                        team.run((from, to, a) -> {
                            long s = 0;
                            for (int i = from; i < to; i++) {
                                s += i;
                            }
                            part[from * 4 / 1000] = s;
                        }, NONE, 1000, 4, false);
                        sums[me][0] += part[0] + part[1] + part[2] + part[3];
                    }
                });
            }
            for (Future<?> x : f) {
                x.get();
            }
            for (long[] s : sums) {
                assertEquals(500L * (999L * 1000 / 2), s[0]);
            }
        } finally {
            pool.shutdown();
        }
    }
}
