package eim.tasks.kernels;

import eim.tasks.Kernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Single-head softmax attention over all N = H·W positions of a feature map, the core of the
 * tokenizer's {@code AttnBlock}: out[c,i] = Σ_j softmax_j(Σ_c' q[c',i]·k[c',j] / √C) · v[c,j].
 * q, k, v, out are channel-major (B, C, N), as the 1x1 convolutions produce them; lse (B·N) is the
 * log-sum-exp of each query's scaled scores, saved for backward. Backward kernels accumulate.
 *
 * <p>Backward follows the usual recomputation: delta[i] = Σ_c dout[c,i]·out[c,i], then per query
 * (dq) and per key (dk, dv) the probabilities are rebuilt from lse, so no N×N matrix is stored.
 */
public final class SpatialAttention {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** range {B·N}, one query each: out, lse. Args: q, k, v, out, lse, B, C, N. */
    public static final Kernel FORWARD = Kernel.of("spatial_attention_forward", SpatialAttention::forwardPortable)
            .withFast((from, to, a) -> forwardBlocked(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.i(5), a.i(6),
                    a.i(7)))
            .withItemCost(1024); // an item attends every pixel

    /** range {B·N}: delta[i] = Σ_c dout[c,i]·out[c,i]. Args: out, dout, delta, B, C, N. */
    public static final Kernel DELTA = Kernel.of("spatial_attention_delta", SpatialAttention::delta)
            .withItemCost(64); // an item is a dot product over channels

    /** range {B·N}, one query each: dq +=. Args: q, k, v, dout, lse, delta, dq, B, C, N. */
    public static final Kernel BACKWARD_QUERY = Kernel.of("spatial_attention_backward_query", SpatialAttention::backwardQueryPortable)
            .withFast((from, to, a) -> backwardQuery(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.f(5), a.f(6), a.i(7),
                    a.i(8), a.i(9)))
            .withItemCost(1024); // an item attends every pixel

    /** range {B·N}, one key each: dk +=, dv +=. Args: q, k, v, dout, lse, delta, dk, dv, B, C, N. */
    public static final Kernel BACKWARD_KEY_VALUE = Kernel.of("spatial_attention_backward_key_value", SpatialAttention::backwardKeyValuePortable)
            .withFast((from, to, a) -> backwardKeyValue(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.f(5), a.f(6),
                    a.f(7), a.i(8), a.i(9), a.i(10)))
            .withItemCost(1024); // an item attends every pixel

    /**
     * Queries per block of {@link #forwardBlocked}: whole 6-row groups of Linear's micro-kernel in
     * the scores and whole 2-vector panels (AVX-512) in the output. Each block packs k once (C·N
     * floats) for 2·Q·C·N FLOPs of scores: 48 queries spent a third of a 512-channel attention
     * packing (103 GFLOP/s at 1x512x256, 0.63x PyTorch).
     */
    private static final int QUERY_BLOCK = 96;

    private SpatialAttention() {}

    /** The authors' score scale, int(c) ** -0.5. */
    public static float scale(int C) {
        return (float) (1.0 / Math.sqrt(C));
    }

    /**
     * The slice [from, to) of the forward, a block of up to {@value #QUERY_BLOCK} queries of one
     * sample at a time: the block's scores (queries, N) = qᵀ·k as one GEMM, a vectorised softmax per
     * row, then the output by a second GEMM in the orientation that packs less per block:
     * <ul>
     *   <li>few channels (C < 2·Q): (queries, C) = P·vᵀ, P read in place against vᵀ (N, C),
     *       transposed once per sample and packed per block (N·C floats);
     *   <li>many channels: (C, queries) = v·Pᵀ, v read in place against Pᵀ, the block's
     *       probabilities transposed (N·Q floats). At 512 channels, 16x16: 103 -> 161 GFLOP/s.
     * </ul>
     */
    static void forwardBlocked(int from, int to, float[] q, float[] k, float[] v, float[] out, float[] lse, int B,
                               int C, int N) {
        float scale = scale(C);
        boolean channelRows = C >= 2 * QUERY_BLOCK;
        float[] vT = channelRows ? null : Scratch.floats(0, N * C);
        int transposed = -1; // the sample vT holds
        for (int item = from; item < to; ) {
            int b = item / N, bo = b * C * N, i0 = item % N, rows = Math.min(QUERY_BLOCK, Math.min(to - item, N - i0));
            float[] p = Scratch.floats(1, rows * N);
            java.util.Arrays.fill(p, 0, rows * N, 0f);
            // A(i, c) = q[bo + c·N + i] for rows i = bo + i0 .. (stored from p's row 0); B = k of sample b
            Linear.accumulateProduct(q, 1, N, k, bo, p, bo + i0, bo + i0, bo + i0 + rows, C, N, 0, N);
            for (int r = 0; r < rows; r++) {
                float m = scaledMax(p, r * N, N, scale);
                float sum = expScaledShifted(p, r * N, N, scale, m);
                lse[item + r] = m + (float) Math.log(sum);
                FloatVector inv = FloatVector.broadcast(S, 1f / sum);
                int j = 0;
                for (int upper = S.loopBound(N); j < upper; j += L) {
                    FloatVector.fromArray(S, p, r * N + j).mul(inv).intoArray(p, r * N + j);
                }
                for (; j < N; j++) {
                    p[r * N + j] /= sum;
                }
            }
            float[] o = Scratch.floats(2, rows * C);
            java.util.Arrays.fill(o, 0, rows * C, 0f);
            if (channelRows) {
                float[] pT = Scratch.floats(0, N * rows);
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < N; j++) {
                        pT[j * rows + r] = p[r * N + j];
                    }
                }
                // A(c, j) = v[(b·C + c)·N + j] (rows b·C .. b·C + C of v as a (B·C, N) matrix); B = Pᵀ (N, rows)
                Linear.accumulateProduct(v, N, 1, pT, o, b * C, b * C, b * C + C, N, rows, 0, rows);
                for (int c = 0; c < C; c++) {
                    System.arraycopy(o, c * rows, out, bo + c * N + i0, rows);
                }
            } else {
                if (b != transposed) {
                    for (int c = 0; c < C; c++) {
                        for (int j = 0; j < N; j++) {
                            vT[j * C + c] = v[bo + c * N + j];
                        }
                    }
                    transposed = b;
                }
                Linear.accumulateProduct(p, N, 1, vT, o, 0, 0, rows, N, C, 0, C);
                for (int c = 0; c < C; c++) {
                    for (int r = 0; r < rows; r++) {
                        out[bo + c * N + i0 + r] = o[r * C + c];
                    }
                }
            }
            item += rows;
        }
    }

    public static void delta(int from, int to, float[] out, float[] dout, float[] delta, int B, int C, int N) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int item = from + k;
            int bo = (item / N) * C * N, i = item % N;
            float s = 0f;
            for (int c = 0; c < C; c++) {
                s += dout[bo + c * N + i] * out[bo + c * N + i];
            }
            delta[item] = s;
        }
    }

    public static void backwardQuery(int from, int to, float[] q, float[] k, float[] v, float[] dout, float[] lse,
                                     float[] delta, float[] dq, int B, int C, int N) {
        float scale = scale(C);
        float[] ds = Scratch.floats(0, N), dp = Scratch.floats(1, N);
        for (int item = from; item < to; item++) {
            int bo = (item / N) * C * N, i = item % N;
            scores(q, k, bo, i, C, N, scale, ds);
            // dp[j] = Σ_c dout[c,i]·v[c,j]: the same contraction as the scores, with (dout, v) for (q, k)
            scores(dout, v, bo, i, C, N, 1f, dp);
            float l = lse[item], d = delta[item];
            expScaledShifted(ds, 0, N, 1f, l); // (scores already scaled: × 1 is exact)
            for (int j = 0; j < N; j++) {
                ds[j] *= dp[j] - d;
            }
            for (int c = 0; c < C; c++) {
                dq[bo + c * N + i] += scale * Linear.dot(k, bo + c * N, ds, 0, N);
            }
        }
    }

    public static void backwardKeyValue(int from, int to, float[] q, float[] k, float[] v, float[] dout, float[] lse,
                                        float[] delta, float[] dk, float[] dv, int B, int C, int N) {
        float scale = scale(C);
        float[] p = Scratch.floats(0, N), ds = Scratch.floats(1, N);
        for (int item = from; item < to; item++) {
            int b = item / N, bo = b * C * N, j = item % N;
            // column j of the scores, p[i] = softmax_i row's entry for key j
            scores(k, q, bo, j, C, N, scale, p);
            scores(v, dout, bo, j, C, N, 1f, ds);
            int upper = S.loopBound(N), i = 0;
            for (; i < upper; i += L) { // p[i] = exp(p[i] - lse[i]), vectorised (Math.exp is scalar)
                FloatVector e = VectorMath.exp(FloatVector.fromArray(S, p, i).sub(FloatVector.fromArray(S, lse, b * N + i)));
                e.intoArray(p, i);
                e.mul(FloatVector.fromArray(S, ds, i).sub(FloatVector.fromArray(S, delta, b * N + i))).intoArray(ds, i);
            }
            for (; i < N; i++) {
                p[i] = (float) Math.exp(p[i] - lse[b * N + i]);
                ds[i] = p[i] * (ds[i] - delta[b * N + i]);
            }
            for (int c = 0; c < C; c++) {
                dv[bo + c * N + j] += Linear.dot(dout, bo + c * N, p, 0, N);
                dk[bo + c * N + j] += scale * Linear.dot(q, bo + c * N, ds, 0, N);
            }
        }
    }

    // ---- portable bodies (TornadoVM): one work item per query (forward, dq) or key (dk, dv),
    // scores recomputed from q and k, no scratch rows.

    /** Σ_c a[bo + c·N + i]·scale · b[bo + c·N + j]. */
    private static float score(float[] a, float[] b, int bo, int i, int j, int C, int N, float scale) {
        float s = 0f;
        for (int c = 0; c < C; c++) {
            s += a[bo + c * N + i] * scale * b[bo + c * N + j];
        }
        return s;
    }

    public static void forwardPortable(int from, int to, float[] q, float[] k, float[] v, float[] out, float[] lse,
                                       int B, int C, int N) {
        for (@Parallel int w = 0; w < to - from; w++) {
            int item = from + w;
            int bo = (item / N) * C * N, i = item % N;
            float scale = 1f / (float) Math.sqrt((float) C);
            float m = score(q, k, bo, i, 0, C, N, scale);
            for (int j = 1; j < N; j++) {
                m = Math.max(m, score(q, k, bo, i, j, C, N, scale));
            }
            float sum = 0f;
            for (int j = 0; j < N; j++) {
                sum += (float) Math.exp(score(q, k, bo, i, j, C, N, scale) - m);
            }
            float l = m + (float) Math.log(sum);
            lse[item] = l;
            for (int c = 0; c < C; c++) {
                out[bo + c * N + i] = 0f;
            }
            for (int j = 0; j < N; j++) {
                float p = (float) Math.exp(score(q, k, bo, i, j, C, N, scale) - l);
                for (int c = 0; c < C; c++) {
                    out[bo + c * N + i] += p * v[bo + c * N + j];
                }
            }
        }
    }

    public static void backwardQueryPortable(int from, int to, float[] q, float[] k, float[] v, float[] dout,
                                             float[] lse, float[] delta, float[] dq, int B, int C, int N) {
        for (@Parallel int w = 0; w < to - from; w++) {
            int item = from + w;
            int bo = (item / N) * C * N, i = item % N;
            float scale = 1f / (float) Math.sqrt((float) C);
            float l = lse[item], d = delta[item];
            for (int j = 0; j < N; j++) {
                float p = (float) Math.exp(score(q, k, bo, i, j, C, N, scale) - l);
                float ds = p * (score(dout, v, bo, i, j, C, N, 1f) - d);
                for (int c = 0; c < C; c++) {
                    dq[bo + c * N + i] += scale * ds * k[bo + c * N + j];
                }
            }
        }
    }

    public static void backwardKeyValuePortable(int from, int to, float[] q, float[] k, float[] v, float[] dout,
                                                float[] lse, float[] delta, float[] dk, float[] dv, int B, int C,
                                                int N) {
        for (@Parallel int w = 0; w < to - from; w++) {
            int item = from + w;
            int b = item / N, j = item % N, bo = b * C * N;
            float scale = 1f / (float) Math.sqrt((float) C);
            for (int i = 0; i < N; i++) {
                float p = (float) Math.exp(score(q, k, bo, i, j, C, N, scale) - lse[b * N + i]);
                float ds = p * (score(dout, v, bo, i, j, C, N, 1f) - delta[b * N + i]);
                for (int c = 0; c < C; c++) {
                    dv[bo + c * N + j] += p * dout[bo + c * N + i];
                    dk[bo + c * N + j] += scale * ds * q[bo + c * N + i];
                }
            }
        }
    }

    /** The largest of scale·s[off .. off + n). */
    private static float scaledMax(float[] s, int off, int n, float scale) {
        int upper = S.loopBound(n), j = 0;
        FloatVector m = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        for (; j < upper; j += L) {
            m = m.max(FloatVector.fromArray(S, s, off + j).mul(scale));
        }
        float r = m.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) {
            r = Math.max(r, s[off + j] * scale);
        }
        return r;
    }

    /**
     * s[off + j] = exp(scale·s[off + j] - shift) for j in [0, n), vectorised (a scalar Math.exp per
     * score was most of a forward's time); returns their sum.
     */
    private static float expScaledShifted(float[] s, int off, int n, float scale, float shift) {
        int upper = S.loopBound(n), j = 0;
        FloatVector sum = FloatVector.zero(S), sh = FloatVector.broadcast(S, shift);
        for (; j < upper; j += L) {
            FloatVector e = VectorMath.exp(FloatVector.fromArray(S, s, off + j).mul(scale).sub(sh));
            e.intoArray(s, off + j);
            sum = sum.add(e);
        }
        float r = sum.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            s[off + j] = (float) Math.exp(s[off + j] * scale - shift);
            r += s[off + j];
        }
        return r;
    }

    /** s[j] = scale · Σ_c a[c,i]·b[c,j] for all j (a, b channel-major at offset bo). */
    private static void scores(float[] a, float[] b, int bo, int i, int C, int N, float scale, float[] s) {
        java.util.Arrays.fill(s, 0, N, 0f);
        int upper = S.loopBound(N);
        for (int c = 0; c < C; c++) {
            float ai = a[bo + c * N + i] * scale;
            if (ai == 0f) {
                continue;
            }
            FloatVector av = FloatVector.broadcast(S, ai);
            int row = bo + c * N, j = 0;
            for (; j < upper; j += L) {
                av.fma(FloatVector.fromArray(S, b, row + j), FloatVector.fromArray(S, s, j)).intoArray(s, j);
            }
            for (; j < N; j++) {
                s[j] += ai * b[row + j];
            }
        }
    }
}
