package eim.tasks.kernels;

import eim.tasks.Kernel;
import eim.tasks.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Rectified-flow pieces of the per-token head (authors' diffusion/flows.py and generator/diffloss.py):
 * the training interpolation x_t = t·noise + (1−t)·x0 with target velocity noise − x0, the
 * per-row MSE loss, the {@code diffusion_batch_mul} row tiling ({@code Tensor.repeat(times, 1)}),
 * the Euler step of the sampler and classifier-free-guidance mixing. Rows are tokens, columns channels.
 */
public final class FlowMatching {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final String CL = "flowmatching.cl";

    /**
     * range {N, C}: xt = t[n]·noise + (1 − t[n])·x0; target = noise − x0. x0, noise, xt, target (N, C);
     * t (N), already in [1e-5, 1]. Args: x0, noise, t, xt, target, N, C.
     */
    public static final Kernel FLOW_INTERPOLATE = Kernel.javaOnly("flow_interpolate", CL,
            (from, to, a) -> flowInterpolate(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.i(5), a.i(6)));

    /** range {N}: rowLoss[n] = mean_c (target − pred)². pred, target (N, C). Args: pred, target, rowLoss, N, C. */
    public static final Kernel MSE_FORWARD = Kernel.javaOnly("mse_forward", CL,
            (from, to, a) -> mseForward(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4)));

    /**
     * range {N, C}: dpred += scale·2·(pred − target)/C, the gradient of scale·Σ_n rowLoss[n]
     * (scale = 1/N for the mean). Args: pred, target, dpred, N, C, scale (float).
     */
    public static final Kernel MSE_BACKWARD = Kernel.javaOnly("mse_backward", CL,
            (from, to, a) -> mseBackward(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.x(5)));

    /** range {times·rows, D}: dst[k·rows + r] = src[r]. src (rows, D), dst (times·rows, D). Args: src, dst, rows, D, times. */
    public static final Kernel REPEAT_ROWS = Kernel.javaOnly("repeat_rows", CL,
            (from, to, a) -> repeatRows(from, to, a.f(0), a.f(1), a.i(2), a.i(3), a.i(4)));

    /** range {rows, D}: dsrc[r] += Σ_k ddst[k·rows + r]. Args: ddst, dsrc, rows, D, times. */
    public static final Kernel REPEAT_ROWS_BACKWARD = Kernel.javaOnly("repeat_rows_backward", CL,
            (from, to, a) -> repeatRowsBackward(from, to, a.f(0), a.f(1), a.i(2), a.i(3), a.i(4)));

    /** range {n}: x += dt·v (dt < 0 when integrating from t = 1 to 0). Args: x, v, dt (float), n. */
    public static final Kernel EULER_STEP = Kernel.javaOnly("euler_step", CL,
            (from, to, a) -> eulerStep(from, to, a.f(0), a.f(1), a.x(2), a.i(3)));

    /**
     * range {B, C}: v (2B, C) holds conditional rows [0, B) and unconditional rows [B, 2B); both
     * halves become u + scale·(c − u), as {@code SimpleMLPAdaLN.forward_with_cfg}. Args: v, B, C, scale (float).
     */
    public static final Kernel CFG_COMBINE = Kernel.javaOnly("cfg_combine", CL,
            (from, to, a) -> cfgCombine(from, to, a.f(0), a.i(1), a.i(2), a.x(3)));

    private FlowMatching() {}

    public static void flowInterpolate(int from, int to, float[] x0, float[] noise, float[] t, float[] xt,
                                       float[] target, int N, int C) {
        for (@Parallel int n = from; n < to; n++) {
            float tn = t[n], keep = 1f - tn;
            for (int c = n * C, end = c + C; c < end; c++) {
                xt[c] = tn * noise[c] + keep * x0[c];
                target[c] = noise[c] - x0[c];
            }
        }
    }

    public static void mseForward(int from, int to, float[] pred, float[] target, float[] rowLoss, int N, int C) {
        int upper = S.loopBound(C);
        for (@Parallel int n = from; n < to; n++) {
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
        float k = 2f * scale / C;
        for (@Parallel int n = from; n < to; n++) {
            for (int c = n * C, end = c + C; c < end; c++) {
                dpred[c] += k * (pred[c] - target[c]);
            }
        }
    }

    public static void repeatRows(int from, int to, float[] src, float[] dst, int rows, int D, int times) {
        for (@Parallel int j = from; j < to; j++) {
            System.arraycopy(src, (j % rows) * D, dst, j * D, D);
        }
    }

    public static void repeatRowsBackward(int from, int to, float[] ddst, float[] dsrc, int rows, int D, int times) {
        for (@Parallel int r = from; r < to; r++) {
            int o = r * D;
            for (int k = 0; k < times; k++) {
                int src = (k * rows + r) * D;
                for (int d = 0; d < D; d++) {
                    dsrc[o + d] += ddst[src + d];
                }
            }
        }
    }

    public static void eulerStep(int from, int to, float[] x, float[] v, float dt, int n) {
        for (@Parallel int i = from; i < to; i++) {
            x[i] += dt * v[i];
        }
    }

    public static void cfgCombine(int from, int to, float[] v, int B, int C, float scale) {
        for (@Parallel int b = from; b < to; b++) {
            int cond = b * C, uncond = (B + b) * C;
            for (int c = 0; c < C; c++) {
                float u = v[uncond + c];
                float mixed = u + scale * (v[cond + c] - u);
                v[cond + c] = mixed;
                v[uncond + c] = mixed;
            }
        }
    }
}
