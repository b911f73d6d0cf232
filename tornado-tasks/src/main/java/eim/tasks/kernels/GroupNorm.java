package eim.tasks.kernels;

import eim.tasks.Kernel;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Group normalisation, PyTorch's {@code nn.GroupNorm(G, C, eps)}, optionally followed by swish
 * ({@code silu = 1}: y = n·sigmoid(n) with n the normalised value). The tokenizer always applies
 * swish right after GroupNorm except in its attention blocks, so the pair is one kernel: the swish
 * input is recomputed from (x, mean, rstd) in backward and never stored.
 *
 * <p>Shapes: x, y (B, C, HW) with C = G·(C/G) consecutive channels per group; gamma, beta (C);
 * mean, rstd (B·G), saved for backward. Backward kernels accumulate ({@code +=}).
 */
public final class GroupNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** range {B·G}: y = norm(x)·gamma + beta (then swish if silu ≠ 0). Args: x, gamma, beta, y, mean, rstd, B, C, HW, G, eps, silu. */
    public static final Kernel FORWARD = Kernel.of("groupnorm_forward", GroupNorm::forward)
            .withFast((from, to, a) -> forwardFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.f(5), a.i(6), a.i(7),
                    a.i(8), a.i(9), a.x(10), a.i(11)))
            .withItemCost(1024); // an item is a group (a channel) over the image

    /** range {B·G}: dx += ∂/∂x. Args: dy, x, gamma, beta, mean, rstd, dx, B, C, HW, G, silu. */
    public static final Kernel BACKWARD_INPUT = Kernel.of("groupnorm_backward_input", GroupNorm::backwardInput)
            .withItemCost(1024); // an item is a group (a channel) over the image

    /** range {C}: dgamma, dbeta += ∂/∂gamma, ∂/∂beta. Args: dy, x, gamma, beta, mean, rstd, dgamma, dbeta, B, C, HW, G, silu. */
    public static final Kernel BACKWARD_PARAMS = Kernel.of("groupnorm_backward_params", GroupNorm::backwardParams)
            .withItemCost(1024); // an item is a group (a channel) over the image

    private GroupNorm() {}

    public static void forward(int from, int to, float[] x, float[] gamma, float[] beta, float[] y, float[] mean,
                               float[] rstd, int B, int C, int HW, int G, float eps, int silu) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int item = from + k;
            int cpg = C / G, g = item % G, len = cpg * HW;
            int base = ((item / G) * C + g * cpg) * HW;
            float m = Moments.mean(x, base, len);
            float r = Moments.rstd(x, base, len, m, eps);
            mean[item] = m;
            rstd[item] = r;
            for (int c = 0; c < cpg; c++) {
                int ch = g * cpg + c, off = base + c * HW;
                float scale = r * gamma[ch], shift = beta[ch] - m * scale;
                for (int p = 0; p < HW; p++) {
                    float n = x[off + p] * scale + shift;
                    y[off + p] = silu != 0 ? n / (1f + (float) Math.exp(-n)) : n;
                }
            }
        }
    }

    /** The slice [from, to) of {@link #forward} on the Vector API. */
    static void forwardFast(int from, int to, float[] x, float[] gamma, float[] beta, float[] y, float[] mean,
                               float[] rstd, int B, int C, int HW, int G, float eps, int silu) {
        int cpg = C / G, len = cpg * HW;
        for (int item = from; item < to; item++) {
            int base = ((item / G) * C + (item % G) * cpg) * HW;
            float m = VectorSums.sum(x, base, len) / len;
            float var = VectorSums.centredSquares(x, base, len, m) / len;
            float r = (float) (1.0 / Math.sqrt(var + eps));
            mean[item] = m;
            rstd[item] = r;
            int upper = S.loopBound(HW);
            for (int c = 0; c < cpg; c++) {
                int ch = (item % G) * cpg + c, off = base + c * HW;
                float scale = r * gamma[ch], shift = beta[ch] - m * scale;
                int p = 0;
                for (; p < upper; p += L) {
                    FloatVector v = FloatVector.fromArray(S, x, off + p).fma(scale, shift);
                    if (silu != 0) {
                        v = v.div(VectorMath.exp(v.neg()).add(1f));
                    }
                    v.intoArray(y, off + p);
                }
                for (; p < HW; p++) {
                    float v = x[off + p] * scale + shift;
                    y[off + p] = silu != 0 ? v / (1f + (float) Math.exp(-v)) : v;
                }
            }
        }
    }

    public static void backwardInput(int from, int to, float[] dy, float[] x, float[] gamma, float[] beta,
                                     float[] mean, float[] rstd, float[] dx, int B, int C, int HW, int G, int silu) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int item = from + k;
            int cpg = C / G, g = item % G, len = cpg * HW;
            int base = ((item / G) * C + g * cpg) * HW;
            float m = mean[item], r = rstd[item];
            // Σ dxhat and Σ dxhat·xhat over the group, dxhat = dn·gamma
            float sumD = 0f, sumDX = 0f;
            for (int c = 0; c < cpg; c++) {
                int ch = g * cpg + c, off = base + c * HW;
                for (int p = 0; p < HW; p++) {
                    float xhat = (x[off + p] - m) * r;
                    float dxhat = normGrad(dy[off + p], xhat, gamma[ch], beta[ch], silu) * gamma[ch];
                    sumD += dxhat;
                    sumDX += dxhat * xhat;
                }
            }
            float meanD = sumD / len, meanDX = sumDX / len;
            for (int c = 0; c < cpg; c++) {
                int ch = g * cpg + c, off = base + c * HW;
                for (int p = 0; p < HW; p++) {
                    float xhat = (x[off + p] - m) * r;
                    float dxhat = normGrad(dy[off + p], xhat, gamma[ch], beta[ch], silu) * gamma[ch];
                    dx[off + p] += r * (dxhat - meanD - xhat * meanDX);
                }
            }
        }
    }

    public static void backwardParams(int from, int to, float[] dy, float[] x, float[] gamma, float[] beta,
                                      float[] mean, float[] rstd, float[] dgamma, float[] dbeta, int B, int C, int HW,
                                      int G, int silu) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int ch = from + k;
            int g = ch / (C / G);
            float sg = 0f, sb = 0f;
            for (int bi = 0; bi < B; bi++) {
                float m = mean[bi * G + g], r = rstd[bi * G + g];
                int off = (bi * C + ch) * HW;
                for (int p = 0; p < HW; p++) {
                    float xhat = (x[off + p] - m) * r;
                    float dn = normGrad(dy[off + p], xhat, gamma[ch], beta[ch], silu);
                    sg += dn * xhat;
                    sb += dn;
                }
            }
            dgamma[ch] += sg;
            dbeta[ch] += sb;
        }
    }

    /** Gradient at the affine output n = xhat·gamma + beta, through swish when silu ≠ 0. */
    static float normGrad(float dy, float xhat, float gamma, float beta, int silu) {
        if (silu == 0) {
            return dy;
        }
        float n = xhat * gamma + beta;
        float s = 1f / (1f + (float) Math.exp(-n));
        return dy * s * (1f + n * (1f - s));
    }
}
