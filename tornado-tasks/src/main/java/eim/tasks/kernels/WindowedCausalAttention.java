package eim.tasks.kernels;

import eim.tasks.Kernel;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import eim.tasks.kernels.AttentionHeads.Dropout;
import eim.tasks.kernels.AttentionHeads.HeadRows;

/**
 * Multi-head self-attention with the generator's windowed causal mask (the authors'
 * {@code MaskedAttentionRoPE} with the mask built in {@code forward_encoder}): query i of a sample
 * attends keys j with max(0, i−window) ≤ j ≤ i; window &lt; 0 means full causal. The mask is the
 * loop bounds, so a query costs O(window·hd).
 *
 * <p>Shapes, D = H·hd: qkv (B·L, 3D) = [q | k | v] per row, each part head-major (head h at
 * columns h·hd .. h·hd+hd−1 of its part, timm's {@code reshape(B, N, 3, H, hd)}); RoPE is applied
 * to the q and k parts beforehand ({@link Rope}). out (B·L, D) head-major, before the proj Linear.
 * lse (B·L·H), lse[row·H + h] = log-sum-exp of the scaled scores; delta (B·L·H) likewise.
 * Scale 1/sqrt(hd). Attention dropout as timm's attn_drop on the probabilities: keep(b,h,i,j) =
 * Rng.uniform(seed, ((b·H+h)·L+i)·L+j) ≥ dropP, kept probabilities scaled 1/(1−dropP). A seed
 * IntParam with a second slot ({@code IntParam.of(seed, lo)}) numbers the samples from lo (b + lo
 * above), so that a data-parallel shard holding samples [lo, lo+B) of a batch draws exactly the
 * whole batch's masks there; a one-slot seed (or a plain int) is offset 0.
 */
public final class WindowedCausalAttention {

    /** range {B·L, H}: out, lse. Args: qkv, out, lse, B, L, H, hd, window, dropP, seed (int or IntParam). */
    public static final Kernel FORWARD = Kernel.of("window_attention_forward", WindowedCausalAttention::forward)
            .withFast((from, to, a) -> forwardFast(from, to, a.f(0), a.f(1), a.f(2), a.i(4), a.i(5), a.i(6), a.i(7),
                    new Dropout(a.x(8), a.i(9), a.i(9, 1))))
            .withItemCost(256); // an item attends a window or cache over a head

    /** range {rows, H}: delta[r·H+h] = Σ_d out·dout over head h. Args: out, dout, delta, rows, H, hd. */
    public static final Kernel DELTA = Kernel.of("attention_delta", WindowedCausalAttention::delta)
            .withFast((from, to, a) -> deltaFast(from, to, a.f(0), a.f(1), a.f(2), a.i(4), a.i(5)))
            .withItemCost(64); // an item is a head's dot product

    /**
     * range {B·L, H}: dq += into the q part of dqkv.
     * Args: qkv, dout, lse, delta, dqkv, B, L, H, hd, window, dropP, seed (int or IntParam).
     */
    public static final Kernel BACKWARD_QUERY = Kernel.of("window_attention_backward_query", WindowedCausalAttention::backwardQuery)
            .withFast((from, to, a) -> backwardQueryFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.i(6),
                    a.i(7), a.i(8), a.i(9), new Dropout(a.x(10), a.i(11), a.i(11, 1))))
            .withItemCost(256); // an item attends a window or cache over a head

    /**
     * range {B·L, H}: for key j (row b·L+j), over the queries j .. j+window that see it, dk and dv +=
     * into the k and v parts of dqkv. Args: qkv, dout, lse, delta, dqkv, B, L, H, hd, window, dropP,
     * seed (int or IntParam).
     */
    public static final Kernel BACKWARD_KEY = Kernel.of("window_attention_backward_key", WindowedCausalAttention::backwardKey)
            .withFast((from, to, a) -> backwardKeyFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.i(6),
                    a.i(7), a.i(8), a.i(9), new Dropout(a.x(10), a.i(11), a.i(11, 1))))
            .withItemCost(256); // an item attends a window or cache over a head

    /**
     * range {B, H}: inference, one query per sample over the first {@code count} cache slots (count
     * may be an IntParam; slot order does not matter since cached keys already carry RoPE). No
     * dropout. q (B, D), kcache and vcache (B, slots, D), out (B, D).
     * Args: q, kcache, vcache, out, B, H, hd, slots, count (int or IntParam).
     */
    public static final Kernel DECODE = Kernel.of("window_attention_decode", WindowedCausalAttention::decode)
            .withFast((from, to, a) -> decodeFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(5), a.i(6), a.i(7),
                    a.i(8)))
            .withItemCost(256); // an item attends a window or cache over a head

    private WindowedCausalAttention() {}

    /** The first key query i sees. */
    static int firstKey(int i, int window) {
        return window < 0 ? 0 : (i - window > 0 ? i - window : 0);
    }

    /** The last query that sees key j. */
    static int lastQuery(int j, int window, int L) {
        return window < 0 ? L - 1 : (j + window < L - 1 ? j + window : L - 1);
    }

    static void forwardFast(int from, int to, float[] qkv, float[] out, float[] lse, int L, int H, int hd,
                               int window, Dropout drop) {
        int D = H * hd;
        float scale = AttentionHeads.scale(hd);
        for (@Parallel int row = from; row < to; row++) {
            int b = row / L, i = row % L;
            for (int h = 0; h < H; h++) {
                HeadRows keys = new HeadRows(qkv, b * L * 3 * D + D + h * hd, 3 * D);
                HeadRows values = new HeadRows(qkv, b * L * 3 * D + 2 * D + h * hd, 3 * D);
                lse[row * H + h] = AttentionHeads.forward(qkv, row * 3 * D + h * hd, keys, values,
                        firstKey(i, window), i, scale, out, row * D + h * hd, hd, drop,
                        AttentionHeads.dropIndex((b + drop.sampleOffset()) * H + h, L, i, L, 0));
            }
        }
    }

    static void deltaFast(int from, int to, float[] out, float[] dout, float[] delta, int H, int hd) {
        for (@Parallel int row = from; row < to; row++) {
            for (int h = 0; h < H; h++) {
                delta[row * H + h] = AttentionHeads.delta(out, dout, row * H * hd + h * hd, hd);
            }
        }
    }

    static void backwardQueryFast(int from, int to, float[] qkv, float[] dout, float[] lse, float[] delta,
                                     float[] dqkv, int L, int H, int hd, int window, Dropout drop) {
        int D = H * hd;
        float scale = AttentionHeads.scale(hd);
        for (@Parallel int row = from; row < to; row++) {
            int b = row / L, i = row % L;
            for (int h = 0; h < H; h++) {
                HeadRows keys = new HeadRows(qkv, b * L * 3 * D + D + h * hd, 3 * D);
                HeadRows values = new HeadRows(qkv, b * L * 3 * D + 2 * D + h * hd, 3 * D);
                int qo = row * 3 * D + h * hd;
                AttentionHeads.backwardQuery(qkv, qo, keys, values, firstKey(i, window), i, scale,
                        dout, row * D + h * hd, lse[row * H + h], delta[row * H + h], dqkv, qo, hd, drop,
                        AttentionHeads.dropIndex((b + drop.sampleOffset()) * H + h, L, i, L, 0));
            }
        }
    }

    static void backwardKeyFast(int from, int to, float[] qkv, float[] dout, float[] lse, float[] delta,
                                   float[] dqkv, int L, int H, int hd, int window, Dropout drop) {
        int D = H * hd;
        float scale = AttentionHeads.scale(hd);
        for (@Parallel int row = from; row < to; row++) {
            int b = row / L, j = row % L;
            for (int h = 0; h < H; h++) {
                HeadRows queries = new HeadRows(qkv, b * L * 3 * D + h * hd, 3 * D);
                HeadRows douts = new HeadRows(dout, b * L * D + h * hd, D);
                HeadRows lses = new HeadRows(lse, b * L * H + h, H);
                HeadRows deltas = new HeadRows(delta, b * L * H + h, H);
                int ko = row * 3 * D + D + h * hd;
                int vo = ko + D;
                AttentionHeads.backwardKey(qkv, ko, qkv, vo, queries, douts, lses, deltas, j,
                        lastQuery(j, window, L), scale, dqkv, ko, dqkv, vo, hd, drop,
                        AttentionHeads.dropIndex((b + drop.sampleOffset()) * H + h, L, 0, L, j), L);
            }
        }
    }

    static void decodeFast(int from, int to, float[] q, float[] kcache, float[] vcache, float[] out, int H,
                              int hd, int slots, int count) {
        int D = H * hd;
        float scale = AttentionHeads.scale(hd);
        for (@Parallel int b = from; b < to; b++) {
            for (int h = 0; h < H; h++) {
                HeadRows keys = new HeadRows(kcache, b * slots * D + h * hd, D);
                HeadRows values = new HeadRows(vcache, b * slots * D + h * hd, D);
                AttentionHeads.forward(q, b * D + h * hd, keys, values, 0, count - 1, scale, out,
                        b * D + h * hd, hd, Dropout.NONE, 0);
            }
        }
    }

    // ---- Portable bodies (TornadoVM): dimension 0 = rows (or samples), dimension 1 = heads ----

    public static void forward(int from, int to, float[] qkv, float[] out, float[] lse, int B, int L, int H, int hd,
                               int window, float dropP, int[] seed) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int h = 0; h < H; h++) {
                int row = from + k;
                int D = H * hd;
                int b = row / L;
                int i = row % L;
                int sample = b * L * 3 * D + h * hd;
                lse[row * H + h] = AttentionHeads.attendForward(qkv, row * 3 * D + h * hd, qkv, sample + D, qkv,
                        sample + 2 * D, 3 * D, firstKey(i, window), i, AttentionHeads.scale(hd), out, row * D + h * hd,
                        hd, dropP, seed[0], AttentionHeads.dropIndex((b + Rng.offset(seed)) * H + h, L, i, L, 0));
            }
        }
    }

    public static void delta(int from, int to, float[] out, float[] dout, float[] delta, int rows, int H, int hd) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int h = 0; h < H; h++) {
                int row = from + k;
                int o = row * H * hd + h * hd;
                delta[row * H + h] = AttentionHeads.dotPortable(out, o, dout, o, hd);
            }
        }
    }

    public static void backwardQuery(int from, int to, float[] qkv, float[] dout, float[] lse, float[] delta,
                                     float[] dqkv, int B, int L, int H, int hd, int window, float dropP, int[] seed) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int h = 0; h < H; h++) {
                int row = from + k;
                int D = H * hd;
                int b = row / L;
                int i = row % L;
                int sample = b * L * 3 * D + h * hd;
                int qo = row * 3 * D + h * hd;
                AttentionHeads.attendBackwardQuery(qkv, qo, qkv, sample + D, qkv, sample + 2 * D, 3 * D,
                        firstKey(i, window), i, AttentionHeads.scale(hd), dout, row * D + h * hd, lse[row * H + h],
                        delta[row * H + h], dqkv, qo, hd, dropP, seed[0],
                        AttentionHeads.dropIndex((b + Rng.offset(seed)) * H + h, L, i, L, 0));
            }
        }
    }

    public static void backwardKey(int from, int to, float[] qkv, float[] dout, float[] lse, float[] delta,
                                   float[] dqkv, int B, int L, int H, int hd, int window, float dropP, int[] seed) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int h = 0; h < H; h++) {
                int row = from + k;
                int D = H * hd;
                int b = row / L;
                int j = row % L;
                int first = b * L;
                int ko = row * 3 * D + D + h * hd;
                AttentionHeads.attendBackwardKey(qkv, ko, qkv, ko + D, qkv, first * 3 * D + h * hd, 3 * D, dout,
                        first * D + h * hd, D, lse, delta, first * H + h, H, j, lastQuery(j, window, L),
                        AttentionHeads.scale(hd), dqkv, ko, dqkv, ko + D, hd, dropP, seed[0],
                        AttentionHeads.dropIndex((b + Rng.offset(seed)) * H + h, L, 0, L, j), L);
            }
        }
    }

    public static void decode(int from, int to, float[] q, float[] kcache, float[] vcache, float[] out, int B, int H,
                              int hd, int slots, int[] count) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int h = 0; h < H; h++) {
                int b = from + k;
                int D = H * hd;
                int cache = b * slots * D + h * hd;
                AttentionHeads.attendForward(q, b * D + h * hd, kcache, cache, vcache, cache, D, 0, count[0] - 1,
                        AttentionHeads.scale(hd), out, b * D + h * hd, hd, 0f, 0, 0);
            }
        }
    }
}
