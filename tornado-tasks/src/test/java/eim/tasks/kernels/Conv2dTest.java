package eim.tasks.kernels;

import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.FloatArray;
import eim.tasks.testing.GradCheck;
import eim.tasks.testing.Golden;
import java.util.Random;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class Conv2dTest {
    /** One convolution's sizes; W = 11 gives an 8-lane vector plus a scalar tail. */
    record Shape(int B, int Cin, int Cout, int H, int W, int KH, int KW) {
        int xSize() { return B * Cin * H * W; }
        int ySize() { return B * Cout * H * W; }
        int wSize() { return Cout * Cin * KH * KW; }
        Object[] dims() { return new Object[] {B, Cin, Cout, H, W, KH, KW}; }
    }

    static final Shape CONV3 = new Shape(2, 3, 6, 5, 11, 3, 3);   // 6 channels: one full block of 4 and a part
    static final Shape CONV1 = new Shape(2, 6, 5, 3, 9, 1, 1);
    static final Shape CONV1D = new Shape(2, 7, 5, 1, 10, 1, 3);
    static final Shape WIDE = new Shape(1, 2, 5, 3, 19, 3, 3);   // two vectors at a time, then a tail
    /** A plane of at least 64 positions: the forward GEMM with positions as rows. */
    static final Shape LARGE_PLANE = new Shape(2, 10, 7, 9, 12, 3, 3); // 10 channels: 8 transposed together, 2 alone
    /** Rows so wide that the forward GEMM takes one output row at a time (input rows reused from a ring). */
    static final Shape WIDE_ROWS = new Shape(1, 3, 5, 4, 130, 3, 3);

    /**
     * Planes whole vectors wide (16 and 32 columns: 1 or 2 vectors of 16 lanes, 2 or 4 of 8): the
     * java forward's direct convolution, with a part tile of positions (5 vectors of 16) and a part
     * group of channels (6 = 4 + 2, 9 = 4 + 4 + 1).
     */
    static final Shape DIRECT = new Shape(2, 3, 6, 5, 16, 3, 3);
    static final Shape DIRECT_TWO_ROWS = new Shape(1, 5, 9, 4, 32, 3, 3);
    static final Shape DIRECT_1X1 = new Shape(2, 4, 5, 4, 16, 1, 1);
    /** 21 channels: two wide groups of 8 (AVX-512), then 4 + 1; 8 vectors of positions: wide tiles of 3, 3 and a part. */
    static final Shape DIRECT_WIDE = new Shape(2, 3, 21, 4, 32, 3, 3);
    /**
     * 3x3 over planes whole 2-vector rows wide, channels in 8s: Winograd F(2x2, 3x3) with AVX-512
     * ({@link Conv2dWinograd}): 3 tile rows of 16 tiles (one block of 48), and 3 of 48 (3 blocks,
     * 40 input channels, 6 groups of 8 outputs in blocks).
     */
    static final Shape WINOGRAD = new Shape(2, 5, 16, 6, 32, 3, 3);
    static final Shape WINOGRAD_WIDE = new Shape(1, 40, 48, 6, 96, 3, 3);

    static Object[] args(Object[] arrays, Shape s) {
        Object[] dims = s.dims();
        Object[] all = new Object[arrays.length + dims.length];
        System.arraycopy(arrays, 0, all, 0, arrays.length);
        System.arraycopy(dims, 0, all, arrays.length, dims.length);
        return all;
    }

    @Test
    void backendsMatchPortableBody() {
        Random r = new Random(1);
        // square planes (8x8, 16x16): TornadoVM specialises on H and W and used to crash on them
        for (Shape s : new Shape[] {CONV3, CONV1, CONV1D, WIDE, LARGE_PLANE, WIDE_ROWS, DIRECT, DIRECT_TWO_ROWS, DIRECT_1X1,
                DIRECT_WIDE, WINOGRAD, WINOGRAD_WIDE, new Shape(1, 5, 9, 2, 3, 3, 3),
                new Shape(2, 3, 8, 16, 16, 3, 3), new Shape(2, 3, 8, 8, 8, 3, 3)}) {
            FloatArray x = randn("x", s.xSize(), r), w = randn("w", s.wSize(), r), b = randn("b", s.Cout(), r);
            assertParity(Conv2d.FORWARD, new int[] {s.B() * s.Cout(), s.H() * s.W()},
                    args(new Object[] {x, w, b, zeros("y", s.ySize())}, s));
            FloatArray dy = randn("dy", s.ySize(), r);
            assertParity(Conv2d.BACKWARD_INPUT, new int[] {s.B() * s.Cin(), s.H() * s.W()},
                    args(new Object[] {dy, w, randn("dx", s.xSize(), r)}, s));
            assertParity(Conv2d.BACKWARD_WEIGHT, new int[] {s.Cout() * s.Cin(), s.KH() * s.KW()},
                    args(new Object[] {dy, x, randn("dw", s.wSize(), r), randn("db", s.Cout(), r)}, s));
        }
    }

    /**
     * The Java bodies split their range into GEMMs per sample and channel run, widened to whole
     * micro-kernel row groups: every way of slicing the range must give the single-call result
     * (slices that straddle samples, that hold one channel, or a few (co, ci) pairs of one co).
     */
    @Test
    void javaSlicesMatchOneCall() {
        Random r = new Random(3);
        Shape[] shapes = {new Shape(3, 5, 13, 4, 7, 3, 3), new Shape(1, 3, 5, 4, 130, 3, 3), new Shape(2, 10, 13, 9, 8, 3, 3), new Shape(1, 3, 5, 1, 70, 1, 3), new Shape(2, 9, 7, 1, 20, 1, 3), new Shape(2, 4, 8, 3, 6, 1, 1),
                new Shape(2, 5, 9, 5, 16, 3, 3), DIRECT_WIDE, WINOGRAD};
        for (Shape s : shapes) {
            float[] x = randn("x", s.xSize(), r).array(), w = randn("w", s.wSize(), r).array();
            float[] b = randn("b", s.Cout(), r).array(), dy = randn("dy", s.ySize(), r).array();
            Object[] whole = sliced(s, x, w, b, dy, 1);
            for (int chunks : new int[] {2, 3, 7, 16, s.Cout() * s.Cin()}) {
                Object[] parts = sliced(s, x, w, b, dy, chunks);
                String[] names = {"y", "dx", "dw", "db"};
                for (int i = 0; i < names.length; i++) {
                    assertClose(s + " " + chunks + " slices " + names[i], (float[]) parts[i], (float[]) whole[i], 1e-5);
                }
            }
        }
    }

    /**
     * The forward split by positions (the java backend's column split for a batch of one): slices
     * on vector bounds and off them (positions computed one by one at the ends), on tile-row bounds
     * (Winograd) and off them, planes the direct path serves and ones it does not, must give the
     * single-call result.
     */
    @Test
    void forwardByPositionsMatchesOneCall() {
        Random r = new Random(4);
        for (Shape s : new Shape[] {DIRECT_WIDE, new Shape(1, 5, 9, 4, 32, 3, 3), new Shape(1, 6, 17, 6, 48, 3, 3),
                new Shape(2, 4, 5, 3, 7, 3, 3), DIRECT_1X1, WINOGRAD, WINOGRAD_WIDE}) {
            float[] x = randn("x", s.xSize(), r).array(), w = randn("w", s.wSize(), r).array();
            float[] b = randn("b", s.Cout(), r).array();
            int B = s.B(), Cin = s.Cin(), Cout = s.Cout(), H = s.H(), W = s.W(), KH = s.KH(), KW = s.KW();
            float[] whole = new float[s.ySize()];
            Conv2d.forwardFast(0, B * Cout, x, w, b, whole, B, Cin, Cout, H, W, KH, KW);
            for (int chunks : new int[] {1, 2, 3, 7}) {
                float[] y = new float[s.ySize()];
                forEachSlice(H * W, chunks, (f, t) -> Conv2d.forwardColumns(f, t, x, w, b, y, B, Cin, Cout, H, W, KH, KW));
                // slices off tile-row bounds take the direct path, a different sum order than Winograd's
                assertCloseToScale(s + " " + chunks + " position slices", y, whole, 1e-5);
            }
        }
    }

    /** Which forwards the java backend splits by positions: a batch of one, planes that cost more to pad than weights to pack. */
    @Test
    void forwardSplitsByPositionsWherePaddingDominates() {
        int cores = 2;
        // the direct path (whose padding the split shares out) serves many channels with AVX-512 only
        boolean avx512 = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length() >= 16;
        assertEquals(avx512, Conv2d.forwardByPositions(1, 128, 256, 256, 3, 3, cores), "128 channels at 256x256");
        assertTrue(Conv2d.forwardByPositions(1, 3, 256, 256, 3, 3, cores), "conv_out");
        assertFalse(Conv2d.forwardByPositions(1, 2048, 32, 32, 3, 3, cores),
                "512 -> 2048 at 32x32: packing every channel's weights costs more");
        assertFalse(Conv2d.forwardByPositions(8, 128, 256, 256, 3, 3, cores), "batch 8: whole samples per core");
        assertFalse(Conv2d.forwardByPositions(1, 128, 256, 256, 3, 3, 1), "one core");
        assertFalse(Conv2d.forwardByPositions(1, 128, 256, 256, 1, 1, cores), "1x1: read in place");
    }

    /** y, dx, dw, db from the Java bodies called on {@code chunks} equal slices of each range (as JavaDevice does). */
    private static Object[] sliced(Shape s, float[] x, float[] w, float[] b, float[] dy, int chunks) {
        float[] y = new float[s.ySize()], dx = new float[s.xSize()], dw = new float[s.wSize()], db = new float[s.Cout()];
        int B = s.B(), Cin = s.Cin(), Cout = s.Cout(), H = s.H(), W = s.W(), KH = s.KH(), KW = s.KW();
        forEachSlice(B * Cout, chunks, (f, t) -> Conv2d.forwardFast(f, t, x, w, b, y, B, Cin, Cout, H, W, KH, KW));
        forEachSlice(B * Cin, chunks, (f, t) -> Conv2d.backwardInputFast(f, t, dy, w, dx, B, Cin, Cout, H, W, KH, KW));
        forEachSlice(Cout * Cin, chunks, (f, t) -> Conv2d.backwardWeightFast(f, t, dy, x, dw, db, B, Cin, Cout, H, W, KH, KW));
        return new Object[] {y, dx, dw, db};
    }

    private static void forEachSlice(int n, int chunks, java.util.function.BiConsumer<Integer, Integer> body) {
        for (int c = 0; c < chunks; c++) {
            int from = (int) ((long) n * c / chunks), to = (int) ((long) n * (c + 1) / chunks);
            if (from < to) {
                body.accept(from, to);
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(2);
        for (Shape s : new Shape[] {CONV3, CONV1, CONV1D, WIDE}) {
            FloatArray x = randn("x", s.xSize(), r), w = randn("w", s.wSize(), r), b = randn("b", s.Cout(), r);
            FloatArray y = zeros("y", s.ySize());
            float[] g = randn("g", s.ySize(), r).array();
            DoubleSupplier loss = () -> {
                run(java(), Conv2d.FORWARD, new int[] {s.B() * s.Cout(), s.H() * s.W()}, args(new Object[] {x, w, b, y}, s));
                return GradCheck.weightedSum(y.array(), g);
            };
            FloatArray dy = new FloatArray("dy", g.clone());
            FloatArray dx = zeros("dx", s.xSize()), dw = zeros("dw", s.wSize()), db = zeros("db", s.Cout());
            run(java(), Conv2d.BACKWARD_INPUT, new int[] {s.B() * s.Cin(), s.H() * s.W()}, args(new Object[] {dy, w, dx}, s));
            run(java(), Conv2d.BACKWARD_WEIGHT, new int[] {s.Cout() * s.Cin(), s.KH() * s.KW()},
                    args(new Object[] {dy, x, dw, db}, s));
            // every input coordinate: the borders are where the reflection folds gradients together
            GradCheck.check(s + " dx", loss, x.array(), dx.array(), s.xSize(), 1e-2f, 2e-3);
            GradCheck.check(s + " dw", loss, w.array(), dw.array(), 40, 1e-2f, 2e-3);
            GradCheck.check(s + " db", loss, b.array(), db.array(), s.Cout(), 1e-2f, 2e-3);
        }
    }

    @Test
    void matchesPyTorch() {
        Golden gold = Golden.load("tokenizer_ops");
        checkGolden(gold, "c3_", new Shape(2, 3, 5, 5, 11, 3, 3));
        checkGolden(gold, "c1_", new Shape(2, 6, 5, 3, 9, 1, 1));
        checkGolden(gold, "c1d_", new Shape(2, 7, 5, 1, 10, 1, 3));
    }

    private static void checkGolden(Golden gold, String p, Shape s) {
        for (var device : devices()) {
            FloatArray x = new FloatArray("x", gold.f(p + "x")), w = new FloatArray("w", gold.f(p + "w"));
            FloatArray b = new FloatArray("b", gold.f(p + "b")), y = zeros("y", s.ySize());
            FloatArray dy = new FloatArray("g", gold.f(p + "g"));
            FloatArray dx = zeros("dx", s.xSize()), dw = zeros("dw", s.wSize()), db = zeros("db", s.Cout());
            run(device, Conv2d.FORWARD, new int[] {s.B() * s.Cout(), s.H() * s.W()}, args(new Object[] {x, w, b, y}, s));
            run(device, Conv2d.BACKWARD_INPUT, new int[] {s.B() * s.Cin(), s.H() * s.W()}, args(new Object[] {dy, w, dx}, s));
            run(device, Conv2d.BACKWARD_WEIGHT, new int[] {s.Cout() * s.Cin(), s.KH() * s.KW()},
                    args(new Object[] {dy, x, dw, db}, s));
            String at = device.name() + " " + p;
            Golden.assertMatches(at + "y", y.array(), gold.f(p + "y"), 1e-4);
            Golden.assertMatches(at + "dx", dx.array(), gold.f(p + "dx"), 1e-4);
            Golden.assertMatches(at + "dw", dw.array(), gold.f(p + "dw"), 1e-4);
            Golden.assertMatches(at + "db", db.array(), gold.f(p + "db"), 1e-4);
        }
    }
}
