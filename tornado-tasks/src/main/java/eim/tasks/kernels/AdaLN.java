package eim.tasks.kernels;

import eim.tasks.Kernel;
import eim.tasks.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Adaptive-LayerNorm modulation as in DiT/MAR's {@code SimpleMLPAdaLN}: {@code modulate(x, shift,
 * scale) = x·(1 + scale) + shift} and the gated residual {@code x + gate·h}. The (shift, scale,
 * gate) chunks are not separate arrays but column blocks of {@code mod} (rows, modStride), the
 * output of the adaLN Linear, starting at column shiftOff / scaleOff / gateOff; the same offsets
 * address the matching blocks of its gradient {@code dmod}. Other shapes: (rows, W). Range {rows, W}.
 */
public final class AdaLN {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final String CL = "adaln.cl";

    /** h = xn·(1 + scale) + shift. Args: xn, mod, h, rows, W, modStride, shiftOff, scaleOff. */
    public static final Kernel MODULATE_FORWARD = Kernel.javaOnly("modulate_forward", CL,
            (from, to, a) -> modulateForward(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5), a.i(6), a.i(7)));

    /**
     * dxn += dh·(1 + scale); dmod[shift] += dh; dmod[scale] += dh·xn.
     * Args: xn, mod, dh, dxn, dmod, rows, W, modStride, shiftOff, scaleOff.
     */
    public static final Kernel MODULATE_BACKWARD = Kernel.javaOnly("modulate_backward", CL,
            (from, to, a) -> modulateBackward(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4),
                    a.i(5), a.i(6), a.i(7), a.i(8), a.i(9)));

    /** x += gate·h. Args: x, h, mod, rows, W, modStride, gateOff. */
    public static final Kernel GATE_ADD_FORWARD = Kernel.javaOnly("gate_add_forward", CL,
            (from, to, a) -> gateAddForward(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5), a.i(6)));

    /** dh += dx·gate; dmod[gate] += dx·h. Args: dx, h, mod, dh, dmod, rows, W, modStride, gateOff. */
    public static final Kernel GATE_ADD_BACKWARD = Kernel.javaOnly("gate_add_backward", CL,
            (from, to, a) -> gateAddBackward(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4),
                    a.i(5), a.i(6), a.i(7), a.i(8)));

    private AdaLN() {}

    public static void modulateForward(int from, int to, float[] xn, float[] mod, float[] h, int rows, int W,
                                       int modStride, int shiftOff, int scaleOff) {
        int upper = S.loopBound(W);
        for (@Parallel int r = from; r < to; r++) {
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

    public static void modulateBackward(int from, int to, float[] xn, float[] mod, float[] dh, float[] dxn,
                                        float[] dmod, int rows, int W, int modStride, int shiftOff, int scaleOff) {
        int upper = S.loopBound(W);
        for (@Parallel int r = from; r < to; r++) {
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

    public static void gateAddForward(int from, int to, float[] x, float[] h, float[] mod, int rows, int W,
                                      int modStride, int gateOff) {
        int upper = S.loopBound(W);
        for (@Parallel int r = from; r < to; r++) {
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

    public static void gateAddBackward(int from, int to, float[] dx, float[] h, float[] mod, float[] dh,
                                       float[] dmod, int rows, int W, int modStride, int gateOff) {
        int upper = S.loopBound(W);
        for (@Parallel int r = from; r < to; r++) {
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
