package eim.tasks.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Vector forms of scalar functions the portable bodies use, for the java backend's fast paths: e^x,
 * and {@link Rng#uniform} in int lanes.
 *
 * <p>e^x for the java backend's Vector API fast paths, from multiplications, additions, conversions and
 * shifts only. The Vector API's own {@code lanewise(EXP)} runs one algorithm before C2 compiles the
 * calling method (a Java fallback) and another after (an SVML stub): in one JVM the same inputs gave
 * results 1 ulp apart in ~1% of elements, so a model's output depended on how warm the JIT was, and
 * two runs of one training step could differ. Basic arithmetic gives the same bits in every tier.
 *
 * <p>Cephes' expf: x = n·ln 2 + r with n = round(x·log2 e) and |r| ≤ ln 2 / 2 (ln 2 split in two
 * constants), e^r by a degree-5 polynomial, 2^n by exponent bits. n is rounded by adding 1.5·2^23,
 * which leaves it in the low bits of the sum (no conversions or masks: these compiled slowly).
 * Within 1 ulp of {@link Math#exp} on [-87, 88]. Inputs are clamped to [-87.33, 88.02], so that
 * 2^n stays a normal float: below, the result is about 1e-38 instead of a subnormal or 0; above,
 * about 1.7e38 instead of infinity. NaN stays NaN.
 */
final class VectorMath {
    private static final float MIN_ARG = -87.3365447505531f, MAX_ARG = 88.0296919311130f;
    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds a float in (-2^22, 2^22) to an integer held in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = 0x4B400000;

    private VectorMath() {}

    static FloatVector exp(FloatVector x) {
        x = x.max(MIN_ARG).min(MAX_ARG);
        FloatVector shifted = x.mul(LOG2E).add(ROUNDER);
        FloatVector n = shifted.sub(ROUNDER);
        FloatVector r = x.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector z = r.mul(r);
        FloatVector p = r.mul(1.9875691500e-4f).add(1.3981999507e-3f).mul(r).add(8.3334519073e-3f).mul(r)
                .add(4.1665795894e-2f).mul(r).add(1.6666665459e-1f).mul(r).add(5.0000001201e-1f);
        FloatVector y = p.mul(z).add(r).add(1f);
        FloatVector pow2n = shifted.reinterpretAsInts().sub(ROUNDER_BITS - 127).lanewise(VectorOperators.LSHL, 23)
                .reinterpretAsFloats();
        return y.mul(pow2n);
    }

    /**
     * {@link Rng#uniform}(seed, index) in each lane, bit for bit: wrapping multiplies, logical
     * shifts, and 24-bit values, which convert to float exactly. The floats have index's lane count
     * (the preferred float species where it matches the int one). A scalar call per draw cost 15 cycles.
     */
    static FloatVector uniform(int seed, IntVector index) {
        IntVector x = index.mul(0x9E3779B9).lanewise(VectorOperators.XOR, seed * 0x85EBCA6B);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16)).mul(0x7FEB352D);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 15)).mul(0x846CA68B);
        x = x.lanewise(VectorOperators.XOR, x.lanewise(VectorOperators.LSHR, 16));
        return ((FloatVector) x.lanewise(VectorOperators.LSHR, 8).convert(VectorOperators.I2F, 0)).mul(0x1.0p-24f);
    }
}
