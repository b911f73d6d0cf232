package eim.tasks.kernels;

import eim.tasks.Kernel;
import eim.tasks.Parallel;

/**
 * Moves rows between the generator's sequence arrays: the buffer positions xc (B, S, D) and the
 * image positions xi (B, L, D).
 */
public final class Sequence {
    private static final String CL = "sequence.cl";

    /**
     * range {B·L, D}: z[b, 0] = xc[b, S-1], z[b, l] = xi[b, l-1] — the hidden state that predicts
     * token l is the one just before it (the authors' {@code x[:, S-1:-1]}).
     * Args: xc, xi, z, B, S, L, D.
     */
    public static final Kernel SHIFT_RIGHT_GATHER = Kernel.javaOnly("shift_right_gather", CL,
            (from, to, a) -> shiftRightGather(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5), a.i(6)));

    /** range {B·L, D}: the backward of the gather, dxc/dxi += dz at the matching rows. Args: dz, dxc, dxi, B, S, L, D. */
    public static final Kernel SHIFT_RIGHT_SCATTER = Kernel.javaOnly("shift_right_scatter", CL,
            (from, to, a) -> shiftRightScatter(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5), a.i(6)));

    /**
     * range {R, D}: one decoding step's q, k, v out of qkv (R, 3D): q (R, D) = qkv[:, 0:D];
     * kcache[r, slot] = qkv[r, D:2D]; vcache[r, slot] = qkv[r, 2D:3D]. Caches are (R, slots, D).
     * Args: qkv, q, kcache, vcache, R, D, slots, slot.
     */
    public static final Kernel KV_CACHE_WRITE = Kernel.javaOnly("kv_cache_write", CL,
            (from, to, a) -> kvCacheWrite(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5), a.i(6), a.i(7)));

    private Sequence() {}

    public static void shiftRightGather(int from, int to, float[] xc, float[] xi, float[] z, int B, int S, int L, int D) {
        for (@Parallel int row = from; row < to; row++) {
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
        for (@Parallel int row = from; row < to; row++) {
            int b = row / L, l = row % L;
            float[] dst = l == 0 ? dxc : dxi;
            int o = l == 0 ? (b * S + S - 1) * D : (row - 1) * D;
            for (int c = 0; c < D; c++) {
                dst[o + c] += dz[row * D + c];
            }
        }
    }

    public static void kvCacheWrite(int from, int to, float[] qkv, float[] q, float[] kc, float[] vc, int R, int D,
                                    int slots, int slot) {
        for (@Parallel int r = from; r < to; r++) {
            System.arraycopy(qkv, r * 3 * D, q, r * D, D);
            System.arraycopy(qkv, r * 3 * D + D, kc, (r * slots + slot) * D, D);
            System.arraycopy(qkv, r * 3 * D + 2 * D, vc, (r * slots + slot) * D, D);
        }
    }
}
