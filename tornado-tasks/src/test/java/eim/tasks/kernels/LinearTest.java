package eim.tasks.kernels;

import static eim.tasks.testing.KernelHarness.*;

import eim.tasks.FloatArray;
import eim.tasks.testing.GradCheck;
import eim.tasks.testing.Golden;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearTest {
    static final int M = 7, N = 13, K = 37; // odd sizes exercise the vector tails

    @Test
    void openClTwinsMatchJava() {
        Random r = new Random(1);
        FloatArray x = randn("x", M * K, r), w = randn("w", N * K, r), b = randn("b", N, r);
        assertParity(Linear.FORWARD, new int[] {M, N}, x, w, b, zeros("y", M * N), M, N, K);
        FloatArray dy = randn("dy", M * N, r);
        assertParity(Linear.BACKWARD_INPUT, new int[] {M, K}, dy, w, randn("dx", M * K, r), M, N, K);
        assertParity(Linear.BACKWARD_WEIGHT, new int[] {N, K}, dy, x, randn("dw", N * K, r), randn("db", N, r), M, N, K);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(2);
        FloatArray x = randn("x", M * K, r), w = randn("w", N * K, r), b = randn("b", N, r);
        FloatArray y = zeros("y", M * N);
        float[] g = randn("g", M * N, r).array();
        Runnable fwd = () -> run(java(), Linear.FORWARD, new int[] {M, N}, x, w, b, y, M, N, K);
        java.util.function.DoubleSupplier loss = () -> {
            fwd.run();
            return GradCheck.weightedSum(y.array(), g);
        };
        FloatArray dy = new FloatArray("dy", g.clone());
        FloatArray dx = zeros("dx", M * K), dw = zeros("dw", N * K), db = zeros("db", N);
        run(java(), Linear.BACKWARD_INPUT, new int[] {M, K}, dy, w, dx, M, N, K);
        run(java(), Linear.BACKWARD_WEIGHT, new int[] {N, K}, dy, x, dw, db, M, N, K);
        GradCheck.check("dx", loss, x.array(), dx.array(), 40, 1e-2f, 2e-3);
        GradCheck.check("dw", loss, w.array(), dw.array(), 40, 1e-2f, 2e-3);
        GradCheck.check("db", loss, b.array(), db.array(), 13, 1e-2f, 2e-3);
    }
}
