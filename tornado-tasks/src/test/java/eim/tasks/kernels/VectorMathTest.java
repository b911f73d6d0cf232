package eim.tasks.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class VectorMathTest {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** VectorMath.exp step by step in scalar floats: Java's float arithmetic gives these bits in every JIT tier. */
    private static float scalarExp(float x) {
        x = Math.min(Math.max(x, -87.3365447505531f), 88.0296919311130f);
        float shifted = x * 1.44269504088896341f + 12582912f;
        float n = shifted - 12582912f;
        float r = x - n * 0.693359375f - n * -2.12194440e-4f;
        float z = r * r;
        float p = ((((r * 1.9875691500e-4f + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r + 4.1665795894e-2f) * r
                + 1.6666665459e-1f) * r + 5.0000001201e-1f;
        float y = p * z + r + 1f;
        float pow2n = Float.intBitsToFloat(((Float.floatToRawIntBits(shifted) - (0x4B400000 - 127)) << 23));
        return y * pow2n;
    }

    private static float[] vectorExp(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i += S.length()) {
            VectorMath.exp(FloatVector.fromArray(S, x, i)).intoArray(y, i);
        }
        return y;
    }

    /**
     * The vector exp is the scalar formula bit for bit (so the same in the interpreter and in C2's
     * code, which the Vector API's own EXP is not), and within 1 ulp of Math.exp on [-87, 88].
     */
    @Test
    void expIsItsScalarFormulaBitForBitAndWithinOneUlp() {
        Random r = new Random(5);
        float[] x = new float[4096 * S.length()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * 30);
        }
        x[0] = 0f;
        x[1] = -100f;
        x[2] = 100f;
        x[3] = Float.NaN;
        float[] y = vectorExp(x);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToIntBits(scalarExp(x[i])), Float.floatToIntBits(y[i]), "exp(" + x[i] + ")");
            if (x[i] > -87f && x[i] < 88f) {
                float e = (float) Math.exp(x[i]);
                assertTrue(Math.abs(y[i] - e) <= Math.ulp(e), "exp(" + x[i] + ") = " + y[i] + ", Math.exp " + e);
            }
        }
        assertEquals(1f, y[0], 0f);
        assertTrue(Float.isNaN(y[3]), "NaN stays NaN");
        assertTrue(y[1] > 0f && y[1] < 1.2e-38f && Float.isFinite(y[2]) && y[2] > 1e38f, "clamped ends");
    }
}
