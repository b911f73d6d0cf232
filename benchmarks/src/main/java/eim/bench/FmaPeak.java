package eim.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's attainable float32 FMA peak through the Vector API: ten independent vector FMA
 * chains per thread (enough to cover FMA latency x throughput), no memory traffic, one thread per
 * core, best of many short runs. The yardstick for "how far from peak" a kernel is.
 */
final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 10;

    private FmaPeak() {}

    /** GFLOP/s with {@code threads} threads: best of {@code runs} runs of {@code iterations} per thread. */
    static double measure(int threads, int runs, long iterations) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            double best = Double.MAX_VALUE;
            float sink = 0;
            for (int r = 0; r < runs; r++) {
                List<Callable<Float>> work = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    float seed = r + t;
                    work.add(() -> chains(iterations, seed));
                }
                long t0 = System.nanoTime();
                for (Future<Float> f : pool.invokeAll(work)) {
                    sink += f.get();
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            if (Float.isNaN(sink)) {
                throw new IllegalStateException("FMA probe produced NaN");
            }
            return 2.0 * CHAINS * S.length() * iterations * threads / best / 1e9;
        } finally {
            pool.shutdown();
        }
    }

    private static float chains(long iterations, float seed) {
        FloatVector a0 = FloatVector.broadcast(S, seed), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3);
        FloatVector a4 = a0.add(4), a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7), a8 = a0.add(8), a9 = a0.add(9);
        FloatVector m = FloatVector.broadcast(S, 0.999f), c = FloatVector.broadcast(S, 0.001f);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                .reduceLanes(VectorOperators.ADD);
    }
}
