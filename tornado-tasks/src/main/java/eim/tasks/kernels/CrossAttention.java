package eim.tasks.kernels;

import eim.tasks.Kernel;
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

    static void forwardFast(int from, int to, float[] q, float[] k, float[] v, float[] out, float[] lse, int L,
                               int S, int H, int hd, Dropout drop) {
        int D = H * hd;
        float scale = AttentionHeads.scale(hd);
        for (@Parallel int row = from; row < to; row++) {
            int b = row / L, i = row % L;
            for (int h = 0; h < H; h++) {
                int o = row * D + h * hd;
                lse[row * H + h] = AttentionHeads.forward(q, o, new HeadRows(k, b * S * D + h * hd, D),
                        new HeadRows(v, b * S * D + h * hd, D), 0, S - 1, scale, out, o, hd, drop,
                        AttentionHeads.dropIndex((b + drop.sampleOffset()) * H + h, L, i, S, 0));
            }
        }
    }

    static void backwardQueryFast(int from, int to, float[] q, float[] k, float[] v, float[] dout, float[] lse,
                                     float[] delta, float[] dq, int L, int S, int H, int hd, Dropout drop) {
        int D = H * hd;
        float scale = AttentionHeads.scale(hd);
        for (@Parallel int row = from; row < to; row++) {
            int b = row / L, i = row % L;
            for (int h = 0; h < H; h++) {
                int o = row * D + h * hd;
                AttentionHeads.backwardQuery(q, o, new HeadRows(k, b * S * D + h * hd, D),
                        new HeadRows(v, b * S * D + h * hd, D), 0, S - 1, scale, dout, o, lse[row * H + h],
                        delta[row * H + h], dq, o, hd, drop,
                        AttentionHeads.dropIndex((b + drop.sampleOffset()) * H + h, L, i, S, 0));
            }
        }
    }

    static void backwardKvFast(int from, int to, float[] q, float[] k, float[] v, float[] dout, float[] lse,
                                  float[] delta, float[] dk, float[] dv, int L, int S, int H, int hd, Dropout drop) {
        int D = H * hd;
        float scale = AttentionHeads.scale(hd);
        for (@Parallel int row = from; row < to; row++) {
            int b = row / S, s = row % S;
            for (int h = 0; h < H; h++) {
                int o = row * D + h * hd;
                AttentionHeads.backwardKey(k, o, v, o, new HeadRows(q, b * L * D + h * hd, D),
                        new HeadRows(dout, b * L * D + h * hd, D), new HeadRows(lse, b * L * H + h, H),
                        new HeadRows(delta, b * L * H + h, H), 0, L - 1, scale, dk, o, dv, o, hd, drop,
                        AttentionHeads.dropIndex((b + drop.sampleOffset()) * H + h, L, 0, S, s), S);
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
