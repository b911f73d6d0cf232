package eim.tasks.kernels;

import static eim.tasks.kernels.BasicKernelTesting.*;
import static eim.tasks.testing.KernelHarness.*;

import eim.tasks.FloatArray;
import eim.tasks.testing.GradCheck;
import eim.tasks.testing.Golden;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class AdaLNTest {
    // mod has a spare column up front and chunks in an unusual order, so wrong offsets show
    static final int ROWS = 5, W = 19, STRIDE = 3 * W + 1, SHIFT = 1 + W, SCALE = 1, GATE = 1 + 2 * W;

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        FloatArray xn = randn("xn", ROWS * W, r), mod = randn("mod", ROWS * STRIDE, r), dh = randn("dh", ROWS * W, r);
        int[] range = {ROWS, W};
        assertParity(AdaLN.MODULATE_FORWARD, range, xn, mod, zeros("h", ROWS * W), ROWS, W, STRIDE, SHIFT, SCALE);
        assertParity(AdaLN.MODULATE_BACKWARD, range, xn, mod, dh, randn("dxn", ROWS * W, r),
                randn("dmod", ROWS * STRIDE, r), ROWS, W, STRIDE, SHIFT, SCALE);
        assertParity(AdaLN.GATE_ADD_FORWARD, range, randn("x", ROWS * W, r), xn, mod, ROWS, W, STRIDE, GATE);
        assertParity(AdaLN.GATE_ADD_BACKWARD, range, dh, xn, mod, randn("dh", ROWS * W, r),
                randn("dmod", ROWS * STRIDE, r), ROWS, W, STRIDE, GATE);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(2);
        int[] range = {ROWS, W};
        FloatArray xn = randn("xn", ROWS * W, r), mod = randn("mod", ROWS * STRIDE, r), h = zeros("h", ROWS * W);
        float[] g = randn("g", ROWS * W, r).array();
        DoubleSupplier modulateLoss = () -> {
            run(java(), AdaLN.MODULATE_FORWARD, range, xn, mod, h, ROWS, W, STRIDE, SHIFT, SCALE);
            return GradCheck.weightedSum(h.array(), g);
        };
        FloatArray dxn = zeros("dxn", ROWS * W), dmod = zeros("dmod", ROWS * STRIDE);
        run(java(), AdaLN.MODULATE_BACKWARD, range, xn, mod, of("dh", g), dxn, dmod, ROWS, W, STRIDE, SHIFT, SCALE);
        GradCheck.check("modulate dxn", modulateLoss, xn.array(), dxn.array(), 40, 1e-2f, 2e-3);
        GradCheck.check("modulate dmod", modulateLoss, mod.array(), dmod.array(), 80, 1e-2f, 2e-3);

        // x += gate·h is in place: each evaluation starts again from x0
        float[] x0 = randn("x0", ROWS * W, r).array();
        FloatArray x = of("x", x0), hh = randn("hh", ROWS * W, r);
        DoubleSupplier gateLoss = () -> {
            x.copyFrom(x0);
            run(java(), AdaLN.GATE_ADD_FORWARD, range, x, hh, mod, ROWS, W, STRIDE, GATE);
            return GradCheck.weightedSum(x.array(), g);
        };
        FloatArray dhh = zeros("dh", ROWS * W), dmodGate = zeros("dmod", ROWS * STRIDE);
        run(java(), AdaLN.GATE_ADD_BACKWARD, range, of("dx", g), hh, mod, dhh, dmodGate, ROWS, W, STRIDE, GATE);
        GradCheck.check("gate_add dh", gateLoss, hh.array(), dhh.array(), 40, 1e-2f, 2e-3);
        GradCheck.check("gate_add dmod", gateLoss, mod.array(), dmodGate.array(), 80, 1e-2f, 2e-3);
    }

    @Test
    void matchesPyTorch() {
        Golden gold = Golden.load("ops_adaln");
        int rows = gold.tensor("xn").dim(0), w = gold.tensor("xn").dim(1), stride = gold.tensor("mod").dim(1);
        int shift = 0, scale = w, gate = 2 * w; // mod.chunk(3): shift | scale | gate
        int[] range = {rows, w};
        FloatArray xn = of("xn", gold.f("xn")), mod = of("mod", gold.f("mod")), h = zeros("h", rows * w);
        run(java(), AdaLN.MODULATE_FORWARD, range, xn, mod, h, rows, w, stride, shift, scale);
        Golden.assertMatches("modulate h", h.array(), gold.f("h"), 1e-4);

        FloatArray dxn = grad("dxn", rows * w), dmod = grad("dmod", rows * stride);
        run(java(), AdaLN.MODULATE_BACKWARD, range, xn, mod, of("dh", gold.f("modulate_dh")), dxn, dmod,
                rows, w, stride, shift, scale);
        Golden.assertMatches("modulate dxn", dxn.array(), accumulated(gold.f("modulate_dxn")), 1e-4);
        Golden.assertMatches("modulate dmod", dmod.array(), accumulated(gold.f("modulate_dmod")), 1e-4);

        FloatArray x = of("x", gold.f("x")), hh = of("hh", gold.f("hh"));
        run(java(), AdaLN.GATE_ADD_FORWARD, range, x, hh, mod, rows, w, stride, gate);
        Golden.assertMatches("gate_add x", x.array(), gold.f("gate_out"), 1e-4);

        FloatArray dh = grad("dh", rows * w), dmodGate = grad("dmod", rows * stride);
        run(java(), AdaLN.GATE_ADD_BACKWARD, range, of("dx", gold.f("gate_dx")), hh, mod, dh, dmodGate,
                rows, w, stride, gate);
        Golden.assertMatches("gate_add dh", dh.array(), accumulated(gold.f("gate_dh")), 1e-4);
        Golden.assertMatches("gate_add dmod", dmodGate.array(), accumulated(gold.f("gate_dmod")), 1e-4);
    }
}
