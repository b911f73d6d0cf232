package eim.tasks.kernels;

import eim.tasks.Kernel;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Elementwise helpers on flat arrays: zeroing gradients, copying slices, residual adds, scaled
 * accumulation. All take range {n}. The java backend's fast paths exist because the JIT cannot
 * vectorise a portable body that reads its scalar from an array ({@code value[0]}) the loop may
 * write: fill and copy are bulk operations, add_inplace a Vector API loop.
 */
public final class Elementwise {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** range {n}: x[i] = value[0]. Args: x, value (float, or a FloatParam), n. */
    public static final Kernel FILL = Kernel.of("fill", Elementwise::fill)
            .withFast((from, to, a) -> Arrays.fill(a.f(0), from, to, a.x(1)));

    /** range {n}: dst[dstOff+i] = src[srcOff[0]+i]. Args: src, srcOff (int, or an IntParam), dst, dstOff, n. */
    public static final Kernel COPY = Kernel.of("copy", Elementwise::copy)
            .withFast((from, to, a) -> copyFast(from, to, a.f(0), a.i(1), a.f(2), a.i(3)));

    /** range {n}: y[i] += x[i]. Args: y, x, n. */
    public static final Kernel ADD_INPLACE = Kernel.of("add_inplace", Elementwise::addInplace)
            .withFast((from, to, a) -> addInplaceFast(from, to, a.f(0), a.f(1)));

    /** range {n}: y[i] += alpha·x[i]. Args: y, x, alpha (float), n. */
    public static final Kernel AXPY = Kernel.of("axpy", Elementwise::axpy);

    /** range {n}: x[i] *= alpha. Args: x, alpha (float), n. */
    public static final Kernel SCALE = Kernel.of("scale", Elementwise::scale);

    private Elementwise() {}

    public static void fill(int from, int to, float[] x, float[] value, int n) {
        for (@Parallel int k = 0; k < to - from; k++) {
            x[from + k] = value[0];
        }
    }

    public static void copy(int from, int to, float[] src, int[] srcOff, float[] dst, int dstOff, int n) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            dst[dstOff + i] = src[srcOff[0] + i];
        }
    }

    /** The slice [from, to) of {@link #copy} as one bulk copy. */
    static void copyFast(int from, int to, float[] src, int srcOff, float[] dst, int dstOff) {
        System.arraycopy(src, srcOff + from, dst, dstOff + from, to - from);
    }

    public static void addInplace(int from, int to, float[] y, float[] x, int n) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            y[i] += x[i];
        }
    }

    /** The slice [from, to) of {@link #addInplace} with the Vector API. */
    static void addInplaceFast(int from, int to, float[] y, float[] x) {
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
            FloatVector.fromArray(S, y, i).add(FloatVector.fromArray(S, x, i)).intoArray(y, i);
        }
        for (; i < to; i++) {
            y[i] += x[i];
        }
    }

    public static void axpy(int from, int to, float[] y, float[] x, float alpha, int n) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            y[i] += alpha * x[i];
        }
    }

    public static void scale(int from, int to, float[] x, float alpha, int n) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            x[i] *= alpha;
        }
    }
}
