package eim.tasks.kernels;

import static eim.tasks.kernels.BasicKernelTesting.*;
import static eim.tasks.testing.KernelHarness.*;

import eim.tasks.FloatArray;
import eim.tasks.FloatParam;
import eim.tasks.testing.GradCheck;
import eim.tasks.testing.Golden;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class FlowMatchingTest {
    static final int N = 9, C = 21, ROWS = 5, D = 19, TIMES = 4, B = 3;

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        FloatArray x0 = randn("x0", N * C, r), noise = randn("noise", N * C, r), pred = randn("pred", N * C, r);
        FloatArray t = zeros("t", N);
        for (int i = 0; i < N; i++) {
            t.set(i, r.nextFloat());
        }
        assertParity(FlowMatching.FLOW_INTERPOLATE, new int[] {N, C}, x0, noise, t, zeros("xt", N * C),
                zeros("target", N * C), N, C);
        assertParity(FlowMatching.MSE_FORWARD, new int[] {N}, pred, noise, zeros("rowLoss", N), N, C);
        assertParity(FlowMatching.MSE_BACKWARD, new int[] {N, C}, pred, noise, randn("dpred", N * C, r), N, C, 1f / N);
        FloatArray src = randn("src", ROWS * D, r);
        assertParity(FlowMatching.REPEAT_ROWS, new int[] {TIMES * ROWS, D}, src, zeros("dst", TIMES * ROWS * D), ROWS, D, TIMES);
        assertParity(FlowMatching.REPEAT_ROWS_BACKWARD, new int[] {ROWS, D}, randn("ddst", TIMES * ROWS * D, r), src,
                ROWS, D, TIMES);
        assertParity(FlowMatching.EULER_STEP, new int[] {N * C}, x0, noise, -0.04f, N * C);
        assertParity(FlowMatching.CFG_COMBINE, new int[] {B, C}, randn("v", 2 * B * C, r), B, C, 3.5f);
        assertParity(FlowMatching.CFG_COMBINE, new int[] {B, C}, randn("v", 2 * B * C, r), B, C, new FloatParam(1.75f));
        assertParity(FlowMatching.SCALE_ROWS, new int[] {N, C}, randn("x", N * C, r), randn("w", N, r), N, C);
    }

    @Test
    void scaleRowsWeighsEachRow() {
        Random r = new Random(5);
        FloatArray x = randn("x", N * C, r), w = randn("w", N, r);
        float[] before = x.array().clone();
        w.set(2, 0f);
        run(java(), FlowMatching.SCALE_ROWS, new int[] {N, C}, x, w, N, C);
        for (int n = 0; n < N; n++) {
            for (int c = 0; c < C; c++) {
                org.junit.jupiter.api.Assertions.assertEquals(before[n * C + c] * w.get(n), x.get(n * C + c), 0f, "row " + n);
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(2);
        FloatArray pred = randn("pred", N * C, r), target = randn("target", N * C, r), rowLoss = zeros("rowLoss", N);
        float[] g = randn("g", N, r).array();
        DoubleSupplier loss = () -> {
            run(java(), FlowMatching.MSE_FORWARD, new int[] {N}, pred, target, rowLoss, N, C);
            return GradCheck.weightedSum(rowLoss.array(), g);
        };
        // mse_backward takes one scale for all rows: check row by row, with the row's weight as scale
        float[] dpred = new float[N * C];
        for (int n = 0; n < N; n++) {
            FloatArray dRow = zeros("dpred", C);
            run(java(), FlowMatching.MSE_BACKWARD, new int[] {1, C}, of("pred", slice(pred.array(), n * C, C)),
                    of("target", slice(target.array(), n * C, C)), dRow, 1, C, g[n]);
            System.arraycopy(dRow.array(), 0, dpred, n * C, C);
        }
        GradCheck.check("mse dpred", loss, pred.array(), dpred, N * C, 1e-2f, 2e-3);

        FloatArray src = randn("src", ROWS * D, r), dst = zeros("dst", TIMES * ROWS * D);
        float[] gd = randn("g", TIMES * ROWS * D, r).array();
        DoubleSupplier repeatLoss = () -> {
            run(java(), FlowMatching.REPEAT_ROWS, new int[] {TIMES * ROWS, D}, src, dst, ROWS, D, TIMES);
            return GradCheck.weightedSum(dst.array(), gd);
        };
        FloatArray dsrc = zeros("dsrc", ROWS * D);
        run(java(), FlowMatching.REPEAT_ROWS_BACKWARD, new int[] {ROWS, D}, of("ddst", gd), dsrc, ROWS, D, TIMES);
        GradCheck.check("repeat_rows dsrc", repeatLoss, src.array(), dsrc.array(), ROWS * D, 1e-2f, 2e-3);
    }

    private static float[] slice(float[] a, int off, int len) {
        return java.util.Arrays.copyOfRange(a, off, off + len);
    }

    @Test
    void matchesPyTorch() {
        Golden gold = Golden.load("ops_flowmatching");
        int n = gold.tensor("x0").dim(0), c = gold.tensor("x0").dim(1);
        FloatArray xt = zeros("xt", n * c), target = zeros("target", n * c);
        run(java(), FlowMatching.FLOW_INTERPOLATE, new int[] {n, c}, of("x0", gold.f("x0")), of("noise", gold.f("noise")),
                of("t", gold.f("t")), xt, target, n, c);
        Golden.assertMatches("flow xt", xt.array(), gold.f("xt"), 1e-4);
        Golden.assertMatches("flow target", target.array(), gold.f("target"), 1e-4);

        FloatArray pred = of("pred", gold.f("pred")), rowLoss = zeros("rowLoss", n);
        run(java(), FlowMatching.MSE_FORWARD, new int[] {n}, pred, target, rowLoss, n, c);
        Golden.assertMatches("mse rowLoss", rowLoss.array(), gold.f("row_loss"), 1e-4);
        FloatArray dpred = grad("dpred", n * c);
        run(java(), FlowMatching.MSE_BACKWARD, new int[] {n, c}, pred, target, dpred, n, c, 1f / n); // loss = mean of rows
        Golden.assertMatches("mse dpred", dpred.array(), accumulated(gold.f("dpred")), 1e-4);

        int rows = gold.tensor("rep_src").dim(0), d = gold.tensor("rep_src").dim(1);
        int times = gold.tensor("rep_dst").dim(0) / rows;
        FloatArray dst = zeros("dst", times * rows * d);
        run(java(), FlowMatching.REPEAT_ROWS, new int[] {times * rows, d}, of("src", gold.f("rep_src")), dst, rows, d, times);
        Golden.assertMatches("repeat_rows", dst.array(), gold.f("rep_dst"), 1e-4);
        FloatArray dsrc = grad("dsrc", rows * d);
        run(java(), FlowMatching.REPEAT_ROWS_BACKWARD, new int[] {rows, d}, of("ddst", gold.f("rep_ddst")), dsrc, rows, d, times);
        Golden.assertMatches("repeat_rows dsrc", dsrc.array(), accumulated(gold.f("rep_dsrc")), 1e-4);

        int b = gold.tensor("cfg_v").dim(0) / 2;
        FloatArray v = of("v", gold.f("cfg_v"));
        run(java(), FlowMatching.CFG_COMBINE, new int[] {b, c}, v, b, c, gold.scalar("cfg_scale"));
        Golden.assertMatches("cfg_combine", v.array(), gold.f("cfg_out"), 1e-4);
    }

    @Test
    void eulerStepAddsDtTimesVelocity() {
        Random r = new Random(3);
        float[] x0 = randn("x", N * C, r).array(), v = randn("v", N * C, r).array();
        FloatArray x = of("x", x0);
        float dt = -1f / 25;
        run(java(), FlowMatching.EULER_STEP, new int[] {N * C}, x, of("v", v), dt, N * C);
        float[] expected = new float[N * C];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = x0[i] + dt * v[i];
        }
        assertClose("euler_step", x.array(), expected, 1e-6);
    }
}
