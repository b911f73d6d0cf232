package eim.tasks.kernels;

import static eim.tasks.kernels.BasicKernelTesting.of;
import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import eim.tasks.Device;
import eim.tasks.FloatArray;
import eim.tasks.IntParam;
import eim.tasks.testing.Golden;
import eim.tasks.testing.GradCheck;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CrossAttentionTest {
    static final float BASE = 10000f;

    /** L image-token queries and S buffer keys per sample. */
    record Shape(int B, int L, int S, int H, int hd) {
        int D() {
            return H * hd;
        }

        int[] queryRange() {
            return new int[] {B * L, H};
        }

        int[] keyRange() {
            return new int[] {B * S, H};
        }
    }

    record Inputs(FloatArray q, FloatArray k, FloatArray v) {
        static Inputs random(Shape s, Random r) {
            return new Inputs(randn("q", s.B() * s.L() * s.D(), r), randn("k", s.B() * s.S() * s.D(), r),
                    randn("v", s.B() * s.S() * s.D(), r));
        }
    }

    record Run(FloatArray out, FloatArray lse, FloatArray delta, FloatArray dq, FloatArray dk, FloatArray dv) {}

    static Run forward(Device device, Shape s, Inputs in, float dropP, Object seed) {
        FloatArray out = zeros("out", s.B() * s.L() * s.D()), lse = zeros("lse", s.B() * s.L() * s.H());
        run(device, CrossAttention.FORWARD, s.queryRange(), in.q(), in.k(), in.v(), out, lse, s.B(), s.L(), s.S(),
                s.H(), s.hd(), dropP, seed);
        return new Run(out, lse, null, null, null, null);
    }

    /** Forward, delta, and both backward kernels into zeroed gradients for upstream gradient dout. */
    static Run forwardBackward(Device device, Shape s, Inputs in, FloatArray dout, float dropP, Object seed) {
        Run f = forward(device, s, in, dropP, seed);
        int rows = s.B() * s.L();
        FloatArray delta = zeros("delta", rows * s.H()), dq = zeros("dq", in.q().size());
        FloatArray dk = zeros("dk", in.k().size()), dv = zeros("dv", in.v().size());
        run(device, WindowedCausalAttention.DELTA, s.queryRange(), f.out(), dout, delta, rows, s.H(), s.hd());
        run(device, CrossAttention.BACKWARD_QUERY, s.queryRange(), in.q(), in.k(), in.v(), dout, f.lse(), delta, dq,
                s.B(), s.L(), s.S(), s.H(), s.hd(), dropP, seed);
        run(device, CrossAttention.BACKWARD_KV, s.keyRange(), in.q(), in.k(), in.v(), dout, f.lse(), delta, dk, dv,
                s.B(), s.L(), s.S(), s.H(), s.hd(), dropP, seed);
        return new Run(f.out(), f.lse(), delta, dq, dk, dv);
    }

    @Test
    void backendsMatchPortableBody() {
        // hd 12: under a vector on AVX-512, a vector and a tail on AVX2. 3 x 5 queries and 3 x 20 keys,
        // hd 36: more keys than lanes, vectors and a tail over hd, and 2 cores' slices ending inside a
        // sample (rows 7 | 8, keys 30 | 30)
        // 6 x 1 queries: a decoding step's, one query per sample, taken query by query
        for (Shape s : new Shape[] {new Shape(2, 5, 3, 2, 12), new Shape(3, 5, 20, 2, 36), new Shape(6, 1, 16, 2, 36)}) {
            backendsMatchPortableBody(s);
        }
    }

    private static void backendsMatchPortableBody(Shape s) {
        Random r = new Random(1);
        for (float dropP : new float[] {0f, 0.25f}) {
            Inputs in = Inputs.random(s, r);
            FloatArray dout = randn("dout", s.B() * s.L() * s.D(), r);
            Run f = forwardBackward(java(), s, in, dout, dropP, 9);
            Object seed = dropP == 0f ? (Object) 9 : new IntParam(9); // a plain int and the IntParam path
            if (dropP > 0f) { // and a seed with a sample offset (a data-parallel shard's)
                assertParity(CrossAttention.FORWARD, s.queryRange(), in.q(), in.k(), in.v(),
                        randn("out", f.out().size(), r), zeros("lse", f.lse().size()), s.B(), s.L(), s.S(), s.H(),
                        s.hd(), dropP, IntParam.of(9, 3));
                assertParity(CrossAttention.BACKWARD_QUERY, s.queryRange(), in.q(), in.k(), in.v(), dout, f.lse(),
                        f.delta(), randn("dq", in.q().size(), r), s.B(), s.L(), s.S(), s.H(), s.hd(), dropP,
                        IntParam.of(9, 3));
                assertParity(CrossAttention.BACKWARD_KV, s.keyRange(), in.q(), in.k(), in.v(), dout, f.lse(),
                        f.delta(), randn("dk", in.k().size(), r), randn("dv", in.v().size(), r), s.B(), s.L(), s.S(),
                        s.H(), s.hd(), dropP, IntParam.of(9, 3));
            }
            assertParity(CrossAttention.FORWARD, s.queryRange(), in.q(), in.k(), in.v(),
                    randn("out", f.out().size(), r), zeros("lse", f.lse().size()), s.B(), s.L(), s.S(), s.H(), s.hd(),
                    dropP, seed);
            // gradients start random: the backward kernels accumulate
            assertParity(CrossAttention.BACKWARD_QUERY, s.queryRange(), in.q(), in.k(), in.v(), dout, f.lse(),
                    f.delta(), randn("dq", in.q().size(), r), s.B(), s.L(), s.S(), s.H(), s.hd(), dropP, seed);
            assertParity(CrossAttention.BACKWARD_KV, s.keyRange(), in.q(), in.k(), in.v(), dout, f.lse(), f.delta(),
                    randn("dk", in.k().size(), r), randn("dv", in.v().size(), r), s.B(), s.L(), s.S(), s.H(), s.hd(),
                    dropP, seed);
        }
    }

    /**
     * Samples [lo, B) run alone with the sample offset lo in seed[1] draw the whole batch's dropout
     * masks: out, lse, delta, dq, dk and dv of the shard are those rows of the whole batch's, bit for
     * bit on every backend; without the offset they differ.
     */
    @Test
    void shardWithSampleOffsetDrawsTheWholeBatchsMasks() {
        Random r = new Random(8);
        Shape whole = new Shape(3, 5, 3, 2, 12);
        int lo = 2;
        Shape part = new Shape(whole.B() - lo, whole.L(), whole.S(), whole.H(), whole.hd());
        Inputs in = Inputs.random(whole, r);
        FloatArray dout = randn("dout", whole.B() * whole.L() * whole.D(), r);
        Inputs inPart = new Inputs(tailOf(in.q(), part.B() * part.L() * part.D()),
                tailOf(in.k(), part.B() * part.S() * part.D()), tailOf(in.v(), part.B() * part.S() * part.D()));
        FloatArray doutPart = tailOf(dout, part.B() * part.L() * part.D());
        for (Device d : devices()) {
            Run all = forwardBackward(d, whole, in, dout, 0.25f, 9);
            Run shard = forwardBackward(d, part, inPart, doutPart, 0.25f, IntParam.of(9, lo));
            String on = " on " + d.name();
            assertArrayEquals(tailOf(all.out(), shard.out().size()).array(), shard.out().array(), "out" + on);
            assertArrayEquals(tailOf(all.lse(), shard.lse().size()).array(), shard.lse().array(), "lse" + on);
            assertArrayEquals(tailOf(all.delta(), shard.delta().size()).array(), shard.delta().array(), "delta" + on);
            assertArrayEquals(tailOf(all.dq(), shard.dq().size()).array(), shard.dq().array(), "dq" + on);
            assertArrayEquals(tailOf(all.dk(), shard.dk().size()).array(), shard.dk().array(), "dk" + on);
            assertArrayEquals(tailOf(all.dv(), shard.dv().size()).array(), shard.dv().array(), "dv" + on);
            Run unshifted = forward(d, part, inPart, 0.25f, 9);
            assertFalse(java.util.Arrays.equals(tailOf(all.out(), shard.out().size()).array(),
                    unshifted.out().array()), "without the offset the shard draws other masks" + on);
        }
    }

    /** The last n elements of a, as a new array. */
    static FloatArray tailOf(FloatArray a, int n) {
        return of(a.name(), java.util.Arrays.copyOfRange(a.array(), a.size() - n, a.size()));
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Shape s = new Shape(2, 4, 3, 2, 8);
        for (float dropP : new float[] {0f, 0.3f}) { // the dropout mask is a pure function of (seed, index)
            Random r = new Random(2);
            Inputs in = Inputs.random(s, r);
            float[] g = randn("g", s.B() * s.L() * s.D(), r).array();
            java.util.function.DoubleSupplier loss =
                    () -> GradCheck.weightedSum(forward(java(), s, in, dropP, 5).out().array(), g);
            Run run = forwardBackward(java(), s, in, new FloatArray("dout", g.clone()), dropP, 5);
            GradCheck.check("dq (dropP " + dropP + ")", loss, in.q().array(), run.dq().array(), 40, 1e-2f, 2e-3);
            GradCheck.check("dk (dropP " + dropP + ")", loss, in.k().array(), run.dk().array(), 40, 1e-2f, 2e-3);
            GradCheck.check("dv (dropP " + dropP + ")", loss, in.v().array(), run.dv().array(), 40, 1e-2f, 2e-3);
        }
    }

    /**
     * Softmax ignores a per-query constant, so the key gradients of each sample sum to zero over its
     * buffer tokens (why the authors' attn2.k.bias never learns); with dropout too, since delta is
     * computed from the dropped output.
     */
    @Test
    void keyGradientsSumToZeroPerSample() {
        Shape s = new Shape(2, 5, 4, 2, 8);
        Random r = new Random(3);
        Inputs in = Inputs.random(s, r);
        Run run = forwardBackward(java(), s, in, randn("dout", s.B() * s.L() * s.D(), r), 0.2f, 11);
        for (int b = 0; b < s.B(); b++) {
            for (int c = 0; c < s.D(); c++) {
                double sum = 0;
                for (int t = 0; t < s.S(); t++) {
                    sum += run.dk().get((b * s.S() + t) * s.D() + c);
                }
                assertEquals(0.0, sum, 1e-5, "sum of dk over the buffer of sample " + b + ", column " + c);
            }
        }
    }

    /** The authors' MaskedAttentionCrossRoPE in PyTorch (RoPE with a shift on q only), grads by autograd. */
    @Test
    void matchesPyTorchGolden() {
        Golden golden = Golden.load("attention");
        for (String key : new String[] {"cross", "cross_drop"}) {
            int S = golden.integer(key + "_S"), posOff = golden.integer(key + "_posOff");
            int seed = golden.integer(key + "_seed");
            float dropP = golden.scalar(key + "_dropP");
            int D = 16, B = 2;
            Shape s = new Shape(B, golden.f(key + "_q").length / (B * D), S, 2, 8);
            for (Device device : devices()) {
                String what = device.info().id() + " " + key;
                Inputs in = new Inputs(new FloatArray("q", golden.f(key + "_q").clone()),
                        new FloatArray("k", golden.f(key + "_k")), new FloatArray("v", golden.f(key + "_v")));
                int rows = s.B() * s.L();
                run(device, Rope.FORWARD, new int[] {rows, D / 2}, in.q(), rows, s.L(), D, 0, s.H(), s.hd(), posOff,
                        BASE);
                Run run = forwardBackward(device, s, in, new FloatArray("dout", golden.f(key + "_dout")), dropP, seed);
                run(device, Rope.BACKWARD, new int[] {rows, D / 2}, run.dq(), rows, s.L(), D, 0, s.H(), s.hd(),
                        posOff, BASE);
                Golden.assertMatches(what + " out", run.out().array(), golden.f(key + "_out"), 1e-4);
                Golden.assertMatches(what + " lse", run.lse().array(), golden.f(key + "_lse"), 1e-4);
                Golden.assertMatches(what + " dq", run.dq().array(), golden.f(key + "_dq"), 1e-4);
                Golden.assertMatches(what + " dk", run.dk().array(), golden.f(key + "_dk"), 1e-4);
                Golden.assertMatches(what + " dv", run.dv().array(), golden.f(key + "_dv"), 1e-4);
            }
        }
    }
}
