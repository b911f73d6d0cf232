package eim.tasks.kernels;

import eim.tasks.Kernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import eim.tasks.kernels.AttentionHeads.Dropout;
import eim.tasks.kernels.AttentionHeads.HeadRows;

/**
 * Multi-head cross-attention of the generator's blocks (the authors' {@code MaskedAttentionCrossRoPE}):
 * queries from the L image tokens of a sample attend, unmasked, the S buffer tokens of the same
 * sample. RoPE is applied to q beforehand by the model (only q is rotated).
 *
 * <p>Shapes, D = H·hd, all head-major: q (B·L, D), k and v (B·S, D), out (B·L, D) before the proj
 * Linear; lse and delta (B·L·H) indexed row·H + h ({@code delta} from
 * {@link WindowedCausalAttention#DELTA}). Scale 1/sqrt(hd). Dropout on the probabilities:
 * keep(b,h,i,s) = Rng.uniform(seed, ((b·H+h)·L+i)·S+s) ≥ dropP, kept scaled 1/(1−dropP). A seed
 * IntParam with a second slot ({@code IntParam.of(seed, lo)}) numbers the samples from lo, so that a
 * data-parallel shard holding samples [lo, lo+B) of a batch draws exactly the whole batch's masks
 * there; a one-slot seed (or a plain int) is offset 0.
 */
public final class CrossAttention {

    /** range {B·L, H}: out, lse. Args: q, k, v, out, lse, B, L, S, H, hd, dropP, seed (int or IntParam). */
    public static final Kernel FORWARD = Kernel.of("cross_attention_forward", CrossAttention::forward)
            .withFast((from, to, a) -> forwardFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.i(6), a.i(7),
                    a.i(8), a.i(9), new Dropout(a.x(10), a.i(11), a.i(11, 1))))
            .withItemCost(256); // an item attends a whole sequence over a head

    /** range {B·L, H}: dq +=. Args: q, k, v, dout, lse, delta, dq, B, L, S, H, hd, dropP, seed (int or IntParam). */
    public static final Kernel BACKWARD_QUERY = Kernel.of("cross_attention_backward_query", CrossAttention::backwardQuery)
            .withFast((from, to, a) -> backwardQueryFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.f(5),
                    a.f(6), a.i(8), a.i(9), a.i(10), a.i(11), new Dropout(a.x(12), a.i(13), a.i(13, 1))))
            .withItemCost(256); // an item attends a whole sequence over a head

    /**
     * range {B·S, H}: dk +=, dv += for buffer token s, over the L queries of its sample.
     * Args: q, k, v, dout, lse, delta, dk, dv, B, L, S, H, hd, dropP, seed (int or IntParam).
     */
    public static final Kernel BACKWARD_KV = Kernel.of("cross_attention_backward_kv", CrossAttention::backwardKv)
            .withFast((from, to, a) -> backwardKvFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.f(5), a.f(6),
                    a.f(7), a.i(9), a.i(10), a.i(11), a.i(12), new Dropout(a.x(13), a.i(14), a.i(14, 1))))
            .withItemCost(256); // an item attends a whole sequence over a head

    private CrossAttention() {}

    // ---- Fast paths (java backend): one (sample, head) block at a time, scores across keys in vector lanes ----
    //
    // A block's S keys (or, for the key gradients, its L queries) are transposed once into scratch,
    // d-major and zero-padded to whole vectors, and reused by every row of the slice in that sample:
    // a query's S scores are then hd broadcast FMAs, its softmax a vector exp, and its output S
    // broadcast FMAs per vector of hd. Per (row, head) this replaced S dot products reduced across
    // lanes and 2S scalar exps (small preset, batch 32: 79 ms of the training step, 10 GFLOP/s).

    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SP.length();
    /** Int lanes as many as SP's float lanes, for the dropout hash. */
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, SP.vectorShape());
    /** Scratch slots: the block's transposed rows (two operands), and a row's vectors of scores. */
    private static final int T_A = 0, T_B = 1, ROW = Scratch.ATTENTION_SCORES;

    /** n rounded up to whole vectors. */
    private static int padded(int n) {
        return (n + LANES - 1) / LANES * LANES;
    }

    /**
     * dst[d·P + j] = src[base + j·D + d] for j < n (one head's n rows, transposed), 0 for n <= j < P.
     */
    private static void transposeHead(float[] src, int base, int D, int n, int hd, float[] dst, int P) {
        BlockTranspose.transpose(src, base, D, dst, 0, P, n, hd, null, 0);
        if (n < P) {
            for (int d = 0; d < hd; d++) {
                java.util.Arrays.fill(dst, d * P + n, (d + 1) * P, 0f);
            }
        }
    }

    /** out[c .. c+P) = scale · Σ_d x[xo + d] · t[d·P + c ..]: x's dot products with the P transposed rows. */
    private static void dots(float[] x, int xo, float[] t, int P, int hd, float scale, float[] out, int oo) {
        for (int c = 0; c < P; c += LANES) {
            // four accumulators: one FMA chain would wait on its latency at every d
            FloatVector a0 = FloatVector.zero(SP), a1 = a0, a2 = a0, a3 = a0;
            int d = 0;
            for (; d + 3 < hd; d += 4) {
                a0 = FloatVector.broadcast(SP, x[xo + d]).fma(FloatVector.fromArray(SP, t, d * P + c), a0);
                a1 = FloatVector.broadcast(SP, x[xo + d + 1]).fma(FloatVector.fromArray(SP, t, (d + 1) * P + c), a1);
                a2 = FloatVector.broadcast(SP, x[xo + d + 2]).fma(FloatVector.fromArray(SP, t, (d + 2) * P + c), a2);
                a3 = FloatVector.broadcast(SP, x[xo + d + 3]).fma(FloatVector.fromArray(SP, t, (d + 3) * P + c), a3);
            }
            for (; d < hd; d++) {
                a0 = FloatVector.broadcast(SP, x[xo + d]).fma(FloatVector.fromArray(SP, t, d * P + c), a0);
            }
            a0.add(a1).add(a2.add(a3)).mul(scale).intoArray(out, oo + c);
        }
    }

    /** y[yo .. yo+hd) (+)= Σ_{j<n} w[wo + j] · x[xb + j·D ..]: a weighted sum of n rows of one head. */
    private static void weightedRows(float[] w, int wo, int n, float[] x, int xb, int D, int hd, float[] y, int yo,
                                     boolean accumulate) {
        int d = 0;
        // four vectors of hd at a time: the FMAs of one row j are independent, where one vector's
        // chain over j would wait on the FMA latency at every row (hd 64: 2.5x slower)
        for (; d + 4 * LANES <= hd; d += 4 * LANES) {
            FloatVector a0, a1, a2, a3;
            if (accumulate) {
                a0 = FloatVector.fromArray(SP, y, yo + d);
                a1 = FloatVector.fromArray(SP, y, yo + d + LANES);
                a2 = FloatVector.fromArray(SP, y, yo + d + 2 * LANES);
                a3 = FloatVector.fromArray(SP, y, yo + d + 3 * LANES);
            } else {
                a0 = a1 = a2 = a3 = FloatVector.zero(SP);
            }
            for (int j = 0; j < n; j++) {
                FloatVector wj = FloatVector.broadcast(SP, w[wo + j]);
                int xj = xb + j * D + d;
                a0 = wj.fma(FloatVector.fromArray(SP, x, xj), a0);
                a1 = wj.fma(FloatVector.fromArray(SP, x, xj + LANES), a1);
                a2 = wj.fma(FloatVector.fromArray(SP, x, xj + 2 * LANES), a2);
                a3 = wj.fma(FloatVector.fromArray(SP, x, xj + 3 * LANES), a3);
            }
            a0.intoArray(y, yo + d);
            a1.intoArray(y, yo + d + LANES);
            a2.intoArray(y, yo + d + 2 * LANES);
            a3.intoArray(y, yo + d + 3 * LANES);
        }
        for (int upper = SP.loopBound(hd); d < upper; d += LANES) {
            FloatVector acc = accumulate ? FloatVector.fromArray(SP, y, yo + d) : FloatVector.zero(SP);
            for (int j = 0; j < n; j++) {
                acc = FloatVector.broadcast(SP, w[wo + j]).fma(FloatVector.fromArray(SP, x, xb + j * D + d), acc);
            }
            acc.intoArray(y, yo + d);
        }
        for (; d < hd; d++) {
            float acc = accumulate ? y[yo + d] : 0f;
            for (int j = 0; j < n; j++) {
                acc += w[wo + j] * x[xb + j * D + d];
            }
            y[yo + d] = acc;
        }
    }

    /**
     * Below this many queries per sample the forward goes query by query ({@link #forwardByQuery}): a
     * decoding step's one query per sample would pay a block's transpose alone. Chosen by L, not by
     * the slice, so that a row's result does not depend on how a launch is split.
     */
    private static final int MIN_BLOCK_QUERIES = 4;

    static void forwardFast(int from, int to, float[] q, float[] k, float[] v, float[] out, float[] lse, int L,
                            int S, int H, int hd, Dropout drop) {
        if (L < MIN_BLOCK_QUERIES) {
            forwardByQuery(from, to, q, k, v, out, lse, L, S, H, hd, drop);
            return;
        }
        int D = H * hd, P = padded(S);
        float scale = AttentionHeads.scale(hd);
        float[] kT = Scratch.floats(T_A, hd * P), row = Scratch.floats(ROW, 3 * P);
        int sc = 0, fc = P, pc = 2 * P; // the row's scores, dropout factors, weights
        for (int b = from / L; b * L < to; b++) {
            int r0 = Math.max(from, b * L), r1 = Math.min(to, (b + 1) * L);
            for (int h = 0; h < H; h++) {
                int kv = b * S * D + h * hd;
                transposeHead(k, kv, D, S, hd, kT, P);
                for (int r = r0; r < r1; r++) {
                    int o = r * D + h * hd;
                    dots(q, o, kT, P, hd, scale, row, sc);
                    java.util.Arrays.fill(row, sc + S, sc + P, Float.NEGATIVE_INFINITY); // padding: exp gives 0
                    float max = Float.NEGATIVE_INFINITY;
                    for (int c = 0; c < P; c += LANES) {
                        max = Math.max(max, FloatVector.fromArray(SP, row, sc + c).reduceLanes(VectorOperators.MAX));
                    }
                    float sum = 0f;
                    for (int c = 0; c < P; c += LANES) {
                        sum += FloatVector.fromArray(SP, row, sc + c).sub(max).lanewise(VectorOperators.EXP)
                                .reduceLanes(VectorOperators.ADD);
                    }
                    float l = max + (float) Math.log(sum);
                    lse[r * H + h] = l;
                    dropFactors(drop, AttentionHeads.dropIndex((b + drop.sampleOffset()) * H + h, L, r - b * L, S, 0),
                            1, S, P, row, fc);
                    for (int c = 0; c < P; c += LANES) {
                        FloatVector.fromArray(SP, row, sc + c).sub(l).lanewise(VectorOperators.EXP)
                                .mul(FloatVector.fromArray(SP, row, fc + c)).intoArray(row, pc + c);
                    }
                    weightedRows(row, pc, S, v, kv, D, hd, out, o, false);
                }
            }
        }
    }

    /** {@link #forwardFast} one (query, head) at a time: dot products along hd (few queries per sample). */
    static void forwardByQuery(int from, int to, float[] q, float[] k, float[] v, float[] out, float[] lse, int L,
                               int S, int H, int hd, Dropout drop) {
        int D = H * hd;
        float scale = AttentionHeads.scale(hd);
        for (int row = from; row < to; row++) {
            int b = row / L, i = row % L;
            for (int h = 0; h < H; h++) {
                int o = row * D + h * hd;
                lse[row * H + h] = AttentionHeads.forward(q, o, new HeadRows(k, b * S * D + h * hd, D),
                        new HeadRows(v, b * S * D + h * hd, D), 0, S - 1, scale, out, o, hd, drop,
                        AttentionHeads.dropIndex((b + drop.sampleOffset()) * H + h, L, i, S, 0));
            }
        }
    }

    /**
     * f[fo + j] = the dropout factor of draw base + j·stride for j < n, 0 for n <= j < P, the draws by
     * {@link VectorMath#uniform}.
     */
    private static void dropFactors(Dropout drop, int base, int stride, int n, int P, float[] f, int fo) {
        if (drop.p() == 0f) {
            java.util.Arrays.fill(f, fo, fo + n, 1f);
            java.util.Arrays.fill(f, fo + n, fo + P, 0f);
            return;
        }
        FloatVector keep = FloatVector.broadcast(SP, 1f / (1f - drop.p())), zero = FloatVector.zero(SP);
        IntVector lane = IntVector.zero(IS).addIndex(1);
        for (int c = 0; c < P; c += LANES) {
            FloatVector u = VectorMath.uniform(drop.seed(), lane.add(c).mul(stride).add(base));
            VectorMask<Float> kept = u.compare(VectorOperators.GE, drop.p()).and(SP.indexInRange(c, n));
            zero.blend(keep, kept).intoArray(f, fo + c);
        }
    }

    static void backwardQueryFast(int from, int to, float[] q, float[] k, float[] v, float[] dout, float[] lse,
                                  float[] delta, float[] dq, int L, int S, int H, int hd, Dropout drop) {
        int D = H * hd, P = padded(S);
        float scale = AttentionHeads.scale(hd);
        float[] kT = Scratch.floats(T_A, hd * P), vT = Scratch.floats(T_B, hd * P), row = Scratch.floats(ROW, 4 * P);
        int sc = 0, dc = P, fc = 2 * P, gc = 3 * P; // scores, dout·v, dropout factors, dS
        for (int b = from / L; b * L < to; b++) {
            int r0 = Math.max(from, b * L), r1 = Math.min(to, (b + 1) * L);
            for (int h = 0; h < H; h++) {
                int kv = b * S * D + h * hd;
                transposeHead(k, kv, D, S, hd, kT, P);
                transposeHead(v, kv, D, S, hd, vT, P);
                for (int r = r0; r < r1; r++) {
                    int o = r * D + h * hd;
                    float l = lse[r * H + h], dl = delta[r * H + h];
                    dots(q, o, kT, P, hd, scale, row, sc);
                    dots(dout, o, vT, P, hd, 1f, row, dc);
                    dropFactors(drop, AttentionHeads.dropIndex((b + drop.sampleOffset()) * H + h, L, r - b * L, S, 0),
                            1, S, P, row, fc);
                    // dS_j = P_j (F_j dout·v_j − δ), times scale for dq
                    for (int c = 0; c < P; c += LANES) {
                        FloatVector p = FloatVector.fromArray(SP, row, sc + c).sub(l).lanewise(VectorOperators.EXP);
                        FloatVector dp = FloatVector.fromArray(SP, row, fc + c).mul(FloatVector.fromArray(SP, row, dc + c));
                        p.mul(dp.sub(dl)).mul(scale).intoArray(row, gc + c);
                    }
                    weightedRows(row, gc, S, k, kv, D, hd, dq, o, true);
                }
            }
        }
    }

    static void backwardKvFast(int from, int to, float[] q, float[] k, float[] v, float[] dout, float[] lse,
                               float[] delta, float[] dk, float[] dv, int L, int S, int H, int hd, Dropout drop) {
        int D = H * hd, P = padded(L);
        float scale = AttentionHeads.scale(hd);
        float[] qT = Scratch.floats(T_A, hd * P), doT = Scratch.floats(T_B, hd * P), row = Scratch.floats(ROW, 7 * P);
        int sc = 0, dc = P, fc = 2 * P, gc = 3 * P, pc = 4 * P, lc = 5 * P, ec = 6 * P; // + lse, delta of the queries
        for (int b = from / S; b * S < to; b++) {
            int r0 = Math.max(from, b * S), r1 = Math.min(to, (b + 1) * S);
            for (int h = 0; h < H; h++) {
                int qb = b * L * D + h * hd;
                transposeHead(q, qb, D, L, hd, qT, P);
                transposeHead(dout, qb, D, L, hd, doT, P);
                for (int i = 0; i < L; i++) {
                    row[lc + i] = lse[(b * L + i) * H + h];
                    row[ec + i] = delta[(b * L + i) * H + h];
                }
                java.util.Arrays.fill(row, lc + L, lc + P, Float.POSITIVE_INFINITY); // padding: P = exp(-inf) = 0
                java.util.Arrays.fill(row, ec + L, ec + P, 0f);
                for (int r = r0; r < r1; r++) {
                    int o = r * D + h * hd;
                    dots(k, o, qT, P, hd, scale, row, sc);
                    dots(v, o, doT, P, hd, 1f, row, dc);
                    dropFactors(drop, AttentionHeads.dropIndex((b + drop.sampleOffset()) * H + h, L, 0, S, r - b * S), S,
                            L, P, row, fc);
                    for (int c = 0; c < P; c += LANES) {
                        FloatVector p = FloatVector.fromArray(SP, row, sc + c).sub(FloatVector.fromArray(SP, row, lc + c))
                                .lanewise(VectorOperators.EXP);
                        FloatVector f = FloatVector.fromArray(SP, row, fc + c);
                        FloatVector dp = f.mul(FloatVector.fromArray(SP, row, dc + c));
                        p.mul(dp.sub(FloatVector.fromArray(SP, row, ec + c))).mul(scale).intoArray(row, gc + c);
                        p.mul(f).intoArray(row, pc + c);
                    }
                    weightedRows(row, gc, L, q, qb, D, hd, dk, o, true);
                    weightedRows(row, pc, L, dout, qb, D, hd, dv, o, true);
                }
            }
        }
    }

    // ---- Portable bodies (TornadoVM): dimension 0 = query rows (key rows for BACKWARD_KV), dimension 1 = heads ----

    public static void forward(int from, int to, float[] q, float[] k, float[] v, float[] out, float[] lse, int B,
                               int L, int S, int H, int hd, float dropP, int[] seed) {
        for (@Parallel int t = 0; t < to - from; t++) {
            for (@Parallel int h = 0; h < H; h++) {
                int row = from + t;
                int D = H * hd;
                int b = row / L;
                int i = row % L;
                int o = row * D + h * hd;
                int kv = b * S * D + h * hd;
                lse[row * H + h] = AttentionHeads.attendForward(q, o, k, kv, v, kv, D, 0, S - 1,
                        AttentionHeads.scale(hd), out, o, hd, dropP, seed[0],
                        AttentionHeads.dropIndex((b + Rng.offset(seed)) * H + h, L, i, S, 0));
            }
        }
    }

    public static void backwardQuery(int from, int to, float[] q, float[] k, float[] v, float[] dout, float[] lse,
                                     float[] delta, float[] dq, int B, int L, int S, int H, int hd, float dropP,
                                     int[] seed) {
        for (@Parallel int t = 0; t < to - from; t++) {
            for (@Parallel int h = 0; h < H; h++) {
                int row = from + t;
                int D = H * hd;
                int b = row / L;
                int i = row % L;
                int o = row * D + h * hd;
                int kv = b * S * D + h * hd;
                AttentionHeads.attendBackwardQuery(q, o, k, kv, v, kv, D, 0, S - 1, AttentionHeads.scale(hd), dout, o,
                        lse[row * H + h], delta[row * H + h], dq, o, hd, dropP, seed[0],
                        AttentionHeads.dropIndex((b + Rng.offset(seed)) * H + h, L, i, S, 0));
            }
        }
    }

    public static void backwardKv(int from, int to, float[] q, float[] k, float[] v, float[] dout, float[] lse,
                                  float[] delta, float[] dk, float[] dv, int B, int L, int S, int H, int hd,
                                  float dropP, int[] seed) {
        for (@Parallel int t = 0; t < to - from; t++) {
            for (@Parallel int h = 0; h < H; h++) {
                int row = from + t;
                int D = H * hd;
                int b = row / S;
                int s = row % S;
                int o = row * D + h * hd;
                int first = b * L;
                AttentionHeads.attendBackwardKey(k, o, v, o, q, first * D + h * hd, D, dout, first * D + h * hd, D,
                        lse, delta, first * H + h, H, 0, L - 1, AttentionHeads.scale(hd), dk, o, dv, o, hd, dropP,
                        seed[0], AttentionHeads.dropIndex((b + Rng.offset(seed)) * H + h, L, 0, S, s), S);
            }
        }
    }
}
