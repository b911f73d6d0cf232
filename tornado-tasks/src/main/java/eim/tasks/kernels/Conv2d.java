package eim.tasks.kernels;

import eim.tasks.Kernel;
import eim.tasks.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Stride-1 convolution with reflect padding (KH/2, KW/2): PyTorch's
 * {@code nn.Conv2d(Cin, Cout, (KH, KW), padding=(KH/2, KW/2), padding_mode="reflect")}.
 * It covers the tokenizer's 3x3 and 1x1 convolutions and, with {@code H = 1, KH = 1, KW = 3},
 * its {@code nn.Conv1d(k=3, padding=1, padding_mode="reflect")} along a sequence of length W
 * (a Conv1d weight (Cout, Cin, 3) has the memory of a (Cout, Cin, 1, 3) one).
 *
 * <p>Shapes: x (B, Cin, H, W), w (Cout, Cin, KH, KW), b (Cout), y (B, Cout, H, W). Reflect padding
 * needs H > KH/2 and W > KW/2 (as in PyTorch). Backward kernels accumulate ({@code +=}).
 *
 * <p>The Java bodies are GEMMs on Linear's register-blocked micro-kernel
 * ({@link Linear#accumulateProduct}): per block of output rows the input is packed channels-last
 * (reflect padding resolved while packing, see {@link Grid}), so that every output position's patch
 * is a contiguous window, and out (positions, channels) = patches (positions, Cin·KH·KW) ·
 * weights (Cin·KH·KW, channels) with the slice's channels as the GEMM's columns (padded to whole
 * panels). The input gradient is the same correlation of dy zero-padded with the flipped kernel,
 * folded back through the reflection; the weight gradient is patchesᵀ · dyᵀ. The OpenCL twins
 * index the reflection directly.
 */
public final class Conv2d {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final String CL = "conv2d.cl";

    /** range {B·Cout, H·W}: y = conv(x) + b. Args: x, w, b, y, B, Cin, Cout, H, W, KH, KW. */
    public static final Kernel FORWARD = Kernel.of("conv2d_forward", CL,
            (from, to, a) -> forward(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5), a.i(6), a.i(7),
                    a.i(8), a.i(9), a.i(10)));

    /** range {B·Cin, H·W}: dx += convᵀ(dy). Args: dy, w, dx, B, Cin, Cout, H, W, KH, KW. */
    public static final Kernel BACKWARD_INPUT = Kernel.of("conv2d_backward_input", CL,
            (from, to, a) -> backwardInput(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5), a.i(6),
                    a.i(7), a.i(8), a.i(9)));

    /**
     * range {Cout·Cin, KH·KW}: dw[co,ci] += Σ_b dy[b,co] ⋆ pad(x[b,ci]); db[co] += Σ dy[·,co] (by the
     * (co, ci=0) item). Args: dy, x, dw, db, B, Cin, Cout, H, W, KH, KW.
     */
    public static final Kernel BACKWARD_WEIGHT = Kernel.of("conv2d_backward_weight", CL,
            (from, to, a) -> backwardWeight(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5), a.i(6),
                    a.i(7), a.i(8), a.i(9), a.i(10)));

    private Conv2d() {}

    public static void forward(int from, int to, float[] x, float[] w, float[] b, float[] y, int B, int Cin,
                               int Cout, int H, int W, int KH, int KW) {
        Grid grid = Grid.reflectPadded(new Geometry(H, W, KH, KW), Cin);
        int plane = H * W;
        for (@Parallel int item = from; item < to; ) {
            int bi = item / Cout, co0 = item % Cout;
            int n = Math.min(to - item, Cout - co0); // the slice's output channels of sample bi
            int cols = wholePanels(n);
            // wt (K, cols): column j holds output channel co0 + j in the packed block's tap order
            float[] wt = Scratch.floats(1, grid.K() * cols);
            grid.packWeights(wt, cols, n, (j, c, kh, kw) -> w[(((co0 + j) * Cin + c) * KH + kh) * KW + kw]);
            int yOff = (bi * Cout + co0) * plane;
            grid.correlate(x, bi * Cin * plane, wt, cols, grid.blockRowsForMemory(), (out, o0, rows) -> {
                for (int i = 0; i < rows; i++) {
                    for (int c = 0; c < W; c++) {
                        int at = (i * grid.Wg() + c) * cols, yAt = yOff + (o0 + i) * W + c;
                        for (int j = 0; j < n; j++) {
                            y[yAt + j * plane] = b[co0 + j] + out[at + j];
                        }
                    }
                }
            });
            item += n;
        }
    }

    /**
     * The transposed convolution: the gradient of the padded input planes is a "valid" correlation
     * of dy zero-padded by (KH-1, KW-1) with the flipped kernel; it is folded back through the
     * reflection into dx.
     */
    public static void backwardInput(int from, int to, float[] dy, float[] w, float[] dx, int B, int Cin, int Cout,
                                     int H, int W, int KH, int KW) {
        Geometry g = new Geometry(H, W, KH, KW);
        Grid grid = Grid.zeroPadded(g, Cout);
        int plane = H * W;
        for (@Parallel int item = from; item < to; ) {
            int bi = item / Cin, ci0 = item % Cin;
            int n = Math.min(to - item, Cin - ci0); // the slice's input channels of sample bi
            int cols = wholePanels(n);
            float[] wt = Scratch.floats(1, grid.K() * cols);
            grid.packWeights(wt, cols, n,
                    (j, c, kh, kw) -> w[((c * Cin + ci0 + j) * KH + KH - 1 - kh) * KW + KW - 1 - kw]);
            int dxOff = (bi * Cin + ci0) * plane;
            grid.correlate(dy, bi * Cout * plane, wt, cols, grid.blockRowsForMemory(), (out, o0, rows) -> {
                for (int i = 0; i < rows; i++) { // out rows are rows of the padded plane (Hp, Wp)
                    int dxRow = dxOff + Scratch.reflect(o0 + i - g.ph(), H) * W;
                    for (int c = 0; c < g.Wp(); c++) {
                        int at = (i * grid.Wg() + c) * cols, dxAt = dxRow + Scratch.reflect(c - g.pw(), W);
                        for (int j = 0; j < n; j++) {
                            dx[dxAt + j * plane] += out[at + j];
                        }
                    }
                }
            });
            item += n;
        }
    }

    /**
     * dwᵀ (K, co) += patchesᵀ · dyᵀ per block of rows, where the packed input block read with a
     * stride is patchesᵀ (K, positions) and dy is transposed into scratch (positions, co), junk
     * positions past each row's end zeroed. Only the slice's (co, ci) pairs are added to dw.
     */
    public static void backwardWeight(int from, int to, float[] dy, float[] x, float[] dw, float[] db, int B, int Cin,
                                      int Cout, int H, int W, int KH, int KW) {
        Geometry g = new Geometry(H, W, KH, KW);
        Grid grid = Grid.reflectPadded(g, Cin);
        int kk = KH * KW, plane = H * W, Wp = g.Wp();
        int coFirst = from / Cin, coLast = (to - 1) / Cin, n = coLast - coFirst + 1;
        int ciLo = n == 1 ? from % Cin : 0, ciHi = n == 1 ? (to - 1) % Cin + 1 : Cin;
        int cols = wholePanels(n);
        float[] dwT = Scratch.floats(3, grid.K() * cols);
        java.util.Arrays.fill(dwT, 0, grid.K() * cols, 0f);
        // rows per block: about one micro-kernel block of positions (256)
        int blockRows = Math.max(1, Math.min(H, (256 - W) / Wp + 1));
        for (int bi = 0; bi < B; bi++) {
            for (int o0 = 0; o0 < H; o0 += blockRows) {
                int rows = Math.min(blockRows, H - o0);
                int positions = (rows - 1) * Wp + W;
                float[] patches = grid.pack(x, bi * Cin * plane, o0, rows);
                float[] dyT = Scratch.floats(2, positions * cols);
                java.util.Arrays.fill(dyT, 0, positions * cols, 0f);
                for (int j = 0; j < n; j++) {
                    int dyRow = (bi * Cout + coFirst + j) * plane + o0 * W;
                    for (int i = 0; i < rows; i++) {
                        for (int c = 0; c < W; c++) {
                            dyT[(i * Wp + c) * cols + j] = dy[dyRow + i * W + c];
                        }
                    }
                }
                for (int tap = 0; tap < kk; tap++) { // rows of one tap are the input channels ciLo..ciHi-1
                    Linear.accumulateProduct(patches, 1, grid.positionStride(), dyT, dwT, tap * Cin + ciLo,
                            tap * Cin + ciHi, positions, cols);
                }
            }
        }
        for (int item = from; item < to; item++) {
            int co = item / Cin, ci = item % Cin;
            for (int kh = 0; kh < KH; kh++) {
                for (int kw = 0; kw < KW; kw++) {
                    dw[item * kk + kh * KW + kw] += dwT[((kw * KH + kh) * Cin + ci) * cols + co - coFirst];
                }
            }
            if (ci == 0) {
                float s = 0f;
                for (int bi = 0; bi < B; bi++) {
                    s += sumPlane(dy, (bi * Cout + co) * plane, plane);
                }
                db[co] += s;
            }
        }
    }

    /** n columns rounded up to whole 2-vector panels of Linear's micro-kernel (padding columns are zero). */
    private static int wholePanels(int n) {
        int panel = 2 * L;
        return (n + panel - 1) / panel * panel;
    }

    private static float sumPlane(float[] a, int off, int n) {
        int upper = S.loopBound(n);
        FloatVector acc = FloatVector.zero(S);
        int i = 0;
        for (; i < upper; i += L) {
            acc = acc.add(FloatVector.fromArray(S, a, off + i));
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            s += a[off + i];
        }
        return s;
    }

    /** Sizes of one plane before and after reflect padding. */
    private record Geometry(int H, int W, int KH, int KW, int ph, int pw, int Hp, int Wp) {
        Geometry(int H, int W, int KH, int KW) {
            this(H, W, KH, KW, KH / 2, KW / 2, H + 2 * (KH / 2), W + 2 * (KW / 2));
            if (ph >= H || pw >= W) {
                throw new IllegalArgumentException("reflect padding (" + ph + ", " + pw + ") needs a plane larger than "
                        + H + "x" + W);
            }
        }
    }

    /** One weight of the correlation: output channel j, grid channel c, tap (kh, kw). */
    private interface WeightAt {
        float get(int j, int c, int kh, int kw);
    }

    /** Receives out (rows·Wg positions, cols) for output rows o0 .. o0+rows-1. */
    private interface BlockSink {
        void accept(float[] out, int o0, int rows);
    }

    /**
     * A source of {@code channels} planes (H, W) seen padded by (padRows, padCols), by reflection or
     * zeros: a grid (channels, Hg, Wg) whose "valid" KHxKW correlation has (Hg-KH+1, Wg-KW+1) outputs.
     *
     * <p>A block of output rows is packed channels-last with the KH grid rows each output row reads
     * side by side: X[q·KH·C + kh·C + c] = grid[c, o0 + q/Wg + kh, q%Wg] for block position q. The
     * patch of output position q, taps ordered (kw, kh, c), is then the contiguous window
     * X[q·KH·C .. q·KH·C + K): overlapping rows of a matrix with row stride KH·C, which is how the
     * GEMM reads it (positions past a row's end are computed and ignored).
     */
    private record Grid(int channels, int H, int W, int padRows, int padCols, boolean reflect, int KH, int KW,
                        int Hg, int Wg) {
        static Grid reflectPadded(Geometry g, int channels) {
            return new Grid(channels, g.H(), g.W(), g.ph(), g.pw(), true, g.KH(), g.KW(), g.Hp(), g.Wp());
        }

        static Grid zeroPadded(Geometry g, int channels) {
            int pr = g.KH() - 1, pc = g.KW() - 1;
            return new Grid(channels, g.H(), g.W(), pr, pc, false, g.KH(), g.KW(), g.H() + 2 * pr, g.W() + 2 * pc);
        }

        int K() {
            return KH * KW * channels;
        }

        int positionStride() {
            return KH * channels;
        }

        int outRows() {
            return Hg - KH + 1;
        }

        int outCols() {
            return Wg - KW + 1;
        }

        /** Output rows per block: the packed block within about 512 KiB (one output row at least). */
        int blockRowsForMemory() {
            return Math.max(1, Math.min(outRows(), (128 << 10) / (Wg * positionStride())));
        }

        /** wt[(kw·KH·C + kh·C + c)·cols + j] = weight(j, c, kh, kw) for j < n; zero for the padding columns. */
        void packWeights(float[] wt, int cols, int n, WeightAt weight) {
            for (int kw = 0; kw < KW; kw++) {
                for (int kh = 0; kh < KH; kh++) {
                    for (int c = 0; c < channels; c++) {
                        int row = ((kw * KH + kh) * channels + c) * cols;
                        for (int j = 0; j < n; j++) {
                            wt[row + j] = weight.get(j, c, kh, kw);
                        }
                        java.util.Arrays.fill(wt, row + n, row + cols, 0f);
                    }
                }
            }
        }

        /** Packs the grid rows that output rows o0 .. o0+rows-1 read (see the class comment) into scratch slot 0. */
        float[] pack(float[] src, int off, int o0, int rows) {
            int stride = positionStride();
            float[] dst = Scratch.floats(0, rows * Wg * stride);
            for (int i = 0; i < rows; i++) {
                for (int kh = 0; kh < KH; kh++) {
                    int r = o0 + i + kh - padRows; // source row
                    boolean zeroRow = !reflect && (r < 0 || r >= H);
                    int srcRow = zeroRow ? -1 : off + (reflect ? Scratch.reflect(r, H) : r) * W;
                    int base = i * Wg * stride + kh * channels;
                    for (int q = 0; q < Wg; q++) {
                        int to = base + q * stride;
                        int cSrc = q - padCols;
                        if (zeroRow || (!reflect && (cSrc < 0 || cSrc >= W))) {
                            java.util.Arrays.fill(dst, to, to + channels, 0f);
                            continue;
                        }
                        int at = srcRow + (reflect ? Scratch.reflect(cSrc, W) : cSrc);
                        int planeStride = H * W;
                        for (int c = 0; c < channels; c++) {
                            dst[to + c] = src[at + c * planeStride];
                        }
                    }
                }
            }
            return dst;
        }

        /**
         * For each block of output rows: out (positions, cols) = packed block · wt (K, cols), handed
         * to sink with row i of the block at positions i·Wg .. i·Wg + outCols - 1.
         */
        void correlate(float[] src, int off, float[] wt, int cols, int blockRows, BlockSink sink) {
            for (int o0 = 0; o0 < outRows(); o0 += blockRows) {
                int rows = Math.min(blockRows, outRows() - o0);
                int positions = (rows - 1) * Wg + outCols();
                float[] patches = pack(src, off, o0, rows);
                float[] out = Scratch.floats(2, rows * Wg * cols);
                java.util.Arrays.fill(out, 0, rows * Wg * cols, 0f);
                Linear.accumulateProduct(patches, positionStride(), 1, wt, out, 0, positions, K(), cols);
                sink.accept(out, o0, rows);
            }
        }
    }
}
