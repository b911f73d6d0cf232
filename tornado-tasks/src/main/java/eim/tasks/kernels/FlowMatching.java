package eim.tasks.kernels;

import eim.tasks.Kernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Rectified-flow pieces of the per-token head (authors' diffusion/flows.py and generator/diffloss.py):
 * the training interpolation x_t = t·noise + (1−t)·x0 with target velocity noise − x0, the
 * per-row MSE loss, the {@code diffusion_batch_mul} row tiling ({@code Tensor.repeat(times, 1)}),
 * the Euler step of the sampler and classifier-free-guidance mixing. Rows are tokens, columns channels.
 */
public final class FlowMatching {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /**
     * range {N, C}: xt = t[n]·noise + (1 − t[n])·x0; target = noise − x0. x0, noise, xt, target (N, C);
     * t (N), already in [1e-5, 1]. Args: x0, noise, t, xt, target, N, C.
     */
    public static final Kernel FLOW_INTERPOLATE = Kernel.of("flow_interpolate", FlowMatching::flowInterpolate);

    /** range {N}: rowLoss[n] = mean_c (target − pred)². pred, target (N, C). Args: pred, target, rowLoss, N, C. */
    public static final Kernel MSE_FORWARD = Kernel.of("mse_forward", FlowMatching::mseForwardPortable)
            .withFast((from, to, a) -> mseForward(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4)));

    /**
     * range {N, C}: dpred += scale·2·(pred − target)/C, the gradient of scale·Σ_n rowLoss[n]
     * (scale = 1/N for the mean). Args: pred, target, dpred, N, C, scale (float).
     */
    public static final Kernel MSE_BACKWARD = Kernel.of("mse_backward", FlowMatching::mseBackward);

    /** range {times·rows, D}: dst[k·rows + r] = src[r]. src (rows, D), dst (times·rows, D). Args: src, dst, rows, D, times. */
    public static final Kernel REPEAT_ROWS = Kernel.of("repeat_rows", FlowMatching::repeatRowsPortable)
            .withFast((from, to, a) -> repeatRows(from, to, a.f(0), a.f(1), a.i(2), a.i(3), a.i(4)));

    /** range {rows, D}: dsrc[r] += Σ_k ddst[k·rows + r]. Args: ddst, dsrc, rows, D, times. */
    public static final Kernel REPEAT_ROWS_BACKWARD = Kernel.of("repeat_rows_backward", FlowMatching::repeatRowsBackward);

    /** range {n}: x += dt·v (dt < 0 when integrating from t = 1 to 0). Args: x, v, dt (float), n. */
    public static final Kernel EULER_STEP = Kernel.of("euler_step", FlowMatching::eulerStep);

    /**
     * range {B, C}: v (2B, C) holds conditional rows [0, B) and unconditional rows [B, 2B); both
     * halves become u + scale·(c − u), as {@code SimpleMLPAdaLN.forward_with_cfg}. Args: v, B, C, scale (float, or a FloatParam).
     */
    public static final Kernel CFG_COMBINE = Kernel.of("cfg_combine", FlowMatching::cfgCombine);

    /**
     * range {N, C}: x[n, c] *= w[n], a weight per row (the training loss over some positions only:
     * the rows of the others get weight 0). Args: x, w, N, C.
     */
    public static final Kernel SCALE_ROWS = Kernel.of("scale_rows", FlowMatching::scaleRows);

    private FlowMatching() {}

    public static void flowInterpolate(int from, int to, float[] x0, float[] noise, float[] t, float[] xt,
                                       float[] target, int N, int C) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < C; c++) {
                int n = from + k;
                int i = n * C + c;
                float tn = t[n];
                xt[i] = tn * noise[i] + (1f - tn) * x0[i];
                target[i] = noise[i] - x0[i];
            }
        }
    }

    public static void mseForwardPortable(int from, int to, float[] pred, float[] target, float[] rowLoss, int N,
                                          int C) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int n = from + k;
            int o = n * C;
            float s = 0f;
            for (int c = 0; c < C; c++) {
                float e = target[o + c] - pred[o + c];
                s += e * e;
            }
            rowLoss[n] = s / C;
        }
    }

    public static void mseForward(int from, int to, float[] pred, float[] target, float[] rowLoss, int N, int C) {
        int upper = S.loopBound(C);
        for (int n = from; n < to; n++) {
            int o = n * C;
            FloatVector acc = FloatVector.zero(S);
            int c = 0;
            for (; c < upper; c += S.length()) {
                FloatVector e = FloatVector.fromArray(S, target, o + c).sub(FloatVector.fromArray(S, pred, o + c));
                acc = e.fma(e, acc);
            }
            float s = acc.reduceLanes(VectorOperators.ADD);
            for (; c < C; c++) {
                float e = target[o + c] - pred[o + c];
                s += e * e;
            }
            rowLoss[n] = s / C;
        }
    }

    public static void mseBackward(int from, int to, float[] pred, float[] target, float[] dpred, int N, int C,
                                   float scale) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < C; c++) {
                int i = (from + k) * C + c;
                float f = 2f * scale / C;
                dpred[i] += f * (pred[i] - target[i]);
            }
        }
    }

    public static void repeatRowsPortable(int from, int to, float[] src, float[] dst, int rows, int D, int times) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int d = 0; d < D; d++) {
                int j = from + k;
                dst[j * D + d] = src[(j % rows) * D + d];
            }
        }
    }

    /** The slice [from, to) of {@link #repeatRowsPortable} as bulk row copies. */
    static void repeatRows(int from, int to, float[] src, float[] dst, int rows, int D, int times) {
        for (int j = from; j < to; j++) {
            System.arraycopy(src, (j % rows) * D, dst, j * D, D);
        }
    }

    public static void repeatRowsBackward(int from, int to, float[] ddst, float[] dsrc, int rows, int D, int times) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int d = 0; d < D; d++) {
                int r = from + k;
                float s = 0f;
                for (int t = 0; t < times; t++) {
                    s += ddst[(t * rows + r) * D + d];
                }
                dsrc[r * D + d] += s;
            }
        }
    }

    public static void eulerStep(int from, int to, float[] x, float[] v, float dt, int n) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            x[i] += dt * v[i];
        }
    }

    public static void scaleRows(int from, int to, float[] x, float[] w, int N, int C) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < C; c++) {
                int n = from + k;
                x[n * C + c] *= w[n];
            }
        }
    }

    public static void cfgCombine(int from, int to, float[] v, int B, int C, float[] scale) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < C; c++) {
                int b = from + k;
                int ci = b * C + c, ui = (B + b) * C + c;
                float u = v[ui];
                float mixed = u + scale[0] * (v[ci] - u);
                v[ci] = mixed;
                v[ui] = mixed;
            }
        }
    }
}
