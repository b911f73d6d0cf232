package eim.tasks.kernels;

import static eim.tasks.kernels.BasicKernelTesting.of;
import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.Device;
import eim.tasks.FloatArray;
import eim.tasks.IntParam;
import eim.tasks.testing.Golden;
import eim.tasks.testing.GradCheck;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WindowedCausalAttentionTest {
    static final float BASE = 10000f;

    /** The shapes of one self-attention call. */
    record Shape(int B, int L, int H, int hd, int window) {
        int D() {
            return H * hd;
        }

        int rows() {
            return B * L;
        }

        int[] range() {
            return new int[] {rows(), H};
        }
    }

    /** Forward + backward state of one call, on one device. */
    record Run(FloatArray out, FloatArray lse, FloatArray delta, FloatArray dqkv) {}

    static Run forward(Device device, Shape s, FloatArray qkv, float dropP, Object seed) {
        FloatArray out = zeros("out", s.rows() * s.D()), lse = zeros("lse", s.rows() * s.H());
        run(device, WindowedCausalAttention.FORWARD, s.range(), qkv, out, lse, s.B(), s.L(), s.H(), s.hd(),
                s.window(), dropP, seed);
        return new Run(out, lse, null, null);
    }

    /** Forward, then delta and both backward kernels into a zeroed dqkv for upstream gradient dout. */
    static Run forwardBackward(Device device, Shape s, FloatArray qkv, FloatArray dout, float dropP, Object seed) {
        Run f = forward(device, s, qkv, dropP, seed);
        FloatArray delta = zeros("delta", s.rows() * s.H()), dqkv = zeros("dqkv", s.rows() * 3 * s.D());
        run(device, WindowedCausalAttention.DELTA, s.range(), f.out(), dout, delta, s.rows(), s.H(), s.hd());
        run(device, WindowedCausalAttention.BACKWARD_QUERY, s.range(), qkv, dout, f.lse(), delta, dqkv, s.B(), s.L(),
                s.H(), s.hd(), s.window(), dropP, seed);
        run(device, WindowedCausalAttention.BACKWARD_KEY, s.range(), qkv, dout, f.lse(), delta, dqkv, s.B(), s.L(),
                s.H(), s.hd(), s.window(), dropP, seed);
        return new Run(f.out(), f.lse(), delta, dqkv);
    }

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        // hd 12: vector body plus scalar tail; window 0 (self only), 3 and full causal
        for (int window : new int[] {3, -1, 0}) {
            Shape s = new Shape(2, 9, 2, 12, window);
            for (float dropP : new float[] {0f, 0.2f}) {
                FloatArray qkv = randn("qkv", s.rows() * 3 * s.D(), r), dout = randn("dout", s.rows() * s.D(), r);
                Run f = forwardBackward(java(), s, qkv, dout, dropP, 42);
                // a plain int, the IntParam path, and a seed with a sample offset (a data-parallel shard's)
                Object seed = dropP == 0f ? (Object) 42 : window == 3 ? IntParam.of(42, 5) : new IntParam(42);
                assertParity(WindowedCausalAttention.FORWARD, s.range(), qkv, randn("out", s.rows() * s.D(), r),
                        zeros("lse", s.rows() * s.H()), s.B(), s.L(), s.H(), s.hd(), window, dropP, seed);
                assertParity(WindowedCausalAttention.DELTA, s.range(), f.out(), dout, zeros("delta", s.rows() * s.H()),
                        s.rows(), s.H(), s.hd());
                // dqkv starts random: the backward kernels accumulate
                assertParity(WindowedCausalAttention.BACKWARD_QUERY, s.range(), qkv, dout, f.lse(), f.delta(),
                        randn("dqkv", s.rows() * 3 * s.D(), r), s.B(), s.L(), s.H(), s.hd(), window, dropP, seed);
                assertParity(WindowedCausalAttention.BACKWARD_KEY, s.range(), qkv, dout, f.lse(), f.delta(),
                        randn("dqkv", s.rows() * 3 * s.D(), r), s.B(), s.L(), s.H(), s.hd(), window, dropP, seed);
            }
        }
        int B = 3, H = 2, hd = 12, slots = 4;
        assertParity(WindowedCausalAttention.DECODE, new int[] {B, H}, randn("q", B * H * hd, r),
                randn("kcache", B * slots * H * hd, r), randn("vcache", B * slots * H * hd, r),
                zeros("out", B * H * hd), B, H, hd, slots, new IntParam(3));
        // odd head size, full ring, count as a plain int
        assertParity(WindowedCausalAttention.DECODE, new int[] {B, 3}, randn("q", B * 3 * 7, r),
                randn("kcache", B * 5 * 3 * 7, r), randn("vcache", B * 5 * 3 * 7, r), randn("out", B * 3 * 7, r), B, 3,
                7, 5, 5);
    }

    /**
     * Samples [lo, B) of a batch run alone with the sample offset lo in seed[1] draw the dropout
     * masks the whole batch has there: out, lse, delta and dqkv of the shard are those rows of the
     * whole batch's, bit for bit on every backend; without the offset they differ.
     */
    @Test
    void shardWithSampleOffsetDrawsTheWholeBatchsMasks() {
        Random r = new Random(7);
        Shape whole = new Shape(3, 9, 2, 12, 3);
        int lo = 1;
        Shape part = new Shape(whole.B() - lo, whole.L(), whole.H(), whole.hd(), whole.window());
        FloatArray qkv = randn("qkv", whole.rows() * 3 * whole.D(), r), dout = randn("dout", whole.rows() * whole.D(), r);
        int rowLo = lo * whole.L();
        FloatArray qkvPart = of("qkv", Arrays.copyOfRange(qkv.array(), rowLo * 3 * whole.D(), qkv.size()));
        FloatArray doutPart = of("dout", Arrays.copyOfRange(dout.array(), rowLo * whole.D(), dout.size()));
        for (Device d : devices()) {
            Run all = forwardBackward(d, whole, qkv, dout, 0.2f, 42);
            Run shard = forwardBackward(d, part, qkvPart, doutPart, 0.2f, IntParam.of(42, lo));
            String on = " on " + d.name();
            assertArrayEquals(tail(all.out(), shard.out()), shard.out().array(), "out" + on);
            assertArrayEquals(tail(all.lse(), shard.lse()), shard.lse().array(), "lse" + on);
            assertArrayEquals(tail(all.delta(), shard.delta()), shard.delta().array(), "delta" + on);
            assertArrayEquals(tail(all.dqkv(), shard.dqkv()), shard.dqkv().array(), "dqkv" + on);
            Run unshifted = forward(d, part, qkvPart, 0.2f, 42);
            assertFalse(Arrays.equals(tail(all.out(), unshifted.out()), unshifted.out().array()),
                    "without the offset the shard draws other masks" + on);
        }
    }

    /** The last {@code part.size()} elements of {@code whole}. */
    static float[] tail(FloatArray whole, FloatArray part) {
        return Arrays.copyOfRange(whole.array(), whole.size() - part.size(), whole.size());
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Shape s = new Shape(2, 6, 2, 8, 2);
        for (float dropP : new float[] {0f, 0.3f}) { // the dropout mask is a pure function of (seed, index)
            Random r = new Random(2);
            FloatArray qkv = randn("qkv", s.rows() * 3 * s.D(), r);
            float[] g = randn("g", s.rows() * s.D(), r).array();
            java.util.function.DoubleSupplier loss =
                    () -> GradCheck.weightedSum(forward(java(), s, qkv, dropP, 7).out().array(), g);
            Run run = forwardBackward(java(), s, qkv, new FloatArray("dout", g.clone()), dropP, 7);
            GradCheck.check("dqkv (dropP " + dropP + ")", loss, qkv.array(), run.dqkv().array(), 90, 1e-2f, 2e-3);
        }
    }

    /**
     * The authors' way in PyTorch (scripts/golden/attention.py): RoPE with a shift on q and k, the
     * boolean window mask of forward_encoder, softmax, (dropout), and autograd for the gradients of
     * the pre-RoPE qkv; here Rope + the attention kernels + Rope backward.
     */
    @Test
    void matchesPyTorchGolden() {
        Golden golden = Golden.load("attention");
        for (String key : new String[] {"win_L1", "win_L4", "win_L9", "win_L17", "causal_L9", "win_drop_L9"}) {
            int L = Integer.parseInt(key.substring(key.lastIndexOf('L') + 1));
            Shape s = new Shape(2, L, 2, 8, golden.integer(key + "_window"));
            int posOff = golden.integer(key + "_posOff"), seed = golden.integer(key + "_seed");
            float dropP = golden.scalar(key + "_dropP");
            for (Device device : devices()) {
                String what = device.info().id() + " " + key;
                FloatArray qkv = new FloatArray("qkv", golden.f(key + "_qkv").clone());
                rope(device, Rope.FORWARD, s, qkv, posOff);
                Run run = forwardBackward(device, s, qkv, new FloatArray("dout", golden.f(key + "_dout")), dropP, seed);
                rope(device, Rope.BACKWARD, s, run.dqkv(), posOff);
                Golden.assertMatches(what + " out", run.out().array(), golden.f(key + "_out"), 1e-4);
                Golden.assertMatches(what + " lse", run.lse().array(), golden.f(key + "_lse"), 1e-4);
                Golden.assertMatches(what + " dqkv", run.dqkv().array(), golden.f(key + "_dqkv"), 1e-4);
            }
        }
    }

    /** RoPE on the q and k parts of a (rows, 3D) buffer. */
    static void rope(Device device, eim.tasks.Kernel kernel, Shape s, FloatArray qkv, int posOff) {
        for (int colOff : new int[] {0, s.D()}) {
            run(device, kernel, new int[] {s.rows(), s.D() / 2}, qkv, s.rows(), s.L(), 3 * s.D(), colOff, s.H(), s.hd(),
                    posOff, BASE);
        }
    }

    /**
     * The incremental sampler's path: keys/values written into a ring of window+1 slots, one decode
     * per position, equal the rows of the full windowed forward.
     */
    @Test
    void decodeOverRingCacheEqualsFullForward() {
        Shape s = new Shape(2, 11, 2, 8, 3);
        int D = s.D(), slots = s.window() + 1;
        FloatArray qkv = randn("qkv", s.rows() * 3 * D, new Random(4));
        rope(java(), Rope.FORWARD, s, qkv, 5);
        float[] full = forward(java(), s, qkv, 0f, 0).out().array();
        for (Device device : devices()) {
            FloatArray kcache = zeros("kcache", s.B() * slots * D), vcache = zeros("vcache", s.B() * slots * D);
            FloatArray q = zeros("q", s.B() * D), out = zeros("out", s.B() * D);
            IntParam count = new IntParam(0);
            for (int i = 0; i < s.L(); i++) {
                for (int b = 0; b < s.B(); b++) {
                    int row = (b * s.L() + i) * 3 * D, slot = (b * slots + i % slots) * D;
                    System.arraycopy(qkv.array(), row, q.array(), b * D, D);
                    System.arraycopy(qkv.array(), row + D, kcache.array(), slot, D);
                    System.arraycopy(qkv.array(), row + 2 * D, vcache.array(), slot, D);
                }
                count.set(Math.min(i + 1, slots));
                run(device, WindowedCausalAttention.DECODE, new int[] {s.B(), s.H()}, q, kcache, vcache, out, s.B(),
                        s.H(), s.hd(), slots, count);
                for (int b = 0; b < s.B(); b++) {
                    int row = (b * s.L() + i) * D;
                    assertClose(device.info().id() + " decode position " + i + " sample " + b,
                            Arrays.copyOfRange(out.array(), b * D, b * D + D),
                            Arrays.copyOfRange(full, row, row + D), 1e-5);
                }
            }
        }
    }

    /**
     * At L = 1024 the kernels read only the window: with every key, value (and for the key
     * gradient: query, dout, lse, delta) outside it set to NaN, row i's results are finite and
     * bit-identical to those with the real values. A dense masked softmax would read the NaNs.
     */
    @Test
    void longSequenceTouchesOnlyTheWindow() {
        Shape s = new Shape(1, 1024, 2, 8, 3);
        int D = s.D(), i = 600, W = s.window();
        Random r = new Random(5);
        FloatArray qkv = randn("qkv", s.rows() * 3 * D, r), dout = randn("dout", s.rows() * D, r);
        for (Device device : devices()) {
            String id = device.info().id();
            Run clean = forwardBackward(device, s, qkv, dout, 0.1f, 3);

            // forward and query gradient of row i: only keys/values i-W .. i exist
            FloatArray poisoned = new FloatArray("qkv", qkv.array().clone());
            for (int j = 0; j < s.L(); j++) {
                if (j < i - W || j > i) {
                    Arrays.fill(poisoned.array(), j * 3 * D + D, j * 3 * D + 3 * D, Float.NaN);
                }
            }
            Run f = forward(device, s, poisoned, 0.1f, 3);
            assertArrayEquals(slice(clean.out(), i * D, D), slice(f.out(), i * D, D), id + " out row " + i);
            assertArrayEquals(slice(clean.lse(), i * s.H(), s.H()), slice(f.lse(), i * s.H(), s.H()), id + " lse");
            FloatArray dqkv = zeros("dqkv", s.rows() * 3 * D);
            run(device, WindowedCausalAttention.BACKWARD_QUERY, s.range(), poisoned, dout, clean.lse(), clean.delta(),
                    dqkv, s.B(), s.L(), s.H(), s.hd(), W, 0.1f, 3);
            assertArrayEquals(slice(clean.dqkv(), i * 3 * D, D), slice(dqkv, i * 3 * D, D), id + " dq row " + i);

            // key gradient of key i: only queries i .. i+W exist
            FloatArray q = new FloatArray("qkv", qkv.array().clone());
            FloatArray g = new FloatArray("dout", dout.array().clone());
            FloatArray lse = new FloatArray("lse", clean.lse().array().clone());
            FloatArray delta = new FloatArray("delta", clean.delta().array().clone());
            for (int j = 0; j < s.L(); j++) {
                if (j < i || j > i + W) {
                    Arrays.fill(q.array(), j * 3 * D, j * 3 * D + D, Float.NaN);
                    Arrays.fill(g.array(), j * D, j * D + D, Float.NaN);
                    Arrays.fill(lse.array(), j * s.H(), j * s.H() + s.H(), Float.NaN);
                    Arrays.fill(delta.array(), j * s.H(), j * s.H() + s.H(), Float.NaN);
                }
            }
            FloatArray dkv = zeros("dqkv", s.rows() * 3 * D);
            run(device, WindowedCausalAttention.BACKWARD_KEY, s.range(), q, g, lse, delta, dkv, s.B(), s.L(), s.H(),
                    s.hd(), W, 0.1f, 3);
            assertArrayEquals(slice(clean.dqkv(), i * 3 * D + D, 2 * D), slice(dkv, i * 3 * D + D, 2 * D),
                    id + " dk, dv row " + i);

            // and the window is really used: changing the oldest key in it changes row i
            FloatArray moved = new FloatArray("qkv", qkv.array().clone());
            moved.array()[(i - W) * 3 * D + D] += 1f;
            assertFalse(Arrays.equals(slice(clean.out(), i * D, D), slice(forward(device, s, moved, 0.1f, 3).out(), i * D, D)),
                    id + ": key i-window must influence row i");
            for (float v : slice(clean.out(), 0, s.rows() * D)) {
                assertTrue(Float.isFinite(v), id + " out must be finite");
            }
        }
    }

    static float[] slice(FloatArray a, int from, int length) {
        return Arrays.copyOfRange(a.array(), from, from + length);
    }
}
