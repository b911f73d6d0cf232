package eim.tasks.kernels;

import static eim.tasks.testing.KernelHarness.*;

import eim.tasks.FloatArray;
import eim.tasks.Kernel;
import eim.tasks.testing.GradCheck;
import eim.tasks.testing.Golden;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

/** PixelShuffle and ChannelGroups: the linear maps of the shuffle resamplers and their adjoints. */
class PixelShuffleTest {
    // shuffle: x (2, 12, 3, 4) -> (2, 3, 6, 8); unshuffle: (2, 3, 6, 8) -> (2, 12, 3, 4)
    static final int B = 2, C = 3, H = 3, W = 4;
    // channel groups: x (2, 3, 20) repeated 4x -> (2, 12, 20)
    static final int HW = 20, G = 4;

    /** A linear op and its backward (the adjoint, accumulating). */
    record Op(String name, Kernel fwd, int[] fwdRange, Object[] fwdScalars, int in, int out,
              Kernel bwd, int[] bwdRange, Object[] bwdScalars) {}

    static final Op[] OPS = {
        new Op("shuffle", PixelShuffle.SHUFFLE, new int[] {B * C, 4 * H * W}, new Object[] {B, C, H, W, 0},
                B * 4 * C * H * W, B * 4 * C * H * W,
                PixelShuffle.UNSHUFFLE, new int[] {B * 4 * C, H * W}, new Object[] {B, C, 2 * H, 2 * W, 1}),
        new Op("unshuffle", PixelShuffle.UNSHUFFLE, new int[] {B * 4 * C, H * W}, new Object[] {B, C, 2 * H, 2 * W, 0},
                B * 4 * C * H * W, B * 4 * C * H * W,
                PixelShuffle.SHUFFLE, new int[] {B * C, 4 * H * W}, new Object[] {B, C, H, W, 1}),
        new Op("repeat", ChannelGroups.REPEAT_INTERLEAVE, new int[] {B * C * G, HW}, new Object[] {B, C, HW, G, 1f, 0},
                B * C * HW, B * C * G * HW,
                ChannelGroups.GROUP_SUM, new int[] {B * C, HW}, new Object[] {B, C, HW, G, 1f, 1}),
        new Op("mean", ChannelGroups.GROUP_SUM, new int[] {B * C, HW}, new Object[] {B, C, HW, G, 1f / G, 0},
                B * C * G * HW, B * C * HW,
                ChannelGroups.REPEAT_INTERLEAVE, new int[] {B * C * G, HW}, new Object[] {B, C, HW, G, 1f / G, 1}),
    };

    static Object[] cat(Object a, Object b, Object[] scalars) {
        Object[] all = new Object[scalars.length + 2];
        all[0] = a;
        all[1] = b;
        System.arraycopy(scalars, 0, all, 2, scalars.length);
        return all;
    }

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        for (Op op : OPS) {
            // random outputs: accumulate = 1 must add to them
            assertParity(op.fwd(), op.fwdRange(), cat(randn("x", op.in(), r), randn("y", op.out(), r), op.fwdScalars()));
            assertParity(op.bwd(), op.bwdRange(), cat(randn("dy", op.out(), r), randn("dx", op.in(), r), op.bwdScalars()));
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(2);
        for (Op op : OPS) {
            FloatArray x = randn("x", op.in(), r), y = zeros("y", op.out());
            float[] g = randn("g", op.out(), r).array();
            DoubleSupplier loss = () -> {
                run(java(), op.fwd(), op.fwdRange(), cat(x, y, op.fwdScalars()));
                return GradCheck.weightedSum(y.array(), g);
            };
            FloatArray dx = randn("dx", op.in(), r);
            float[] before = dx.array().clone();
            run(java(), op.bwd(), op.bwdRange(), cat(new FloatArray("dy", g.clone()), dx, op.bwdScalars()));
            for (int i = 0; i < before.length; i++) {
                dx.array()[i] -= before[i]; // what backward added
            }
            GradCheck.check(op.name(), loss, x.array(), dx.array(), op.in(), 1e-2f, 1e-3);
        }
    }

    @Test
    void matchesPyTorch() {
        Golden gold = Golden.load("tokenizer_ops");
        String[] prefixes = {"ps_", "pu_", "ri_", "gm_"};
        for (var device : devices()) {
            for (int k = 0; k < OPS.length; k++) {
                Op op = OPS[k];
                String p = prefixes[k];
                FloatArray y = zeros("y", op.out()), dx = zeros("dx", op.in());
                run(device, op.fwd(), op.fwdRange(), cat(new FloatArray("x", gold.f(p + "x")), y, op.fwdScalars()));
                run(device, op.bwd(), op.bwdRange(), cat(new FloatArray("g", gold.f(p + "g")), dx, op.bwdScalars()));
                Golden.assertMatches(device.name() + " " + op.name() + " y", y.array(), gold.f(p + "y"), 1e-5);
                Golden.assertMatches(device.name() + " " + op.name() + " dx", dx.array(), gold.f(p + "dx"), 1e-5);
            }
        }
    }
}
