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
        // a seed with an element offset (a data-parallel shard's)
        assertParity(Dropout.FORWARD, new int[] {n}, randn("x", n, r), zeros("y", n), n, 0.3f, IntParam.of(-77, 12345));
        assertParity(Dropout.BACKWARD, new int[] {n}, randn("dy", n, r), randn("dx", n, r), n, 0.3f,
                IntParam.of(-77, 12345));
    }

    /**
     * A shard holding elements [lo, n) of a tensor, with the element offset lo in seed[1], draws
     * exactly the masks the whole tensor has there (on every backend), and a 1-element seed is
     * offset 0.
     */
    @Test
    void shardWithOffsetDrawsTheWholeTensorsMasks() {
        Random r = new Random(6);
        int n = 4099, lo = 1537;
        float p = 0.3f;
        FloatArray x = randn("x", n, r), dy = randn("dy", n, r);
        FloatArray whole = zeros("y", n), wholeDx = zeros("dx", n);
        run(java(), Dropout.FORWARD, new int[] {n}, x, whole, n, p, SEED);
        run(java(), Dropout.BACKWARD, new int[] {n}, dy, wholeDx, n, p, SEED);
        FloatArray xs = of("xs", java.util.Arrays.copyOfRange(x.array(), lo, n));
        FloatArray dys = of("dys", java.util.Arrays.copyOfRange(dy.array(), lo, n));
        int m = n - lo;
        for (eim.tasks.Device b : devices()) {
            FloatArray ys = zeros("ys", m), dxs = zeros("dxs", m);
            run(b, Dropout.FORWARD, new int[] {m}, xs, ys, m, p, IntParam.of(SEED, lo));
            run(b, Dropout.BACKWARD, new int[] {m}, dys, dxs, m, p, IntParam.of(SEED, lo));
            assertArrayEquals(java.util.Arrays.copyOfRange(whole.array(), lo, n), ys.array(), b.name() + " forward");
            assertArrayEquals(java.util.Arrays.copyOfRange(wholeDx.array(), lo, n), dxs.array(), b.name() + " backward");
        }
        FloatArray one = zeros("y1", n), two = zeros("y2", n);
        run(java(), Dropout.FORWARD, new int[] {n}, x, one, n, p, new IntParam(SEED));
        run(java(), Dropout.FORWARD, new int[] {n}, x, two, n, p, IntParam.of(SEED, 0));
        assertArrayEquals(one.array(), two.array(), "a 1-element seed has offset 0");
        assertArrayEquals(whole.array(), one.array());
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
