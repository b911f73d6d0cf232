package eim.tasks.kernels;

import static eim.tasks.kernels.BasicKernelTesting.*;
import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import eim.tasks.FloatArray;
import eim.tasks.IntParam;
import eim.tasks.Kernel;
import eim.tasks.testing.GradCheck;
import eim.tasks.testing.Golden;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class ActivationsTest {
    static final int N = 1001;

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        FloatArray x = scaled(randn("x", N, r), 3f), dy = randn("dy", N, r);
        assertParity(Activations.GELU_FORWARD, new int[] {N}, x, zeros("y", N), N);
        assertParity(Activations.GELU_BACKWARD, new int[] {N}, x, dy, randn("dx", N, r), N);
        assertParity(Activations.SILU_FORWARD, new int[] {N}, x, zeros("y", N), N);
        assertParity(Activations.SILU_BACKWARD, new int[] {N}, x, dy, randn("dx", N, r), N);
        // the fast paths' approximations over the whole range: tails, zero, both signs
        FloatArray wide = zeros("wide", N);
        for (int i = 0; i < N; i++) {
            wide.set(i, -40f + 80f * i / (N - 1));
        }
        assertParity(Activations.GELU_FORWARD, new int[] {N}, wide, zeros("y", N), N);
        assertParity(Activations.GELU_BACKWARD, new int[] {N}, wide, dy, zeros("dx", N), N);
        assertParity(Activations.SILU_FORWARD, new int[] {N}, wide, zeros("y", N), N);
        assertParity(Activations.SILU_BACKWARD, new int[] {N}, wide, dy, zeros("dx", N), N);
    }

    /**
     * GELU fused with dropout, both directions, on every backend against the portable body: a seed
     * with an element offset (a shard's), p = 0 (the backward still runs), and the backward
     * overwriting what dx held.
     */
    @Test
    void fusedGeluDropoutMatchesPortableBody() {
        Random r = new Random(3);
        FloatArray x = scaled(randn("x", N, r), 3f), dy = randn("dy", N, r);
        for (float p : new float[] {0f, 0.3f}) {
            IntParam seed = IntParam.of(-77, 12345);
            assertParity(Activations.GELU_DROPOUT_FORWARD, new int[] {N}, x, randn("y", N, r), N, p, seed);
            assertParity(Activations.GELU_DROPOUT_BACKWARD, new int[] {N}, x, dy, randn("dx", N, r), N, p, seed);
        }
    }

    /**
     * The fused kernels give the bits of the separate ones on the java backend: GELU then dropout
     * forward; dropout's backward and then GELU's, each into a zeroed gradient (what the MLP ran
     * before the fusion; there a dropped element's 0 + (−0) is +0, here −0: equal as numbers).
     * Ranges with a vector tail and a slice that starts inside a vector.
     */
    @Test
    void fusedGeluDropoutEqualsTheSeparateKernelsBitForBit() {
        Random r = new Random(4);
        float p = 0.25f;
        IntParam seed = IntParam.of(99, 7);
        FloatArray x = scaled(randn("x", N, r), 3f), dy = randn("dy", N, r);
        FloatArray g = zeros("g", N), separate = zeros("y", N), fused = randn("fused", N, r);
        run(java(), Activations.GELU_FORWARD, new int[] {N}, x, g, N);
        run(java(), Dropout.FORWARD, new int[] {N}, g, separate, N, p, seed);
        run(java(), Activations.GELU_DROPOUT_FORWARD, new int[] {N}, x, fused, N, p, seed);
        assertArrayEquals(separate.array(), fused.array(), "forward");
        FloatArray dg = zeros("dg", N), dxSeparate = zeros("dx", N), dxFused = randn("dx_fused", N, r);
        run(java(), Dropout.BACKWARD, new int[] {N}, dy, dg, N, p, seed);
        run(java(), Activations.GELU_BACKWARD, new int[] {N}, x, dg, dxSeparate, N);
        run(java(), Activations.GELU_DROPOUT_BACKWARD, new int[] {N}, x, dy, dxFused, N, p, seed);
        assertArrayEquals(dxSeparate.array(), plusZero(dxFused.array()), "backward");
        // the fast paths alone on a slice starting mid-vector and ending in a scalar tail (where a slice
        // ends decides which elements take the scalar tail's exact erf, so both sides get the same slice)
        int from = 5, to = N - 3;
        float[] dgPart = new float[N], separatePart = new float[N], fusedPart = dxFused.array().clone();
        Dropout.fast(from, to, dy.array(), dgPart, true, p, 99, 7);
        Activations.geluFast(from, to, x.array(), dgPart, separatePart, true);
        Activations.geluDropoutFast(from, to, x.array(), dy.array(), fusedPart, p, 99, 7);
        assertArrayEquals(java.util.Arrays.copyOfRange(separatePart, from, to),
                plusZero(java.util.Arrays.copyOfRange(fusedPart, from, to)), "backward slice");
    }

    /** v + 0: −0 becomes +0, every other value (NaN included) stays. */
    private static float[] plusZero(float[] v) {
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += 0f;
        }
        return out;
    }

    @Test
    void fusedGeluDropoutBackwardMatchesFiniteDifferences() {
        Random r = new Random(8);
        int n = 97;
        float p = 0.3f;
        IntParam seed = IntParam.of(5, 0);
        FloatArray x = scaled(randn("x", n, r), 3f), y = zeros("y", n);
        float[] g = randn("g", n, r).array();
        DoubleSupplier loss = () -> {
            run(java(), Activations.GELU_DROPOUT_FORWARD, new int[] {n}, x, y, n, p, seed);
            return GradCheck.weightedSum(y.array(), g);
        };
        FloatArray dx = randn("dx", n, r); // overwritten
        run(java(), Activations.GELU_DROPOUT_BACKWARD, new int[] {n}, x, new FloatArray("dy", g.clone()), dx, n, p, seed);
        GradCheck.check("gelu_dropout dx", loss, x.array(), dx.array(), n, 1e-2f, 2e-3);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        gradCheck(Activations.GELU_FORWARD, Activations.GELU_BACKWARD);
        gradCheck(Activations.SILU_FORWARD, Activations.SILU_BACKWARD);
    }

    private static void gradCheck(Kernel forward, Kernel backward) {
        Random r = new Random(2);
        int n = 97;
        FloatArray x = scaled(randn("x", n, r), 3f), y = zeros("y", n);
        float[] g = randn("g", n, r).array();
        DoubleSupplier loss = () -> {
            run(java(), forward, new int[] {n}, x, y, n);
            return GradCheck.weightedSum(y.array(), g);
        };
        FloatArray dx = zeros("dx", n);
        run(java(), backward, new int[] {n}, x, new FloatArray("dy", g.clone()), dx, n);
        GradCheck.check(backward.name() + " dx", loss, x.array(), dx.array(), n, 1e-2f, 2e-3);
    }

    @Test
    void matchesPyTorch() {
        Golden gold = Golden.load("ops_activations");
        FloatArray x = new FloatArray("x", gold.f("x"));
        int n = x.size();
        for (String act : new String[] {"gelu", "silu"}) {
            Kernel fwd = act.equals("gelu") ? Activations.GELU_FORWARD : Activations.SILU_FORWARD;
            Kernel bwd = act.equals("gelu") ? Activations.GELU_BACKWARD : Activations.SILU_BACKWARD;
            FloatArray y = zeros("y", n);
            run(java(), fwd, new int[] {n}, x, y, n);
            Golden.assertMatches(act + " y", y.array(), gold.f(act + "_y"), 1e-4);
            FloatArray dx = grad("dx", n);
            run(java(), bwd, new int[] {n}, x, of("dy", gold.f(act + "_dy")), dx, n);
            Golden.assertMatches(act + " dx", dx.array(), accumulated(gold.f(act + "_dx")), 1e-4);
        }
    }

    /** Against torch.erf in float64 on a float32 grid (the golden stores it rounded to float32). */
    @Test
    void erfIsAccurateToOneTenMillionth() {
        Golden gold = Golden.load("ops_activations");
        float[] xs = gold.f("erf_x"), ref = gold.f("erf_ref");
        for (int i = 0; i < xs.length; i++) {
            double err = Math.abs(Activations.erf(xs[i]) - ref[i]);
            if (!(err < 1e-7)) {
                fail("erf(" + xs[i] + ") = " + Activations.erf(xs[i]) + ", torch " + ref[i] + " (error " + err + ")");
            }
        }
    }

    /** Against an independent double-precision series, which has no cancellation for any x. */
    @Test
    void erfMatchesSeriesInDoublePrecision() {
        for (double x = -7; x <= 7; x += 0.00731) {
            double err = Math.abs(Activations.erf(x) - erfSeries(x));
            if (!(err < 1e-13)) {
                fail("erf(" + x + ") = " + Activations.erf(x) + ", series " + erfSeries(x) + " (error " + err + ")");
            }
        }
        if (Activations.erf(0.0) != 0.0 || Activations.erf(40) != 1.0 || Activations.erf(-40) != -1.0) {
            fail("erf(0), erf(±40) must be 0, ±1");
        }
    }

    /** erf(x) = 2/√π · e^(−x²) · Σ_n 2ⁿ x^(2n+1) / (1·3·…·(2n+1)): all terms share the sign of x. */
    private static double erfSeries(double x) {
        double term = x, sum = x;
        for (int n = 1; n < 400; n++) {
            term *= 2 * x * x / (2 * n + 1);
            sum += term;
            if (Math.abs(term) < 1e-18 * Math.abs(sum)) {
                break;
            }
        }
        return 2 / Math.sqrt(Math.PI) * Math.exp(-x * x) * sum;
    }
}
