package eim.tasks.kernels;

import eim.tasks.Kernel;
import eim.tasks.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Fully connected layer, PyTorch's {@code nn.Linear}: {@code y = x Wᵀ + b}.
 * Shapes: x (M, K), W (N, K), b (N), y (M, N). Backward kernels accumulate ({@code +=}).
 */
public final class Linear {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final String CL = "linear.cl";

    /** range {M, N}: y = x Wᵀ + b. Args: x, W, b, y, M, N, K. */
    public static final Kernel FORWARD = Kernel.of("linear_forward", CL,
            (from, to, a) -> forward(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5), a.i(6)));

    /** range {M, K}: dx += dy W. Args: dy, W, dx, M, N, K. */
    public static final Kernel BACKWARD_INPUT = Kernel.of("linear_backward_input", CL,
            (from, to, a) -> backwardInput(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5)));

    /** range {N, K}: dW += dyᵀ x; db += Σ_m dy. Args: dy, x, dW, db, M, N, K. */
    public static final Kernel BACKWARD_WEIGHT = Kernel.of("linear_backward_weight", CL,
            (from, to, a) -> backwardWeight(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5), a.i(6)));

    private Linear() {}

    public static void forward(int from, int to, float[] x, float[] w, float[] b, float[] y, int M, int N, int K) {
        for (@Parallel int m = from; m < to; m++) {
            int xo = m * K;
            for (int n = 0; n < N; n++) {
                y[m * N + n] = b[n] + dot(x, xo, w, n * K, K);
            }
        }
    }

    public static void backwardInput(int from, int to, float[] dy, float[] w, float[] dx, int M, int N, int K) {
        int upper = S.loopBound(K);
        for (@Parallel int m = from; m < to; m++) {
            int xo = m * K;
            for (int n = 0; n < N; n++) {
                float g = dy[m * N + n];
                if (g == 0f) {
                    continue;
                }
                int wo = n * K;
                FloatVector gv = FloatVector.broadcast(S, g);
                int k = 0;
                for (; k < upper; k += S.length()) {
                    FloatVector acc = FloatVector.fromArray(S, dx, xo + k);
                    gv.fma(FloatVector.fromArray(S, w, wo + k), acc).intoArray(dx, xo + k);
                }
                for (; k < K; k++) {
                    dx[xo + k] += g * w[wo + k];
                }
            }
        }
    }

    public static void backwardWeight(int from, int to, float[] dy, float[] x, float[] dw, float[] db,
                                      int M, int N, int K) {
        int upper = S.loopBound(K);
        for (@Parallel int n = from; n < to; n++) {
            int wo = n * K;
            float bias = 0f;
            for (int m = 0; m < M; m++) {
                float g = dy[m * N + n];
                bias += g;
                if (g == 0f) {
                    continue;
                }
                int xo = m * K;
                FloatVector gv = FloatVector.broadcast(S, g);
                int k = 0;
                for (; k < upper; k += S.length()) {
                    FloatVector acc = FloatVector.fromArray(S, dw, wo + k);
                    gv.fma(FloatVector.fromArray(S, x, xo + k), acc).intoArray(dw, wo + k);
                }
                for (; k < K; k++) {
                    dw[wo + k] += g * x[xo + k];
                }
            }
            db[n] += bias;
        }
    }

    /** Σ_k a[ao+k]·b[bo+k] with the Vector API. */
    public static float dot(float[] a, int ao, float[] b, int bo, int len) {
        int upper = S.loopBound(len);
        FloatVector acc = FloatVector.zero(S);
        int k = 0;
        for (; k < upper; k += S.length()) {
            acc = FloatVector.fromArray(S, a, ao + k).fma(FloatVector.fromArray(S, b, bo + k), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; k < len; k++) {
            s += a[ao + k] * b[bo + k];
        }
        return s;
    }
}
