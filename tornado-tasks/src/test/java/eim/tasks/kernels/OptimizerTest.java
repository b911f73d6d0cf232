package eim.tasks.kernels;

import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import eim.tasks.Device;
import eim.tasks.FloatArray;
import eim.tasks.FloatParam;
import eim.tasks.testing.Golden;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class OptimizerTest {
    static final int N = 1037; // not a multiple of the vector length: exercises the tails

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        FloatArray p = randn("p", N, r), g = randn("g", N, r), m = randn("m", N, r);
        FloatArray v = randn("v", N, r);
        for (int i = 0; i < N; i++) {
            v.set(i, Math.abs(v.get(i))); // second moments are non-negative
        }
        float bc1 = Optimizer.biasCorrection(0.9, 3), bc2 = Optimizer.biasCorrection(0.95, 3);
        assertParity(Optimizer.ADAMW_EMA_STEP, new int[] {N}, p, g, m, v, randn("ema", N, r), N, 1e-2f, 0.9f, 0.95f,
                1e-8f, 0.02f, bc1, bc2, 0.25f, 0.999f);
        assertParity(Optimizer.SUM_SQUARES, new int[] {7}, randn("x", N, r), zeros("partial", 7), N, 7);
        // the values that change between steps as params (lr, bc1, bc2, gscale, EMA rate)
        assertParity(Optimizer.ADAMW_EMA_STEP, new int[] {N}, p, g, m, v, randn("ema", N, r), N, new FloatParam(3e-3f),
                0.9f, 0.95f, 1e-8f, 0.02f, new FloatParam(bc1), new FloatParam(bc2), new FloatParam(0.5f),
                new FloatParam(0.99f));
        assertParity(Optimizer.SUM_SQUARES, new int[] {3}, randn("x", 5, r), zeros("partial", 3), 5, 3);
    }

    @Test
    void sumSquaresSlicesCoverEveryElementOnce() {
        Random r = new Random(3);
        FloatArray x = randn("x", N, r);
        int chunks = 10;
        FloatArray partial = zeros("partial", chunks);
        run(java(), Optimizer.SUM_SQUARES, new int[] {chunks}, x, partial, N, chunks);
        double expected = 0;
        for (float xi : x.array()) {
            expected += (double) xi * xi;
        }
        assertEquals(Math.sqrt(expected), GradClip.globalNorm(partial.array()), 1e-5 * Math.sqrt(expected));
        // more chunks than elements: empty slices contribute 0
        FloatArray many = zeros("many", 5);
        run(java(), Optimizer.SUM_SQUARES, new int[] {5}, new FloatArray("x3", new float[] {1, 2, 3}), many, 3, 5);
        assertEquals(14.0, GradClip.globalNorm(many.array()) * GradClip.globalNorm(many.array()), 1e-5);
    }

    /**
     * The fast path sums four chunks at a time, in step: each chunk's sum is bit for bit the one it
     * has summed alone, whatever the slice (chunks of unequal lengths, slices not a multiple of 4).
     */
    @Test
    void fourChunksInStepSumAsEachAlone() {
        Random r = new Random(5);
        int n = 40_009;
        FloatArray x = randn("x", n, r);
        for (int chunks : new int[] {1, 3, 4, 9, 37}) {
            for (int[] slice : new int[][] {{0, chunks}, {1, chunks}, {0, chunks - 1}}) {
                int from = slice[0], to = Math.max(from, slice[1]);
                float[] partial = new float[chunks];
                Optimizer.sumSquaresFast(from, to, x.array(), partial, n, chunks);
                for (int c = from; c < to; c++) {
                    float alone = Optimizer.compensatedSumSquares(x.array(), (int) ((long) n * c / chunks),
                            (int) ((long) n * (c + 1) / chunks));
                    assertEquals(Float.floatToIntBits(alone), Float.floatToIntBits(partial[c]),
                            chunks + " chunks, slice [" + from + ", " + to + "), chunk " + c);
                }
            }
        }
    }

    @Test
    void clipCoefficientShrinksOnlyLargeNorms() {
        assertEquals(1f, GradClip.coefficient(2.0, 3.0));
        assertEquals(3.0 / (6.0 + 1e-6), GradClip.coefficient(6.0, 3.0), 1e-7);
    }

    /** clip_grad_norm_(3.0) + AdamW (two groups) + update_ema for four steps, against PyTorch. */
    @Test
    void matchesPyTorchTrainingUpdate() {
        Golden gold = Golden.load("optimizer");
        for (Device device : devices()) {
            replayTrainingSteps(gold, device);
        }
    }

    private static void replayTrainingSteps(Golden gold, Device device) {
        int steps = gold.integer("steps");
        float lr = gold.scalar("lr"), beta1 = gold.scalar("beta1"), beta2 = gold.scalar("beta2");
        float eps = gold.scalar("eps"), wd = gold.scalar("wd"), maxNorm = gold.scalar("max_norm");
        float rate = gold.scalar("rate");
        Param w = new Param("w", gold.f("init_w"), wd), b = new Param("b", gold.f("init_b"), 0f);
        float[] gradW = gold.f("grad_w"), gradB = gold.f("grad_b");
        String where = " on " + device.info().id();
        for (int s = 0; s < steps; s++) {
            w.grad.copyFrom(Arrays.copyOfRange(gradW, s * w.n, (s + 1) * w.n));
            b.grad.copyFrom(Arrays.copyOfRange(gradB, s * b.n, (s + 1) * b.n));
            w.sumSquares(device);
            b.sumSquares(device);
            double norm = GradClip.globalNorm(w.partial.array(), b.partial.array());
            assertEquals(gold.f("norm")[s], norm, 1e-5 * norm, "grad norm at step " + (s + 1) + where);
            float gscale = GradClip.coefficient(norm, maxNorm);
            float bc1 = Optimizer.biasCorrection(beta1, s + 1), bc2 = Optimizer.biasCorrection(beta2, s + 1);
            for (Param p : new Param[] {w, b}) {
                run(device, Optimizer.ADAMW_EMA_STEP, new int[] {p.n}, p.value, p.grad, p.m, p.v, p.ema, p.n, lr, beta1,
                        beta2, eps, p.wd, bc1, bc2, gscale, rate);
            }
            Golden.assertMatches("w after step " + (s + 1) + where, w.value.array(), slice(gold.f("w"), s, w.n), 1e-5);
            Golden.assertMatches("b after step " + (s + 1) + where, b.value.array(), slice(gold.f("b"), s, b.n), 1e-5);
            Golden.assertMatches("ema w after step " + (s + 1) + where, w.ema.array(), slice(gold.f("ema_w"), s, w.n), 1e-5);
            Golden.assertMatches("ema b after step " + (s + 1) + where, b.ema.array(), slice(gold.f("ema_b"), s, b.n), 1e-5);
        }
        Golden.assertMatches("m w" + where, w.m.array(), gold.f("m_w"), 1e-5);
        Golden.assertMatches("v w" + where, w.v.array(), gold.f("v_w"), 1e-5);
        Golden.assertMatches("m b" + where, b.m.array(), gold.f("m_b"), 1e-5);
        Golden.assertMatches("v b" + where, b.v.array(), gold.f("v_b"), 1e-5);
    }

    private static float[] slice(float[] stacked, int step, int n) {
        return Arrays.copyOfRange(stacked, step * n, (step + 1) * n);
    }

    /** One parameter tensor with its gradient, Adam moments, EMA copy and norm partial sums. */
    private static final class Param {
        static final int CHUNKS = 3;
        final int n;
        final float wd;
        final FloatArray value, grad, m, v, ema, partial;

        Param(String name, float[] init, float wd) {
            this.n = init.length;
            this.wd = wd;
            this.value = new FloatArray(name, init.clone());
            this.grad = zeros(name + ".grad", n);
            this.m = zeros(name + ".m", n);
            this.v = zeros(name + ".v", n);
            this.ema = new FloatArray(name + ".ema", init.clone());
            this.partial = zeros(name + ".partial", CHUNKS);
        }

        void sumSquares(Device device) {
            run(device, Optimizer.SUM_SQUARES, new int[] {CHUNKS}, grad, partial, n, CHUNKS);
        }
    }
}
