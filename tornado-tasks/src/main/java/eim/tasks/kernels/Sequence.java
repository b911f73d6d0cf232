package eim.tasks.kernels;

import eim.tasks.Kernel;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Moves rows between the generator's sequence arrays: the buffer positions xc (B, S, D) and the
 * image positions xi (B, L, D).
 */
public final class Sequence {

    /**
     * range {B·L, D}: z[b, 0] = xc[b, S-1], z[b, l] = xi[b, l-1] — the hidden state that predicts
     * token l is the one just before it (the authors' {@code x[:, S-1:-1]}).
     * Args: xc, xi, z, B, S, L, D.
     */
    public static final Kernel SHIFT_RIGHT_GATHER = Kernel.of("shift_right_gather", Sequence::shiftRightGather)
            .withFast((from, to, a) -> shiftRightGatherFast(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5), a.i(6)));

    /** range {B·L, D}: the backward of the gather, dxc/dxi += dz at the matching rows. Args: dz, dxc, dxi, B, S, L, D. */
    public static final Kernel SHIFT_RIGHT_SCATTER = Kernel.of("shift_right_scatter", Sequence::shiftRightScatter);

    /**
     * range {R, D}: one decoding step's q, k, v out of qkv (R, 3D): q (R, D) = qkv[:, 0:D];
     * kcache[r, slot] = qkv[r, D:2D]; vcache[r, slot] = qkv[r, 2D:3D]. Caches are (R, slots, D).
     * Args: qkv, q, kcache, vcache, R, D, slots, slot (int, or an IntParam).
     */
    public static final Kernel KV_CACHE_WRITE = Kernel.of("kv_cache_write", Sequence::kvCacheWrite)
            .withFast((from, to, a) -> kvCacheWriteFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5), a.i(6), a.i(7)));

    /**
     * range {B·(S+L), D}: xj[b] = [xc[b]; xi[b]], each sample's S buffer rows then its L image rows:
     * every position in one array, so that the MLP, whose weights both kinds of rows share, runs as one
     * GEMM of B·(S+L) rows instead of two of B·S and B·L (in S's training step the transformer's
     * 128-row GEMMs ran at 144 GFLOP/s against the flow head's 178 at 512 rows). Sample-major, so a
     * data-parallel replica's rows are one contiguous range of the whole batch's. Args: xc, xi, xj, S, L, D.
     */
    public static final Kernel INTERLEAVE = Kernel.of("interleave", Sequence::interleave)
            .withFast((from, to, a) -> interleaveFast(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5)));

    /**
     * range {B·(S+L), D}: the rows of xj back into xc and xi, {@link #INTERLEAVE}'s inverse; added to
     * them when {@code accumulate} is 1, written over them when 0. Args: xj, xc, xi, S, L, D, accumulate.
     */
    public static final Kernel DEINTERLEAVE = Kernel.of("deinterleave", Sequence::deinterleave)
            .withFast((from, to, a) -> deinterleaveFast(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5),
                    a.i(6)));

    private Sequence() {}

    public static void shiftRightGather(int from, int to, float[] xc, float[] xi, float[] z, int B, int S, int L, int D) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < D; c++) {
                int row = from + k;
                int b = row / L, l = row % L;
                if (l == 0) {
                    z[row * D + c] = xc[(b * S + S - 1) * D + c];
                } else {
                    z[row * D + c] = xi[(row - 1) * D + c];
                }
            }
        }
    }

    /** The slice [from, to) of {@link #shiftRightGather} as bulk row copies. */
    static void shiftRightGatherFast(int from, int to, float[] xc, float[] xi, float[] z, int B, int S, int L, int D) {
        for (int row = from; row < to; row++) {
            int b = row / L, l = row % L;
            if (l == 0) {
                System.arraycopy(xc, (b * S + S - 1) * D, z, row * D, D);
            } else {
                System.arraycopy(xi, (row - 1) * D, z, row * D, D);
            }
        }
    }

    public static void shiftRightScatter(int from, int to, float[] dz, float[] dxc, float[] dxi, int B, int S, int L,
                                         int D) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < D; c++) {
                int row = from + k;
                int b = row / L, l = row % L;
                if (l == 0) {
                    dxc[(b * S + S - 1) * D + c] += dz[row * D + c];
                } else {
                    dxi[(row - 1) * D + c] += dz[row * D + c];
                }
            }
        }
    }

    public static void interleave(int from, int to, float[] xc, float[] xi, float[] xj, int S, int L, int D) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < D; c++) {
                int row = from + k;
                int b = row / (S + L), t = row % (S + L);
                if (t < S) {
                    xj[row * D + c] = xc[(b * S + t) * D + c];
                } else {
                    xj[row * D + c] = xi[(b * L + t - S) * D + c];
                }
            }
        }
    }

    /** The slice [from, to) of {@link #interleave} as bulk row copies. */
    static void interleaveFast(int from, int to, float[] xc, float[] xi, float[] xj, int S, int L, int D) {
        for (int row = from; row < to; row++) {
            int b = row / (S + L), t = row % (S + L);
            if (t < S) {
                System.arraycopy(xc, (b * S + t) * D, xj, row * D, D);
            } else {
                System.arraycopy(xi, (b * L + t - S) * D, xj, row * D, D);
            }
        }
    }

    public static void deinterleave(int from, int to, float[] xj, float[] xc, float[] xi, int S, int L, int D,
                                    int accumulate) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < D; c++) {
                int row = from + k;
                int b = row / (S + L), t = row % (S + L);
                if (t < S) {
                    int o = (b * S + t) * D + c;
                    xc[o] = accumulate == 1 ? xc[o] + xj[row * D + c] : xj[row * D + c];
                } else {
                    int o = (b * L + t - S) * D + c;
                    xi[o] = accumulate == 1 ? xi[o] + xj[row * D + c] : xj[row * D + c];
                }
            }
        }
    }

    /** The slice [from, to) of {@link #deinterleave}, a row at a time. */
    static void deinterleaveFast(int from, int to, float[] xj, float[] xc, float[] xi, int S, int L, int D,
                                 int accumulate) {
        for (int row = from; row < to; row++) {
            int b = row / (S + L), t = row % (S + L);
            float[] dst = t < S ? xc : xi;
            int o = t < S ? (b * S + t) * D : (b * L + t - S) * D;
            if (accumulate == 1) {
                for (int c = 0, src = row * D; c < D; c++) { // C2 vectorises this loop
                    dst[o + c] += xj[src + c];
                }
            } else {
                System.arraycopy(xj, row * D, dst, o, D);
            }
        }
    }

    public static void kvCacheWrite(int from, int to, float[] qkv, float[] q, float[] kc, float[] vc, int R, int D,
                                    int slots, int[] slot) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < D; c++) {
                int r = from + k;
                int src = r * 3 * D + c;
                int dst = (r * slots + slot[0]) * D + c;
                q[r * D + c] = qkv[src];
                kc[dst] = qkv[src + D];
                vc[dst] = qkv[src + 2 * D];
            }
        }
    }

    /** The slice [from, to) of {@link #kvCacheWrite} as bulk row copies. */
    static void kvCacheWriteFast(int from, int to, float[] qkv, float[] q, float[] kc, float[] vc, int R, int D,
                                 int slots, int slot) {
        for (int r = from; r < to; r++) {
            System.arraycopy(qkv, r * 3 * D, q, r * D, D);
            System.arraycopy(qkv, r * 3 * D + D, kc, (r * slots + slot) * D, D);
            System.arraycopy(qkv, r * 3 * D + 2 * D, vc, (r * slots + slot) * D, D);
        }
    }
}
