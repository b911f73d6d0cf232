package eim.tasks.kernels;

import static eim.tasks.testing.KernelHarness.*;

import eim.tasks.FloatArray;
import eim.tasks.testing.GradCheck;
import eim.tasks.testing.Golden;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class GroupNormTest {
    // HW = 15: two channels per group give 30 values, a vector and a tail per channel
    static final int B = 2, C = 8, HW = 15, G = 4;
    static final float EPS = 1e-6f;

    static FloatArray[] params(Random r) {
        float[] gamma = new float[C], beta = new float[C];
        for (int c = 0; c < C; c++) {
            gamma[c] = 1f + 0.3f * (float) r.nextGaussian();
            beta[c] = 0.3f * (float) r.nextGaussian();
        }
        return new FloatArray[] {new FloatArray("gamma", gamma), new FloatArray("beta", beta)};
    }

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        for (int silu = 0; silu <= 1; silu++) {
            FloatArray x = randn("x", B * C * HW, r);
            FloatArray[] p = params(r);
            FloatArray mean = zeros("mean", B * G), rstd = zeros("rstd", B * G);
            assertParity(GroupNorm.FORWARD, new int[] {B * G}, x, p[0], p[1], zeros("y", B * C * HW), mean, rstd,
                    B, C, HW, G, EPS, silu);
            run(java(), GroupNorm.FORWARD, new int[] {B * G}, x, p[0], p[1], zeros("y", B * C * HW), mean, rstd,
                    B, C, HW, G, EPS, silu);
            FloatArray dy = randn("dy", B * C * HW, r);
            assertParity(GroupNorm.BACKWARD_INPUT, new int[] {B * G}, dy, x, p[0], p[1], mean, rstd,
                    randn("dx", B * C * HW, r), B, C, HW, G, silu);
            assertParity(GroupNorm.BACKWARD_PARAMS, new int[] {C}, dy, x, p[0], p[1], mean, rstd, randn("dg", C, r),
                    randn("db", C, r), B, C, HW, G, silu);
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(2);
        for (int silu = 0; silu <= 1; silu++) {
            int s = silu;
            FloatArray x = randn("x", B * C * HW, r), y = zeros("y", B * C * HW);
            FloatArray[] p = params(r);
            FloatArray mean = zeros("mean", B * G), rstd = zeros("rstd", B * G);
            float[] g = randn("g", B * C * HW, r).array();
            DoubleSupplier loss = () -> {
                run(java(), GroupNorm.FORWARD, new int[] {B * G}, x, p[0], p[1], y, mean, rstd, B, C, HW, G, EPS, s);
                return GradCheck.weightedSum(y.array(), g);
            };
            loss.getAsDouble();
            FloatArray dy = new FloatArray("dy", g.clone());
            FloatArray dx = zeros("dx", B * C * HW), dg = zeros("dg", C), db = zeros("db", C);
            run(java(), GroupNorm.BACKWARD_INPUT, new int[] {B * G}, dy, x, p[0], p[1], mean, rstd, dx, B, C, HW, G, s);
            run(java(), GroupNorm.BACKWARD_PARAMS, new int[] {C}, dy, x, p[0], p[1], mean, rstd, dg, db, B, C, HW, G, s);
            GradCheck.check("silu " + s + " dx", loss, x.array(), dx.array(), 60, 1e-2f, 3e-3);
            GradCheck.check("silu " + s + " dgamma", loss, p[0].array(), dg.array(), C, 1e-2f, 3e-3);
            GradCheck.check("silu " + s + " dbeta", loss, p[1].array(), db.array(), C, 1e-2f, 3e-3);
        }
    }

    @Test
    void matchesPyTorch() {
        Golden gold = Golden.load("tokenizer_ops");
        for (var device : devices()) {
            for (int silu = 0; silu <= 1; silu++) {
                String p = silu == 1 ? "gns_" : "gn_";
                FloatArray x = new FloatArray("x", gold.f(p + "x"));
                FloatArray gamma = new FloatArray("gamma", gold.f(p + "gamma")), beta = new FloatArray("beta", gold.f(p + "beta"));
                FloatArray y = zeros("y", B * C * HW), mean = zeros("mean", B * G), rstd = zeros("rstd", B * G);
                run(device, GroupNorm.FORWARD, new int[] {B * G}, x, gamma, beta, y, mean, rstd, B, C, HW, G, EPS, silu);
                FloatArray dy = new FloatArray("g", gold.f(p + "g"));
                FloatArray dx = zeros("dx", B * C * HW), dg = zeros("dg", C), db = zeros("db", C);
                run(device, GroupNorm.BACKWARD_INPUT, new int[] {B * G}, dy, x, gamma, beta, mean, rstd, dx, B, C, HW, G, silu);
                run(device, GroupNorm.BACKWARD_PARAMS, new int[] {C}, dy, x, gamma, beta, mean, rstd, dg, db, B, C, HW, G, silu);
                String at = device.name() + " " + p;
                Golden.assertMatches(at + "y", y.array(), gold.f(p + "y"), 1e-4);
                Golden.assertMatches(at + "dx", dx.array(), gold.f(p + "dx"), 1e-4);
                Golden.assertMatches(at + "dgamma", dg.array(), gold.f(p + "dgamma"), 1e-4);
                Golden.assertMatches(at + "dbeta", db.array(), gold.f(p + "dbeta"), 1e-4);
            }
        }
    }
}
