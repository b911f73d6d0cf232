package eim.tasks.kernels;

import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import eim.tasks.Device;
import eim.tasks.FloatArray;
import eim.tasks.IntParam;
import eim.tasks.testing.Golden;
import eim.tasks.testing.GradCheck;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RopeTest {
    static final float BASE = 10000f;
    // a fused qkv buffer: rotating its k part (colOff D) must leave q and v alone
    static final int B = 2, L = 5, H = 2, HD = 12, D = H * HD, ROWS = B * L, STRIDE = 3 * D;

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        FloatArray x = randn("qkv", ROWS * STRIDE, r);
        int[] range = {ROWS, H * HD / 2};
        assertParity(Rope.FORWARD, range, x, ROWS, L, STRIDE, D, H, HD, 7, BASE);
        assertParity(Rope.BACKWARD, range, x, ROWS, L, STRIDE, 0, H, HD, new IntParam(300), BASE);
        // more rows per slice than positions: the fast path computes each position's angles once
        int rows = 16 * L;
        FloatArray many = randn("qkv_many", rows * STRIDE, r);
        assertParity(Rope.FORWARD, new int[] {rows, H * HD / 2}, many, rows, L, STRIDE, D, H, HD, 7, BASE);
        assertParity(Rope.BACKWARD, new int[] {rows, H * HD / 2}, many, rows, L, STRIDE, 0, H, HD, new IntParam(300),
                BASE);
    }

    @Test
    void rotatesOnlyItsColumnsAndBackwardUndoesForward() {
        Random r = new Random(2);
        float[] original = randn("qkv", ROWS * STRIDE, r).array();
        for (Device device : devices()) {
            FloatArray x = new FloatArray("qkv", original.clone());
            int[] range = {ROWS, H * HD / 2};
            run(device, Rope.FORWARD, range, x, ROWS, L, STRIDE, D, H, HD, new IntParam(3), BASE);
            for (int row = 0; row < ROWS; row++) {
                int o = row * STRIDE;
                assertArrayEquals(Arrays.copyOfRange(original, o, o + D), Arrays.copyOfRange(x.array(), o, o + D),
                        "q part of row " + row + " must be untouched");
                assertArrayEquals(Arrays.copyOfRange(original, o + 2 * D, o + 3 * D),
                        Arrays.copyOfRange(x.array(), o + 2 * D, o + 3 * D), "v part of row " + row);
            }
            run(device, Rope.BACKWARD, range, x, ROWS, L, STRIDE, D, H, HD, new IntParam(3), BASE);
            assertClose(device.info().id() + " rotate back", x.array(), original, 1e-5);
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(3);
        float[] x = randn("x", ROWS * D, r).array();
        float[] g = randn("g", ROWS * D, r).array();
        int[] range = {ROWS, H * HD / 2};
        java.util.function.DoubleSupplier loss = () -> {
            FloatArray y = new FloatArray("y", x.clone());
            run(java(), Rope.FORWARD, range, y, ROWS, L, D, 0, H, HD, 4, BASE);
            return GradCheck.weightedSum(y.array(), g);
        };
        FloatArray dx = new FloatArray("dx", g.clone());
        run(java(), Rope.BACKWARD, range, dx, ROWS, L, D, 0, H, HD, 4, BASE);
        GradCheck.check("dx", loss, x, dx.array(), 60, 1e-2f, 1e-3);
    }

    @Test
    void frequenciesRoundLikeTorch() {
        Golden golden = Golden.load("attention");
        for (int hd : new int[] {8, 64}) {
            float[] torch = golden.f("rope_hd" + hd + "_freqs");
            for (int i = 0; i < hd / 2; i++) {
                assertEquals(torch[i], Rope.frequency(i, hd, BASE), 0f, "freq " + i + " of hd " + hd);
            }
        }
    }

    /** The authors' precompute_freqs_cis + apply_rotary_emb with a shift, including angles near 1000 rad. */
    @Test
    void matchesPyTorchGolden() {
        Golden golden = Golden.load("attention");
        for (int[] c : new int[][] {{8, 2, 5}, {64, 1, 3}}) { // hd, heads, L
            int hd = c[0], heads = c[1], len = c[2];
            String key = "rope_hd" + hd;
            int posOff = golden.integer(key + "_posOff");
            float[] x = golden.f(key + "_x");
            int rows = x.length / (heads * hd);
            for (Device device : devices()) {
                FloatArray y = new FloatArray("x", x.clone());
                run(device, Rope.FORWARD, new int[] {rows, heads * hd / 2}, y, rows, len, heads * hd, 0, heads, hd,
                        posOff, BASE);
                Golden.assertMatches(device.info().id() + " " + key, y.array(), golden.f(key + "_y"), 1e-4);
            }
        }
    }
}
