package eim.tasks.kernels;

import eim.tasks.Kernel;
import eim.tasks.Parallel;

/**
 * Elementwise helpers on flat arrays: zeroing gradients, copying slices, residual adds, scaled
 * accumulation. All take range {n}; the loops are plain so the JIT auto-vectorises them.
 */
public final class Elementwise {
    private static final String CL = "elementwise.cl";

    /** range {n}: x[i] = value. Args: x, value (float), n. */
    public static final Kernel FILL = Kernel.of("fill", CL,
            (from, to, a) -> fill(from, to, a.f(0), a.x(1), a.i(2)));

    /** range {n}: dst[dstOff+i] = src[srcOff+i]. Args: src, srcOff, dst, dstOff, n. */
    public static final Kernel COPY = Kernel.of("copy", CL,
            (from, to, a) -> copy(from, to, a.f(0), a.i(1), a.f(2), a.i(3), a.i(4)));

    /** range {n}: y[i] += x[i]. Args: y, x, n. */
    public static final Kernel ADD_INPLACE = Kernel.of("add_inplace", CL,
            (from, to, a) -> addInplace(from, to, a.f(0), a.f(1), a.i(2)));

    /** range {n}: y[i] += alpha·x[i]. Args: y, x, alpha (float), n. */
    public static final Kernel AXPY = Kernel.of("axpy", CL,
            (from, to, a) -> axpy(from, to, a.f(0), a.f(1), a.x(2), a.i(3)));

    /** range {n}: x[i] *= alpha. Args: x, alpha (float), n. */
    public static final Kernel SCALE = Kernel.of("scale", CL,
            (from, to, a) -> scale(from, to, a.f(0), a.x(1), a.i(2)));

    private Elementwise() {}

    public static void fill(int from, int to, float[] x, float value, int n) {
        for (@Parallel int i = from; i < to; i++) {
            x[i] = value;
        }
    }

    public static void copy(int from, int to, float[] src, int srcOff, float[] dst, int dstOff, int n) {
        // the slice [from, to) of the parallel loop, as one bulk copy
        System.arraycopy(src, srcOff + from, dst, dstOff + from, to - from);
    }

    public static void addInplace(int from, int to, float[] y, float[] x, int n) {
        for (@Parallel int i = from; i < to; i++) {
            y[i] += x[i];
        }
    }

    public static void axpy(int from, int to, float[] y, float[] x, float alpha, int n) {
        for (@Parallel int i = from; i < to; i++) {
            y[i] += alpha * x[i];
        }
    }

    public static void scale(int from, int to, float[] x, float alpha, int n) {
        for (@Parallel int i = from; i < to; i++) {
            x[i] *= alpha;
        }
    }
}
