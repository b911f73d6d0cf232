package eim.tasks.kernels;

import static eim.tasks.kernels.BasicKernelTesting.*;
import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.FloatArray;
import eim.tasks.IntParam;
import eim.tasks.testing.GradCheck;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class DropoutTest {
    static final int N = 100_003;
    static final int SEED = 1234;

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        int n = 4099;
        for (float p : new float[] {0f, 0.1f, 0.5f}) {
            assertParity(Dropout.FORWARD, new int[] {n}, randn("x", n, r), zeros("y", n), n, p, SEED);
            assertParity(Dropout.BACKWARD, new int[] {n}, randn("dy", n, r), randn("dx", n, r), n, p, SEED);
        }
        // the seed as a param, as the model passes it (one per execution)
        assertParity(Dropout.FORWARD, new int[] {n}, randn("x", n, r), zeros("y", n), n, 0.3f, new IntParam(-77));
        assertParity(Dropout.BACKWARD, new int[] {n}, randn("dy", n, r), randn("dx", n, r), n, 0.3f, new IntParam(-77));
    }

    /** Rng spells x >>> k without >>> (TornadoVM): bit for bit the original lowbias32 mix. */
    @Test
    void rngHashIsTheUnsignedShiftMix() {
        Random r = new Random(5);
        for (int t = 0; t < 200_000; t++) {
            int seed = t < 1000 ? t - 500 : r.nextInt(), index = t < 1000 ? t : r.nextInt();
            int x = index * 0x9E3779B9 ^ seed * 0x85EBCA6B;
            x ^= x >>> 16;
            x *= 0x7FEB352D;
            x ^= x >>> 15;
            x *= 0x846CA68B;
            x ^= x >>> 16;
            assertEquals(x, Rng.hash(seed, index), "hash(" + seed + ", " + index + ")");
            assertEquals((x >>> 8) * 0x1.0p-24f, Rng.uniform(seed, index), "uniform(" + seed + ", " + index + ")");
        }
    }

    @Test
    void keptFractionIsWithinThreeSigmaOfOneMinusP() {
        for (float p : new float[] {0.1f, 0.5f, 0.9f}) {
            FloatArray y = zeros("y", N);
            run(java(), Dropout.FORWARD, new int[] {N}, filled("x", N, 1f), y, N, p, SEED);
            int kept = 0;
            for (float v : y.array()) {
                if (v != 0f) {
                    kept++;
                    assertEquals(1f / (1f - p), v, 1e-6f, "kept elements are scaled by 1/(1-p)");
                }
            }
            double sigma = Math.sqrt(p * (1.0 - p) / N);
            double frac = (double) kept / N;
            assertTrue(Math.abs(frac - (1 - p)) <= 3 * sigma,
                    "p=" + p + ": kept fraction " + frac + " is not within 3 sigma (" + sigma + ") of " + (1 - p));
        }
    }

    @Test
    void backwardUsesTheForwardMask() {
        Random r = new Random(2);
        float p = 0.3f;
        FloatArray x = randn("x", N, r), y = zeros("y", N);
        run(java(), Dropout.FORWARD, new int[] {N}, x, y, N, p, SEED);
        FloatArray dy = randn("dy", N, r), dx = grad("dx", N);
        run(java(), Dropout.BACKWARD, new int[] {N}, dy, dx, N, p, SEED);
        float scale = 1f / (1f - p);
        for (int i = 0; i < N; i++) {
            boolean kept = y.get(i) != 0f;
            float expected = BASE + (kept ? dy.get(i) * scale : 0f);
            assertEquals(expected, dx.get(i), 1e-6f, "element " + i + " (kept " + kept + ")");
        }
        // a different seed gives a different mask
        FloatArray other = zeros("y", N);
        run(java(), Dropout.FORWARD, new int[] {N}, x, other, N, p, SEED + 1);
        int differ = 0;
        for (int i = 0; i < N; i++) {
            if ((other.get(i) == 0f) != (y.get(i) == 0f)) {
                differ++;
            }
        }
        assertTrue(differ > N / 4, "masks of seeds " + SEED + " and " + (SEED + 1) + " differ in only " + differ);
    }

    @Test
    void zeroProbabilityIsAnExactCopy() {
        Random r = new Random(3);
        FloatArray x = randn("x", N, r), y = zeros("y", N);
        run(java(), Dropout.FORWARD, new int[] {N}, x, y, N, 0f, SEED);
        assertArrayEquals(x.array(), y.array());
        FloatArray dx = zeros("dx", N);
        run(java(), Dropout.BACKWARD, new int[] {N}, x, dx, N, 0f, SEED);
        assertArrayEquals(x.array(), dx.array());
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(4);
        int n = 301;
        float p = 0.25f;
        FloatArray x = randn("x", n, r), y = zeros("y", n);
        float[] g = randn("g", n, r).array();
        DoubleSupplier loss = () -> {
            run(java(), Dropout.FORWARD, new int[] {n}, x, y, n, p, SEED);
            return GradCheck.weightedSum(y.array(), g);
        };
        FloatArray dx = zeros("dx", n);
        run(java(), Dropout.BACKWARD, new int[] {n}, of("dy", g), dx, n, p, SEED);
        GradCheck.check("dropout dx", loss, x.array(), dx.array(), n, 1e-2f, 2e-3);
    }
}
