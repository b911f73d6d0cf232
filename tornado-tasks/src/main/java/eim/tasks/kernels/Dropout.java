package eim.tasks.kernels;

import eim.tasks.Kernel;
import eim.tasks.Parallel;

/**
 * Inverted dropout with a stateless mask: element i is kept when {@code Rng.uniform(seed, i) >= p},
 * and kept elements are scaled by 1/(1−p). The backward pass recomputes the same mask from
 * (seed, i), so nothing is stored. With p = 0 the forward is an exact copy. Range {n}.
 */
public final class Dropout {
    private static final String CL = "dropout.cl";

    /** y = keep ? x/(1−p) : 0. Args: x, y, n, p (float), seed (int). */
    public static final Kernel FORWARD = Kernel.javaOnly("dropout_forward", CL,
            (from, to, a) -> forward(from, to, a.f(0), a.f(1), a.i(2), a.x(3), a.i(4)));

    /** dx += keep ? dy/(1−p) : 0, with the forward's mask. Args: dy, dx, n, p (float), seed (int). */
    public static final Kernel BACKWARD = Kernel.javaOnly("dropout_backward", CL,
            (from, to, a) -> backward(from, to, a.f(0), a.f(1), a.i(2), a.x(3), a.i(4)));

    private Dropout() {}

    public static void forward(int from, int to, float[] x, float[] y, int n, float p, int seed) {
        float scale = 1f / (1f - p);
        for (@Parallel int i = from; i < to; i++) {
            y[i] = Rng.uniform(seed, i) >= p ? x[i] * scale : 0f;
        }
    }

    public static void backward(int from, int to, float[] dy, float[] dx, int n, float p, int seed) {
        float scale = 1f / (1f - p);
        for (@Parallel int i = from; i < to; i++) {
            if (Rng.uniform(seed, i) >= p) {
                dx[i] += dy[i] * scale;
            }
        }
    }
}
