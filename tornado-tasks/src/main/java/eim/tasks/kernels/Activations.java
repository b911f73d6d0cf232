package eim.tasks.kernels;

import eim.tasks.Kernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Pointwise activations: GELU in its exact erf form (PyTorch's default {@code F.gelu}) and SiLU.
 * Range {n}. Backward kernels accumulate into dx, except GELU's fused with dropout, which writes it.
 * One portable body each (plain loops); the java backend's fast paths compute in float vectors,
 * GELU's Φ with a one-exp approximation of erfc (error below 1e-7, see {@link #geluFast}).
 */
public final class Activations {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final double SQRT1_2 = 0.70710678118654752440;
    private static final double INV_SQRT_2PI = 0.39894228040143267794;

    /** range {n}: y = x·Φ(x) = 0.5·x·(1 + erf(x/√2)). Args: x, y, n. */
    public static final Kernel GELU_FORWARD = Kernel.of("gelu_forward", Activations::geluForward)
            .withFast((from, to, a) -> geluFast(from, to, a.f(0), null, a.f(1), false));

    /** range {n}: dx += dy·(Φ(x) + x·φ(x)). Args: x, dy, dx, n. */
    public static final Kernel GELU_BACKWARD = Kernel.of("gelu_backward", Activations::geluBackward)
            .withFast((from, to, a) -> geluFast(from, to, a.f(0), a.f(1), a.f(2), true));

    /**
     * range {n}: y = dropout(x·Φ(x)), the MLP's GELU and the dropout after it in one pass, with
     * {@link Dropout}'s mask and scaling (the same bits as GELU_FORWARD then Dropout.FORWARD). The
     * GELU's output itself is never stored: its backward needs x only. Args: x, y, n, p (float),
     * seed (an IntParam, as Dropout's).
     */
    public static final Kernel GELU_DROPOUT_FORWARD = Kernel.of("gelu_dropout_forward", Activations::geluDropoutForward)
            .withFast((from, to, a) -> geluDropoutFast(from, to, a.f(0), null, a.f(1), a.x(3), a.i(4), a.i(4, 1)));

    /**
     * range {n}: dx = dropout(dy)·(Φ(x) + x·φ(x)), overwriting dx: the backward of
     * {@link #GELU_DROPOUT_FORWARD} as the first (and only) writer of dx, so no zeroing pass and no
     * gradient of the GELU's output in memory. Args: x, dy, dx, n, p (float), seed (an IntParam).
     */
    public static final Kernel GELU_DROPOUT_BACKWARD = Kernel.of("gelu_dropout_backward", Activations::geluDropoutBackward)
            .withFast((from, to, a) -> geluDropoutFast(from, to, a.f(0), a.f(1), a.f(2), a.x(4), a.i(5), a.i(5, 1)));

    /** range {n}: y = x·σ(x). Args: x, y, n. */
    public static final Kernel SILU_FORWARD = Kernel.of("silu_forward", Activations::siluForward)
            .withFast((from, to, a) -> siluFast(from, to, a.f(0), null, a.f(1)));

    /** range {n}: dx += dy·σ(x)·(1 + x·(1 − σ(x))). Args: x, dy, dx, n. */
    public static final Kernel SILU_BACKWARD = Kernel.of("silu_backward", Activations::siluBackward)
            .withFast((from, to, a) -> siluFast(from, to, a.f(0), a.f(1), a.f(2)));

    private Activations() {}

    public static void geluForward(int from, int to, float[] x, float[] y, int n) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            double v = x[i];
            y[i] = (float) (0.5 * v * (1.0 + erf(v * SQRT1_2)));
        }
    }

    public static void geluBackward(int from, int to, float[] x, float[] dy, float[] dx, int n) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            double v = x[i];
            double cdf = 0.5 * (1.0 + erf(v * SQRT1_2));
            double pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
            dx[i] += (float) (dy[i] * (cdf + v * pdf));
        }
    }

    public static void geluDropoutForward(int from, int to, float[] x, float[] y, int n, float p, int[] seed) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            double v = x[i];
            float g = (float) (0.5 * v * (1.0 + erf(v * SQRT1_2)));
            float scale = 1f / (1f - p);
            int offset = Rng.offset(seed);
            y[i] = Rng.uniform(seed[0], offset + i) >= p ? g * scale : 0f;
        }
    }

    public static void geluDropoutBackward(int from, int to, float[] x, float[] dy, float[] dx, int n, float p,
                                           int[] seed) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            float scale = 1f / (1f - p);
            int offset = Rng.offset(seed);
            float d = Rng.uniform(seed[0], offset + i) >= p ? dy[i] * scale : 0f;
            double v = x[i];
            double cdf = 0.5 * (1.0 + erf(v * SQRT1_2));
            double pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
            dx[i] = (float) (d * (cdf + v * pdf));
        }
    }

    public static void siluForward(int from, int to, float[] x, float[] y, int n) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            float v = x[i];
            y[i] = v * sigmoid(v);
        }
    }

    public static void siluBackward(int from, int to, float[] x, float[] dy, float[] dx, int n) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            float v = x[i];
            float s = sigmoid(v);
            dx[i] += dy[i] * s * (1f + v * (1f - s));
        }
    }

    /**
     * Fast path of GELU: forward (dy null) y = x·Φ(x), backward dy·(Φ(x) + x·φ(x)) added to out
     * ({@code accumulate}) or written (dy may then be out itself). Φ comes from erfc(z),
     * z = |x|/√2, by Abramowitz and Stegun 7.1.26 (erfc(z) = poly(t)·e^(−z²),
     * t = 1/(1 + 0.3275911·z), absolute error below 1.5e-7), whose e^(−z²) is also √(2π)·φ(x):
     * one exponential per element, no branches, no cancellation for negative x.
     */
    static void geluFast(int from, int to, float[] x, float[] dy, float[] out, boolean accumulate) {
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector z = v.abs().mul((float) SQRT1_2);
            FloatVector e = VectorMath.exp(z.mul(z).neg());
            FloatVector t = z.mul(0.3275911f).add(1f);
            t = FloatVector.broadcast(S, 1f).div(t);
            FloatVector poly = t.mul(1.061405429f).add(-1.453152027f).mul(t).add(1.421413741f).mul(t).add(-0.284496736f)
                    .mul(t).add(0.254829592f).mul(t);
            FloatVector tail = poly.mul(e).mul(0.5f); // Φ(−|x|)
            VectorMask<Float> negative = v.compare(VectorOperators.LT, 0f);
            FloatVector cdf = tail.neg().add(1f).blend(tail, negative);
            if (dy == null) {
                v.mul(cdf).intoArray(out, i);
            } else {
                FloatVector pdf = e.mul((float) INV_SQRT_2PI);
                FloatVector d = FloatVector.fromArray(S, dy, i).mul(v.mul(pdf).add(cdf));
                if (accumulate) {
                    d = d.add(FloatVector.fromArray(S, out, i));
                }
                d.intoArray(out, i);
            }
        }
        for (; i < to; i++) {
            double v = x[i];
            double cdf = 0.5 * (1.0 + erf(v * SQRT1_2));
            if (dy == null) {
                out[i] = (float) (v * cdf);
            } else {
                float d = (float) (dy[i] * (cdf + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v)));
                out[i] = accumulate ? out[i] + d : d;
            }
        }
    }

    /** Elements per step of {@link #geluDropoutFast}: 8 KiB, so the second pass reads from L1. */
    private static final int FUSED_CHUNK = 2048;

    /**
     * Fast path of GELU fused with dropout, a chunk in L1 at a time: forward (dy null) the GELU into
     * out, then {@link Dropout#fast} in place; backward dropout(dy) into out, then GELU's backward
     * in place, overwriting. The separate kernels' own operations, so their bits (but for the sign
     * of a dropped gradient's zero), and one pass over memory. (One loop doing both computed the hash
     * in a call C2 would not inline, its node budget spent, and boxed vectors: 3x slower.)
     */
    static void geluDropoutFast(int from, int to, float[] x, float[] dy, float[] out, float p, int seed, int offset) {
        for (int c0 = from; c0 < to; c0 += FUSED_CHUNK) {
            int c1 = Math.min(to, c0 + FUSED_CHUNK);
            if (dy == null) {
                geluFast(c0, c1, x, null, out, false);
                Dropout.fast(c0, c1, out, out, false, p, seed, offset);
            } else {
                Dropout.fast(c0, c1, dy, out, false, p, seed, offset);
                geluFast(c0, c1, x, out, out, false);
            }
        }
    }

    /** Fast path of SiLU: forward (dy null) y = x·σ(x), backward dx += dy·σ(x)·(1 + x·(1 − σ(x))). */
    static void siluFast(int from, int to, float[] x, float[] dy, float[] out) {
        int i = from;
        for (int upper = from + S.loopBound(to - from); i < upper; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, i);
            FloatVector s = FloatVector.broadcast(S, 1f).div(VectorMath.exp(v.neg()).add(1f));
            if (dy == null) {
                v.mul(s).intoArray(out, i);
            } else {
                FloatVector d = v.mul(s.neg().add(1f)).add(1f).mul(s).mul(FloatVector.fromArray(S, dy, i));
                d.add(FloatVector.fromArray(S, out, i)).intoArray(out, i);
            }
        }
        for (; i < to; i++) {
            float v = x[i];
            float s = sigmoid(v);
            if (dy == null) {
                out[i] = v * s;
            } else {
                out[i] += dy[i] * s * (1f + v * (1f - s));
            }
        }
    }

    public static float sigmoid(float v) {
        return 1f / (1f + (float) Math.exp(-v));
    }

    /**
     * The error function, accurate to about 1e-16 (absolute) for every double: the rational
     * approximations of Sun's fdlibm s_erf.c (W. J. Cody's method; error below 1 ulp of a double),
     * evaluated on four intervals of |x|. Java's Math has no erf. The coefficients are written
     * out in Horner form (no static arrays) so that TornadoVM can compile it into kernels.
     */
    public static double erf(double x) {
        double ax = Math.abs(x);
        double r;
        if (x != x) {
            r = x; // NaN
        } else if (ax < 0.84375) {
            // erf(x) = x + x·R(x²)
            double z = x * x;
            double p = 1.28379167095512558561e-01 + z * (-3.25042107247001499370e-01 + z * (-2.84817495755985104766e-02
                    + z * (-5.77027029648944159157e-03 + z * -2.37630166566501626084e-05)));
            double q = 1.0 + z * (3.97917223959155352819e-01 + z * (6.50222499887672944485e-02
                    + z * (5.08130628187576562776e-03 + z * (1.32494738004321644526e-04 + z * -3.96022827877536812320e-06))));
            r = x + x * (p / q);
        } else if (ax < 1.25) {
            // erf near 1 is erx + P/Q of (|x| − 1)
            double s = ax - 1.0;
            double p = -2.36211856075265944077e-03 + s * (4.14856118683748331666e-01 + s * (-3.72207876035701323847e-01
                    + s * (3.18346619901161753674e-01 + s * (-1.10894694282396677476e-01
                    + s * (3.54783043256182359371e-02 + s * -2.16637559486879084300e-03)))));
            double q = 1.0 + s * (1.06420880400844228286e-01 + s * (5.40397917702171048937e-01
                    + s * (7.18286544141962662868e-02 + s * (1.26171219808761642112e-01
                    + s * (1.36370839120290507362e-02 + s * 1.19844998467991074170e-02)))));
            r = 8.45062911510467529297e-01 + p / q;
            if (x < 0) {
                r = -r;
            }
        } else if (ax < 6.0) {
            // erfc(x) = exp(−x² − 0.5625 + R/S(1/x²)) / x
            double s = 1.0 / (ax * ax);
            double rs;
            if (ax < 1.0 / 0.35) {
                double p = -9.86494403484714822705e-03 + s * (-6.93858572707181764372e-01
                        + s * (-1.05586262253232909814e+01 + s * (-6.23753324503260060396e+01
                        + s * (-1.62396669462573470355e+02 + s * (-1.84605092906711035994e+02
                        + s * (-8.12874355063065934246e+01 + s * -9.81432934416914548592e+00))))));
                double q = 1.0 + s * (1.96512716674392571292e+01 + s * (1.37657754143519042600e+02
                        + s * (4.34565877475229228821e+02 + s * (6.45387271733267880336e+02
                        + s * (4.29008140027567833386e+02 + s * (1.08635005541779435134e+02
                        + s * (6.57024977031928170135e+00 + s * -6.04244152148580987438e-02)))))));
                rs = p / q;
            } else {
                double p = -9.86494292470009928597e-03 + s * (-7.99283237680523006574e-01
                        + s * (-1.77579549177547519889e+01 + s * (-1.60636384855821916062e+02
                        + s * (-6.37566443368389627722e+02 + s * (-1.02509513161107724954e+03
                        + s * -4.83519191608651397019e+02)))));
                double q = 1.0 + s * (3.03380607434824582924e+01 + s * (3.25792512996573918826e+02
                        + s * (1.53672958608443695994e+03 + s * (3.19985821950859553908e+03
                        + s * (2.55305040643316442583e+03 + s * (4.74528541206955367215e+02
                        + s * -2.24409524465858183362e+01))))));
                rs = p / q;
            }
            r = 1.0 - Math.exp(-ax * ax - 0.5625 + rs) / ax;
            if (x < 0) {
                r = -r;
            }
        } else {
            r = 1.0; // erfc(6) < 3e-17
            if (x < 0) {
                r = -r;
            }
        }
        return r;
    }
}
