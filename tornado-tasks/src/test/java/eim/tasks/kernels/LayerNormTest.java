package eim.tasks.kernels;

import static eim.tasks.kernels.BasicKernelTesting.*;
import static eim.tasks.testing.KernelHarness.*;

import eim.tasks.FloatArray;
import eim.tasks.testing.GradCheck;
import eim.tasks.testing.Golden;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class LayerNormTest {
    static final int ROWS = 7, D = 37;

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        for (int affine = 0; affine <= 1; affine++) {
            FloatArray x = randn("x", ROWS * D, r), dy = randn("dy", ROWS * D, r);
            // without affine, w and b are 1-element dummies: reading them would fail or differ
            FloatArray w = affine == 1 ? randn("w", D, r) : zeros("w", 1), b = affine == 1 ? randn("b", D, r) : zeros("b", 1);
            assertParity(LayerNorm.FORWARD, new int[] {ROWS}, x, w, b, zeros("y", ROWS * D), zeros("mean", ROWS),
                    zeros("rstd", ROWS), ROWS, D, 1e-6f, affine);
            FloatArray mean = zeros("mean", ROWS), rstd = zeros("rstd", ROWS);
            run(java(), LayerNorm.FORWARD, new int[] {ROWS}, x, w, b, zeros("y", ROWS * D), mean, rstd, ROWS, D, 1e-5f, affine);
            assertParity(LayerNorm.BACKWARD_INPUT, new int[] {ROWS}, dy, x, w, mean, rstd, randn("dx", ROWS * D, r),
                    ROWS, D, affine);
            assertParity(LayerNorm.BACKWARD_PARAMS, new int[] {D}, dy, x, mean, rstd, randn("dw", D, r),
                    randn("db", D, r), ROWS, D);
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        for (int affine = 0; affine <= 1; affine++) {
            Random r = new Random(2 + affine);
            FloatArray x = randn("x", ROWS * D, r), w = randn("w", D, r), b = randn("b", D, r);
            FloatArray y = zeros("y", ROWS * D), mean = zeros("mean", ROWS), rstd = zeros("rstd", ROWS);
            float[] g = randn("g", ROWS * D, r).array();
            int aff = affine;
            DoubleSupplier loss = () -> {
                run(java(), LayerNorm.FORWARD, new int[] {ROWS}, x, w, b, y, mean, rstd, ROWS, D, 1e-6f, aff);
                return GradCheck.weightedSum(y.array(), g);
            };
            loss.getAsDouble(); // fills mean and rstd for the backward kernels
            FloatArray dy = of("dy", g), dx = zeros("dx", ROWS * D), dw = zeros("dw", D), db = zeros("db", D);
            run(java(), LayerNorm.BACKWARD_INPUT, new int[] {ROWS}, dy, x, w, mean, rstd, dx, ROWS, D, affine);
            run(java(), LayerNorm.BACKWARD_PARAMS, new int[] {D}, dy, x, mean, rstd, dw, db, ROWS, D);
            GradCheck.check("layernorm dx (affine " + affine + ")", loss, x.array(), dx.array(), 60, 1e-2f, 3e-3);
            if (affine == 1) {
                GradCheck.check("layernorm dw", loss, w.array(), dw.array(), D, 1e-2f, 3e-3);
                GradCheck.check("layernorm db", loss, b.array(), db.array(), D, 1e-2f, 3e-3);
            }
        }
    }

    @Test
    void matchesPyTorch() {
        Golden gold = Golden.load("ops_layernorm");
        for (String name : new String[] {"affine_1e-6", "affine_1e-5", "plain_1e-6", "plain_1e-5"}) {
            String p = name + ".";
            boolean affine = name.startsWith("affine");
            float eps = Float.parseFloat(name.substring(name.indexOf('_') + 1));
            int rows = gold.tensor(p + "x").dim(0), d = gold.tensor(p + "x").dim(1);
            FloatArray x = of("x", gold.f(p + "x"));
            FloatArray w = affine ? of("w", gold.f(p + "w")) : zeros("w", 1), b = affine ? of("b", gold.f(p + "b")) : zeros("b", 1);
            FloatArray y = zeros("y", rows * d), mean = zeros("mean", rows), rstd = zeros("rstd", rows);
            run(java(), LayerNorm.FORWARD, new int[] {rows}, x, w, b, y, mean, rstd, rows, d, eps, affine ? 1 : 0);
            Golden.assertMatches(p + "y", y.array(), gold.f(p + "y"), 1e-4);
            Golden.assertMatches(p + "mean", mean.array(), gold.f(p + "mean"), 1e-4);
            Golden.assertMatches(p + "rstd", rstd.array(), gold.f(p + "rstd"), 1e-4);

            FloatArray dy = of("dy", gold.f(p + "dy")), dx = grad("dx", rows * d);
            run(java(), LayerNorm.BACKWARD_INPUT, new int[] {rows}, dy, x, w, mean, rstd, dx, rows, d, affine ? 1 : 0);
            Golden.assertMatches(p + "dx", dx.array(), accumulated(gold.f(p + "dx")), 1e-4);
            if (affine) {
                FloatArray dw = grad("dw", d), db = grad("db", d);
                run(java(), LayerNorm.BACKWARD_PARAMS, new int[] {d}, dy, x, mean, rstd, dw, db, rows, d);
                Golden.assertMatches(p + "dw", dw.array(), accumulated(gold.f(p + "dw")), 1e-4);
                Golden.assertMatches(p + "db", db.array(), accumulated(gold.f(p + "db")), 1e-4);
            }
        }
    }
}
