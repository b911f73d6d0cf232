package eim.tasks.kernels;

import eim.tasks.Kernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Adaptive-LayerNorm modulation as in DiT/MAR's {@code SimpleMLPAdaLN}: {@code modulate(x, shift,
 * scale) = x·(1 + scale) + shift} and the gated residual {@code x + gate·h}. The (shift, scale,
 * gate) chunks are not separate arrays but column blocks of {@code mod} (rows, modStride), the
 * output of the adaLN Linear, starting at column shiftOff / scaleOff / gateOff; the same offsets
 * address the matching blocks of its gradient {@code dmod}. Other shapes: (rows, W). Range {rows, W}.
 */
public final class AdaLN {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** h = xn·(1 + scale) + shift. Args: xn, mod, h, rows, W, modStride, shiftOff, scaleOff. */
    public static final Kernel MODULATE_FORWARD = Kernel.of("modulate_forward", AdaLN::modulateForward)
            .withFast((from, to, a) -> modulateForwardFast(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5), a.i(6), a.i(7)));

    /**
     * dxn += dh·(1 + scale); dmod[shift] += dh; dmod[scale] += dh·xn.
     * Args: xn, mod, dh, dxn, dmod, rows, W, modStride, shiftOff, scaleOff.
     */
    public static final Kernel MODULATE_BACKWARD = Kernel.of("modulate_backward", AdaLN::modulateBackward)
            .withFast((from, to, a) -> modulateBackwardFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4),
                    a.i(5), a.i(6), a.i(7), a.i(8), a.i(9)));

    /** x += gate·h. Args: x, h, mod, rows, W, modStride, gateOff. */
    public static final Kernel GATE_ADD_FORWARD = Kernel.of("gate_add_forward", AdaLN::gateAddForward)
            .withFast((from, to, a) -> gateAddForwardFast(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5), a.i(6)));

    /** dh += dx·gate; dmod[gate] += dx·h. Args: dx, h, mod, dh, dmod, rows, W, modStride, gateOff. */
    public static final Kernel GATE_ADD_BACKWARD = Kernel.of("gate_add_backward", AdaLN::gateAddBackward)
            .withFast((from, to, a) -> gateAddBackwardFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4),
                    a.i(5), a.i(6), a.i(7), a.i(8)));

    private AdaLN() {}

    public static void modulateForward(int from, int to, float[] xn, float[] mod, float[] h, int rows, int W,
                                       int modStride, int shiftOff, int scaleOff) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < W; c++) {
                int r = from + k;
                int i = r * W + c;
                int m = r * modStride + c;
                h[i] = xn[i] * (1f + mod[m + scaleOff]) + mod[m + shiftOff];
            }
        }
    }

    public static void modulateBackward(int from, int to, float[] xn, float[] mod, float[] dh, float[] dxn,
                                        float[] dmod, int rows, int W, int modStride, int shiftOff, int scaleOff) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < W; c++) {
                int r = from + k;
                int i = r * W + c;
                int m = r * modStride + c;
                float g = dh[i];
                dxn[i] += g * (1f + mod[m + scaleOff]);
                dmod[m + shiftOff] += g;
                dmod[m + scaleOff] += g * xn[i];
            }
        }
    }

    public static void gateAddForward(int from, int to, float[] x, float[] h, float[] mod, int rows, int W,
                                      int modStride, int gateOff) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < W; c++) {
                int r = from + k;
                int i = r * W + c;
                x[i] += mod[r * modStride + gateOff + c] * h[i];
            }
        }
    }

    public static void gateAddBackward(int from, int to, float[] dx, float[] h, float[] mod, float[] dh,
                                       float[] dmod, int rows, int W, int modStride, int gateOff) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int c = 0; c < W; c++) {
                int r = from + k;
                int i = r * W + c;
                int g = r * modStride + gateOff + c;
                float d = dx[i];
                dh[i] += d * mod[g];
                dmod[g] += d * h[i];
            }
        }
    }

    static void modulateForwardFast(int from, int to, float[] xn, float[] mod, float[] h, int rows, int W,
                                       int modStride, int shiftOff, int scaleOff) {
        int upper = S.loopBound(W);
        for (int r = from; r < to; r++) {
            int o = r * W, shift = r * modStride + shiftOff, scale = r * modStride + scaleOff;
            int c = 0;
            for (; c < upper; c += S.length()) {
                FloatVector x = FloatVector.fromArray(S, xn, o + c);
                x.fma(FloatVector.fromArray(S, mod, scale + c), x).add(FloatVector.fromArray(S, mod, shift + c))
                        .intoArray(h, o + c);
            }
            for (; c < W; c++) {
                h[o + c] = xn[o + c] * (1f + mod[scale + c]) + mod[shift + c];
            }
        }
    }

    static void modulateBackwardFast(int from, int to, float[] xn, float[] mod, float[] dh, float[] dxn,
                                        float[] dmod, int rows, int W, int modStride, int shiftOff, int scaleOff) {
        int upper = S.loopBound(W);
        for (int r = from; r < to; r++) {
            int o = r * W, shift = r * modStride + shiftOff, scale = r * modStride + scaleOff;
            int c = 0;
            for (; c < upper; c += S.length()) {
                FloatVector g = FloatVector.fromArray(S, dh, o + c);
                FloatVector sc = FloatVector.fromArray(S, mod, scale + c);
                g.fma(sc, g).add(FloatVector.fromArray(S, dxn, o + c)).intoArray(dxn, o + c);
                g.add(FloatVector.fromArray(S, dmod, shift + c)).intoArray(dmod, shift + c);
                g.fma(FloatVector.fromArray(S, xn, o + c), FloatVector.fromArray(S, dmod, scale + c))
                        .intoArray(dmod, scale + c);
            }
            for (; c < W; c++) {
                float g = dh[o + c];
                dxn[o + c] += g * (1f + mod[scale + c]);
                dmod[shift + c] += g;
                dmod[scale + c] += g * xn[o + c];
            }
        }
    }

    static void gateAddForwardFast(int from, int to, float[] x, float[] h, float[] mod, int rows, int W,
                                      int modStride, int gateOff) {
        int upper = S.loopBound(W);
        for (int r = from; r < to; r++) {
            int o = r * W, gate = r * modStride + gateOff;
            int c = 0;
            for (; c < upper; c += S.length()) {
                FloatVector.fromArray(S, mod, gate + c).fma(FloatVector.fromArray(S, h, o + c),
                        FloatVector.fromArray(S, x, o + c)).intoArray(x, o + c);
            }
            for (; c < W; c++) {
                x[o + c] += mod[gate + c] * h[o + c];
            }
        }
    }

    static void gateAddBackwardFast(int from, int to, float[] dx, float[] h, float[] mod, float[] dh,
                                       float[] dmod, int rows, int W, int modStride, int gateOff) {
        int upper = S.loopBound(W);
        for (int r = from; r < to; r++) {
            int o = r * W, gate = r * modStride + gateOff;
            int c = 0;
            for (; c < upper; c += S.length()) {
                FloatVector g = FloatVector.fromArray(S, dx, o + c);
                g.fma(FloatVector.fromArray(S, mod, gate + c), FloatVector.fromArray(S, dh, o + c)).intoArray(dh, o + c);
                g.fma(FloatVector.fromArray(S, h, o + c), FloatVector.fromArray(S, dmod, gate + c))
                        .intoArray(dmod, gate + c);
            }
            for (; c < W; c++) {
                float g = dx[o + c];
                dh[o + c] += g * mod[gate + c];
                dmod[gate + c] += g * h[o + c];
            }
        }
    }
}
