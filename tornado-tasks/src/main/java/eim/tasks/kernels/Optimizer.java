package eim.tasks.kernels;

import eim.tasks.Kernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * The training update, as the authors run it: {@code torch.optim.AdamW} on every parameter, after
 * {@code torch.nn.utils.clip_grad_norm_}, followed by an EMA of the weights ({@code update_ema}).
 *
 * <p>Per step the caller (1) runs {@link #SUM_SQUARES} over every gradient, (2) turns the partial
 * sums into the clipping coefficient with {@link GradClip#coefficient}, (3) runs {@link #ADAMW_EMA_STEP}
 * per parameter with that coefficient as {@code gscale} and the bias corrections from
 * {@link #biasCorrection}, which also (4) moves the EMA towards the updated weight.
 */
public final class Optimizer {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * range {n}: one AdamW step on p (n), with gradient g (n) scaled by gscale and moments m, v (n),
     * then ema = rate·ema + (1 - rate)·p on the updated p: one pass over the five arrays instead of an
     * AdamW pass and an EMA pass (which read p again; 1.5% of S's training step). Args: p, g, m, v,
     * ema, n, lr, beta1, beta2, eps, wd, bc1, bc2, gscale, rate (bc = 1 - beta^step; lr, bc1, bc2,
     * gscale and rate float or FloatParam, the others float).
     */
    public static final Kernel ADAMW_EMA_STEP = Kernel.of("adamw_ema_step", Optimizer::adamwEmaStep)
            .withFast((from, to, a) -> adamwEmaStepFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.x(6),
                    a.x(7), a.x(8), a.x(9), a.x(10), a.x(11), a.x(12), a.x(13), a.x(14)));

    /** range {chunks}: partial[c] = Σ x² over slice c of [0, n). Args: x, partial, n, chunks. */
    public static final Kernel SUM_SQUARES = Kernel.of("sum_squares", Optimizer::sumSquares)
            .withFast((from, to, a) -> sumSquaresFast(from, to, a.f(0), a.f(1), a.i(2), a.i(3)))
            .withItemCost(1024); // a chunk is thousands of elements: shared across cores from a few chunks on

    private Optimizer() {}

    /** Adam's bias correction {@code 1 - beta^step} for the 1-based step number, as PyTorch computes it. */
    public static float biasCorrection(double beta, long step) {
        if (step < 1) {
            throw new IllegalArgumentException("AdamW step numbers start at 1, got " + step);
        }
        return (float) (1.0 - Math.pow(beta, step));
    }

    public static void adamwEmaStep(int from, int to, float[] p, float[] g, float[] m, float[] v, float[] ema, int n,
                                    float[] lr, float beta1, float beta2, float eps, float wd, float[] bc1,
                                    float[] bc2, float[] gscale, float[] rate) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            float decay = 1f - lr[0] * wd;
            float stepSize = lr[0] / bc1[0];
            float bc2Sqrt = (float) Math.sqrt(bc2[0]);
            float grad = g[i] * gscale[0];
            float mi = beta1 * m[i] + (1f - beta1) * grad;
            float vi = beta2 * v[i] + (1f - beta2) * grad * grad;
            m[i] = mi;
            v[i] = vi;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            float pi = p[i] * decay - stepSize * (mi / denom);
            p[i] = pi;
            ema[i] = rate[0] * ema[i] + (1f - rate[0]) * pi;
        }
    }

    /**
     * Fast path of {@link #ADAMW_EMA_STEP}: the portable body's operations in the same order, in
     * vectors, with the step's scalars read once (the JIT cannot hoist {@code lr[0]} out of a loop
     * that writes other float arrays, so the portable body does not vectorise on the JVM).
     */
    static void adamwEmaStepFast(int from, int to, float[] p, float[] g, float[] m, float[] v, float[] ema, float lr,
                                 float beta1, float beta2, float eps, float wd, float bc1, float bc2, float gscale,
                                 float rate) {
        float decay = 1f - lr * wd;
        float stepSize = lr / bc1;
        float bc2Sqrt = (float) Math.sqrt(bc2);
        float oneMinusBeta1 = 1f - beta1, oneMinusBeta2 = 1f - beta2, keep = 1f - rate;
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
            FloatVector grad = FloatVector.fromArray(S, g, i).mul(gscale);
            FloatVector mi = FloatVector.fromArray(S, m, i).mul(beta1).add(grad.mul(oneMinusBeta1));
            FloatVector vi = FloatVector.fromArray(S, v, i).mul(beta2).add(grad.mul(oneMinusBeta2).mul(grad));
            mi.intoArray(m, i);
            vi.intoArray(v, i);
            FloatVector denom = vi.sqrt().div(bc2Sqrt).add(eps);
            FloatVector pi = FloatVector.fromArray(S, p, i).mul(decay).sub(mi.div(denom).mul(stepSize));
            pi.intoArray(p, i);
            FloatVector.fromArray(S, ema, i).mul(rate).add(pi.mul(keep)).intoArray(ema, i);
        }
        for (; i < to; i++) {
            float grad = g[i] * gscale;
            float mi = beta1 * m[i] + oneMinusBeta1 * grad;
            float vi = beta2 * v[i] + oneMinusBeta2 * grad * grad;
            m[i] = mi;
            v[i] = vi;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            float pi = p[i] * decay - stepSize * (mi / denom);
            p[i] = pi;
            ema[i] = rate * ema[i] + keep * pi;
        }
    }

    /** Portable body of {@link #SUM_SQUARES}: one sequential Kahan-compensated sum per chunk. */
    public static void sumSquares(int from, int to, float[] x, float[] partial, int n, int chunks) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int c = from + k;
            int lo = (int) ((long) n * c / chunks);
            int hi = (int) ((long) n * (c + 1) / chunks);
            float sum = 0f;
            float comp = 0f;
            for (int i = lo; i < hi; i++) {
                float y = x[i] * x[i] - comp;
                float t = sum + y;
                comp = (t - sum) - y;
                sum = t;
            }
            partial[c] = sum - comp;
        }
    }

    /**
     * Fast path of {@link #SUM_SQUARES}: Kahan compensation per vector lane, four chunks a quarter
     * of the slice apart at a time: one sequential read per core leaves memory bandwidth unused
     * (151M floats on 2 Zen 4 cores: 29-31 ms one stream each, 14-18 ms four; S's gradient norm in
     * its training step 24 -> 19 ms, its gradients being many small arrays). Each chunk's sum is the
     * one it has alone.
     */
    static void sumSquaresFast(int from, int to, float[] x, float[] partial, int n, int chunks) {
        int q = (to - from) / 4;
        float[] state = Scratch.floats(0, 16 * S.length());
        for (int j = 0; j < q; j++) {
            int c0 = from + j, c1 = c0 + q, c2 = c1 + q, c3 = c2 + q;
            compensatedSumSquares4(x, chunkStart(n, chunks, c0), chunkStart(n, chunks, c0 + 1),
                    chunkStart(n, chunks, c1), chunkStart(n, chunks, c1 + 1), chunkStart(n, chunks, c2),
                    chunkStart(n, chunks, c2 + 1), chunkStart(n, chunks, c3), chunkStart(n, chunks, c3 + 1), partial,
                    c0, c1, c2, c3, state);
        }
        for (int c = from + 4 * q; c < to; c++) {
            partial[c] = compensatedSumSquares(x, chunkStart(n, chunks, c), chunkStart(n, chunks, c + 1), state);
        }
    }

    /** Where chunk c of [0, n) in {@code chunks} starts (as {@link #sumSquares} splits it). */
    private static int chunkStart(int n, int chunks, int c) {
        return (int) ((long) n * c / chunks);
    }

    /**
     * partial[p0..p3] = {@link #compensatedSumSquares} of [lo0, hi0) .. [lo3, hi3): the four loops in
     * step while all have whole steps left, each finished alone (with the same operations in the
     * same order as one chunk's loop) from its sums saved in {@code state} (16 vectors): vectors
     * passed to a method that is not inlined are boxed, 3-4x slower.
     */
    private static void compensatedSumSquares4(float[] x, int lo0, int hi0, int lo1, int hi1, int lo2, int hi2, int lo3,
                                               int hi3, float[] partial, int p0, int p1, int p2, int p3,
                                               float[] state) {
        int step = 2 * S.length();
        int steps = Math.min(Math.min((hi0 - lo0) / step, (hi1 - lo1) / step),
                Math.min((hi2 - lo2) / step, (hi3 - lo3) / step));
        FloatVector z = FloatVector.zero(S);
        FloatVector s00 = z, k00 = z, s01 = z, k01 = z, s10 = z, k10 = z, s11 = z, k11 = z;
        FloatVector s20 = z, k20 = z, s21 = z, k21 = z, s30 = z, k30 = z, s31 = z, k31 = z;
        for (int j = 0, o = 0; j < steps; j++, o += step) {
            FloatVector a = FloatVector.fromArray(S, x, lo0 + o), b = FloatVector.fromArray(S, x, lo0 + o + S.length());
            FloatVector ya = a.mul(a).sub(k00), yb = b.mul(b).sub(k01);
            FloatVector ta = s00.add(ya), tb = s01.add(yb);
            k00 = ta.sub(s00).sub(ya);
            k01 = tb.sub(s01).sub(yb);
            s00 = ta;
            s01 = tb;
            a = FloatVector.fromArray(S, x, lo1 + o);
            b = FloatVector.fromArray(S, x, lo1 + o + S.length());
            ya = a.mul(a).sub(k10);
            yb = b.mul(b).sub(k11);
            ta = s10.add(ya);
            tb = s11.add(yb);
            k10 = ta.sub(s10).sub(ya);
            k11 = tb.sub(s11).sub(yb);
            s10 = ta;
            s11 = tb;
            a = FloatVector.fromArray(S, x, lo2 + o);
            b = FloatVector.fromArray(S, x, lo2 + o + S.length());
            ya = a.mul(a).sub(k20);
            yb = b.mul(b).sub(k21);
            ta = s20.add(ya);
            tb = s21.add(yb);
            k20 = ta.sub(s20).sub(ya);
            k21 = tb.sub(s21).sub(yb);
            s20 = ta;
            s21 = tb;
            a = FloatVector.fromArray(S, x, lo3 + o);
            b = FloatVector.fromArray(S, x, lo3 + o + S.length());
            ya = a.mul(a).sub(k30);
            yb = b.mul(b).sub(k31);
            ta = s30.add(ya);
            tb = s31.add(yb);
            k30 = ta.sub(s30).sub(ya);
            k31 = tb.sub(s31).sub(yb);
            s30 = ta;
            s31 = tb;
        }
        int done = steps * step, v = S.length();
        s00.intoArray(state, 0);
        k00.intoArray(state, v);
        s01.intoArray(state, 2 * v);
        k01.intoArray(state, 3 * v);
        s10.intoArray(state, 4 * v);
        k10.intoArray(state, 5 * v);
        s11.intoArray(state, 6 * v);
        k11.intoArray(state, 7 * v);
        s20.intoArray(state, 8 * v);
        k20.intoArray(state, 9 * v);
        s21.intoArray(state, 10 * v);
        k21.intoArray(state, 11 * v);
        s30.intoArray(state, 12 * v);
        k30.intoArray(state, 13 * v);
        s31.intoArray(state, 14 * v);
        k31.intoArray(state, 15 * v);
        partial[p0] = finishSumSquares(x, lo0 + done, lo0, hi0, state, 0);
        partial[p1] = finishSumSquares(x, lo1 + done, lo1, hi1, state, 4 * v);
        partial[p2] = finishSumSquares(x, lo2 + done, lo2, hi2, state, 8 * v);
        partial[p3] = finishSumSquares(x, lo3 + done, lo3, hi3, state, 12 * v);
    }

    /**
     * Σ x[i]² over [lo, hi) with Kahan compensation in each vector lane: the error stays near one
     * rounding whatever the length, so the portable body (compensated, sequential) agrees to 1e-6.
     */
    static float compensatedSumSquares(float[] x, int lo, int hi) {
        // two independent compensated sums (even and odd vectors) halve the add latency chain
        return compensatedSumSquares(x, lo, hi, new float[4 * S.length()]);
    }

    /** {@link #compensatedSumSquares} with its four vectors of sums in {@code state}, zeroed here. */
    private static float compensatedSumSquares(float[] x, int lo, int hi, float[] state) {
        java.util.Arrays.fill(state, 0, 4 * S.length(), 0f);
        return finishSumSquares(x, lo, lo, hi, state, 0);
    }

    /**
     * {@link #compensatedSumSquares} of [lo, hi) continued from position i (lo + a whole number of
     * steps) with the two compensated sums so far: sum0, comp0, sum1, comp1 at state[off], a vector
     * apart.
     */
    private static float finishSumSquares(float[] x, int i, int lo, int hi, float[] state, int off) {
        int v = S.length();
        FloatVector sum0 = FloatVector.fromArray(S, state, off), comp0 = FloatVector.fromArray(S, state, off + v);
        FloatVector sum1 = FloatVector.fromArray(S, state, off + 2 * v), comp1 = FloatVector.fromArray(S, state, off + 3 * v);
        int step = 2 * S.length();
        for (int upper = lo + (hi - lo) / step * step; i < upper; i += step) {
            FloatVector x0 = FloatVector.fromArray(S, x, i);
            FloatVector x1 = FloatVector.fromArray(S, x, i + S.length());
            FloatVector y0 = x0.mul(x0).sub(comp0);
            FloatVector y1 = x1.mul(x1).sub(comp1);
            FloatVector t0 = sum0.add(y0);
            FloatVector t1 = sum1.add(y1);
            comp0 = t0.sub(sum0).sub(y0);
            comp1 = t1.sub(sum1).sub(y1);
            sum0 = t0;
            sum1 = t1;
        }
        double total = 0;
        for (int lane = 0; lane < S.length(); lane++) {
            total += (double) sum0.lane(lane) - comp0.lane(lane) + ((double) sum1.lane(lane) - comp1.lane(lane));
        }
        for (; i < hi; i++) {
            total += (double) x[i] * x[i];
        }
        return (float) total;
    }
}
