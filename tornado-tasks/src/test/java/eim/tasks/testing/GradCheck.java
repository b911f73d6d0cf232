package eim.tasks.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.DoubleSupplier;

/**
 * Finite-difference gradient checks. The loss is evaluated in float (as the kernels compute),
 * with central differences; {@link #check} compares a few sampled coordinates against the
 * analytic gradient from a backward kernel.
 */
public final class GradCheck {
    private GradCheck() {}

    /** Central difference d loss / d param[i] with step eps. Restores param[i]. */
    public static double numeric(DoubleSupplier loss, float[] param, int i, float eps) {
        float old = param[i];
        param[i] = old + eps;
        double up = loss.getAsDouble();
        param[i] = old - eps;
        double down = loss.getAsDouble();
        param[i] = old;
        return (up - down) / (2.0 * eps);
    }

    /**
     * Checks {@code analytic} against finite differences of {@code loss} for up to {@code samples}
     * coordinates of {@code param} (evenly spread). Error is |a-n| / max(1, |a|, |n|).
     */
    public static void check(String what, DoubleSupplier loss, float[] param, float[] analytic, int samples,
                             float eps, double tol) {
        int n = param.length;
        int step = Math.max(1, n / samples);
        for (int i = 0; i < n; i += step) {
            double num = numeric(loss, param, i, eps);
            double a = analytic[i];
            double err = Math.abs(a - num) / Math.max(1.0, Math.max(Math.abs(a), Math.abs(num)));
            if (!(err <= tol)) {
                fail(String.format("%s[%d]: analytic %.6g vs numeric %.6g (error %.3g > %.1g)", what, i, a, num, err, tol));
            }
        }
    }

    /** Σ out·w in double: the scalar loss whose gradient w.r.t. out is w. */
    public static double weightedSum(float[] out, float[] w) {
        double s = 0;
        for (int i = 0; i < out.length; i++) {
            s += (double) out[i] * w[i];
        }
        return s;
    }
}
