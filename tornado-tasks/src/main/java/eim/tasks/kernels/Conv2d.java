package eim.tasks.kernels;

import eim.tasks.Kernel;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import jdk.incubator.vector.FloatVector;
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
 * <p>The portable bodies (run by TornadoVM and, as the reference, on the JVM) compute one output
 * element per work item, indexing the reflection directly.
 *
 * <p>The java backend's 3x3 forward over planes a multiple of 32 columns wide, channels in 8s, runs
 * as Winograd F(2x2, 3x3) with AVX-512 ({@link Conv2dWinograd}). Otherwise its forward is a direct
 * convolution where the planes are whole vectors wide ({@link #forwardDirect}: 8 output channels x 3 vectors of positions per register tile with
 * AVX-512, 4 x 4 for the channels left over and on AVX2; no patch matrix). Elsewhere, and for
 * both gradients, the fast paths are GEMMs on Linear's register-blocked micro-kernel
 * ({@link Linear#accumulateProduct}), about {@value #BLOCK_POSITIONS} output positions per GEMM,
 * with reflect padding resolved while packing. Forward puts the positions in the GEMM's rows (input
 * rows transposed channels-last, {@link #forwardPositionRows}): the micro-kernel then
 * streams many rows against a packed panel of the slice's few channels. For 1x1 kernels and small
 * planes (the conv1d) it puts the channels in the rows instead and reads w in place
 * ({@link #forwardChannelRows}) against a patch matrix (Cin·KH·KW, positions) whose rows are
 * shifted copies of input rows ({@link Grid#im2col}). The input gradient is the same kind of
 * correlation of dy zero-padded by (KH-1, KW-1) with the flipped, transposed kernel, folded back
 * through the reflection; the weight gradient is patches · dyᵀ.
 */
public final class Conv2d {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    /** range {B·Cout, H·W}: y = conv(x) + b. Args: x, w, b, y, B, Cin, Cout, H, W, KH, KW. */
    public static final Kernel FORWARD = Kernel.of("conv2d_forward", Conv2d::forward)
            .withFast((from, to, a) -> forwardFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5), a.i(6), a.i(7),
                    a.i(8), a.i(9), a.i(10)))
            .withFastColumns((from, to, a) -> forwardColumns(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5),
                    a.i(6), a.i(7), a.i(8), a.i(9), a.i(10)), (rows, columns, cores, a) -> forwardByPositions(a.i(4),
                    a.i(6), a.i(7), a.i(8), a.i(9), a.i(10), cores));

    /** range {B·Cin, H·W}: dx += convᵀ(dy). Args: dy, w, dx, B, Cin, Cout, H, W, KH, KW. */
    public static final Kernel BACKWARD_INPUT = Kernel.of("conv2d_backward_input", Conv2d::backwardInput)
            .withFast((from, to, a) -> backwardInputFast(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5), a.i(6),
                    a.i(7), a.i(8), a.i(9)));

    /**
     * range {Cout·Cin, KH·KW}: dw[co,ci] += Σ_b dy[b,co] ⋆ pad(x[b,ci]); db[co] += Σ dy[·,co] (by the
     * (co, ci=0) item). Args: dy, x, dw, db, B, Cin, Cout, H, W, KH, KW.
     */
    public static final Kernel BACKWARD_WEIGHT = Kernel.of("conv2d_backward_weight", Conv2d::backwardWeight)
            .withFast((from, to, a) -> backwardWeightFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5), a.i(6),
                    a.i(7), a.i(8), a.i(9), a.i(10)));

    /** Output positions per GEMM: the patch block (Cin·KH·KW, positions) is copied once and read once. */
    private static final int BLOCK_POSITIONS = 256;
    /** Forward planes at least this large (and kernels larger than 1x1) take the GEMM with positions as rows. */
    private static final int CHANNELS_LAST_MIN_POSITIONS = 64;
    /** Output channels x vectors of positions per register tile of {@link #forwardDirect}. */
    private static final int DIRECT_CHANNELS = 4, DIRECT_VECTORS = 4;
    /**
     * The wide tile of {@link #forwardDirect} for groups of 8 channels with 32 vector registers
     * (AVX-512): 8 channels x 3 vectors, 24 accumulators. Each input vector loaded then feeds 8 FMAs
     * instead of 4.
     */
    private static final int WIDE_CHANNELS = 8, WIDE_VECTORS = 3;
    /**
     * Packed weights {@link #forwardDirect} runs every tile of positions through before the next
     * block: half of a core's L2 (1 MB on Zen 4/5). Without blocks, 512 -> 2048 channels (the
     * official decoder's upsampling) streamed a core's 19 MB of weights from memory for every tile.
     */
    private static final int WEIGHT_BLOCK_FLOATS = 128 * 1024;

    private Conv2d() {}

    /** One output element per work item (b·Cout + co, h·W + c), reflection in the index math ({@link #convolveAt}). */
    public static void forward(int from, int to, float[] x, float[] w, float[] b, float[] y, int B, int Cin,
                               int Cout, int H, int W, int KH, int KW) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int bc = from + k;
            for (@Parallel int p = 0; p < H * W; p++) {
                y[bc * H * W + p] = convolveAt(x, w, b, bc / Cout, bc % Cout, p / W, p % W, Cin, H, W, KH, KW);
            }
        }
    }

    /**
     * One input element per work item (b·Cin + ci, ih·W + iw): dx += Σ over the output positions
     * whose reflected taps read it (at most two preimages per axis and tap, {@link #preimage}).
     */
    public static void backwardInput(int from, int to, float[] dy, float[] w, float[] dx, int B, int Cin, int Cout,
                                     int H, int W, int KH, int KW) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int bc = from + k;
            for (@Parallel int p = 0; p < H * W; p++) {
                int bi = bc / Cin, ci = bc % Cin, ih = p / W, iw = p % W, ph = KH / 2, pw = KW / 2;
                float s = 0f;
                for (int kh = 0; kh < KH; kh++) {
                    for (int th = 0; th < 3; th++) {
                        int oh = preimage(ih, kh, ph, H, th);
                        if (oh >= 0) {
                            for (int kw = 0; kw < KW; kw++) {
                                for (int tw = 0; tw < 3; tw++) {
                                    int ow = preimage(iw, kw, pw, W, tw);
                                    if (ow >= 0) {
                                        for (int co = 0; co < Cout; co++) {
                                            s += dy[(bi * Cout + co) * H * W + oh * W + ow]
                                                    * w[((co * Cin + ci) * KH + kh) * KW + kw];
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                dx[bc * H * W + p] += s;
            }
        }
    }

    /**
     * One weight per work item (co·Cin + ci, kh·KW + kw): dw += Σ_b dy[b,co] ⋆ pad(x[b,ci]) at that
     * tap; the (co, ci = 0, tap 0) item also adds Σ dy[·,co] to db[co].
     */
    public static void backwardWeight(int from, int to, float[] dy, float[] x, float[] dw, float[] db, int B, int Cin,
                                      int Cout, int H, int W, int KH, int KW) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int oc = from + k;
            for (@Parallel int t = 0; t < KH * KW; t++) {
                int co = oc / Cin, ci = oc % Cin, kh = t / KW, kw = t % KW, ph = KH / 2, pw = KW / 2;
                float s = 0f;
                for (int bi = 0; bi < B; bi++) {
                    int go = (bi * Cout + co) * H * W, xo = (bi * Cin + ci) * H * W;
                    for (int h = 0; h < H; h++) {
                        int r = reflectIndex(h + kh - ph, H);
                        for (int c = 0; c < W; c++) {
                            s += dy[go + h * W + c] * x[xo + r * W + reflectIndex(c + kw - pw, W)];
                        }
                    }
                }
                dw[oc * KH * KW + t] += s;
                if (ci == 0 && t == 0) {
                    float sb = 0f;
                    for (int bi = 0; bi < B; bi++) {
                        int go = (bi * Cout + co) * H * W;
                        for (int i = 0; i < H * W; i++) {
                            sb += dy[go + i];
                        }
                    }
                    db[co] += sb;
                }
            }
        }
    }

    /**
     * Index i (in [-(n-1), 2(n-1)]) of a plane of size n padded by reflection (PyTorch's "reflect":
     * the edge is not repeated). Branch-free: TornadoVM specialises kernels on their scalar
     * arguments, and a bounds test that the compiler then proves constant (square planes) crashed
     * its OpenCL code generator ("logic node LogicConstantNode", see KERNELS.md).
     */
    static int reflectIndex(int i, int n) {
        return (n - 1) - abs((n - 1) - abs(i));
    }

    /** |v| without branches or Math.abs (whose TornadoVM intrinsic fails to build: see KERNELS.md). */
    private static int abs(int v) {
        int sign = v >> 31;
        return (v ^ sign) - sign;
    }

    /**
     * Candidate t (0..2) of the output positions o in [0, n) with reflect(o + k - pad) == i for
     * tap k, or -1: the unpadded position q = o + k - pad is i itself (t 0), its mirror -i (t 1,
     * only for i >= 1) or its mirror 2(n-1)-i (t 2, only for i <= n-2), and must lie within the padding.
     */
    static int preimage(int i, int k, int pad, int n, int t) {
        int q = i;
        int ok = 1;
        if (t == 1) {
            q = -i;
            if (i < 1) {
                ok = 0;
            }
        } else if (t == 2) {
            q = 2 * (n - 1) - i;
            if (i > n - 2) {
                ok = 0;
            }
        }
        int o = q - k + pad;
        if (q < -pad || q > n - 1 + pad || o < 0 || o >= n) {
            ok = 0;
        }
        return ok != 0 ? o : -1;
    }

    /**
     * The slice [from, to) of {@link #forward}: a direct convolution ({@link #forwardDirect}) where
     * the planes are whole vectors wide and at least a tile large, else GEMMs. The direct tile keeps
     * 16 vector accumulators, which fit AVX-512's 32 registers; with AVX2's 16 it spills and measured
     * slower than the GEMMs except for a few output channels (n <= 8), where the GEMMs waste most of
     * their 2-vector panels.
     */
    static void forwardFast(int from, int to, float[] x, float[] w, float[] b, float[] y, int B, int Cin,
                               int Cout, int H, int W, int KH, int KW) {
        Geometry g = new Geometry(H, W, KH, KW);
        // the Winograd path's transformed or the direct path's packed weights of channels packedCo0 ..
        // + packedN (which of the two follows from n), kept for the slice's next sample
        float[] wp = null;
        int packedCo0 = -1, packedN = -1;
        for (int item = from; item < to; ) {
            int bi = item / Cout, co0 = item % Cout;
            int n = Math.min(to - item, Cout - co0); // the slice's output channels of sample bi
            boolean winograd = Conv2dWinograd.serves(H, W, KH, KW, n);
            if ((winograd || direct(H, W, n)) && (co0 != packedCo0 || n != packedN)) {
                wp = winograd ? Conv2dWinograd.transformWeights(w, co0, n, Cin) : packDirectWeights(w, co0, n, Cin, KH, KW);
                packedCo0 = co0;
                packedN = n;
            }
            if (winograd) {
                Conv2dWinograd.forward(x, wp, b, y, bi, co0, n, Cin, Cout, H, W, 0, H / 2);
            } else if (direct(H, W, n)) {
                forwardDirect(x, wp, b, y, bi, co0, n, Cin, Cout, g, 0, H * W);
            } else if (H * W >= CHANNELS_LAST_MIN_POSITIONS && KH * KW > 1) {
                // (1x1: the patches are x itself, no transposition needed; measured faster with channel rows)
                forwardPositionRows(x, w, b, y, bi, co0, n, Cin, Cout, g);
            } else {
                forwardChannelRows(x, w, b, y, bi, co0, n, Cin, Cout, g);
            }
            item += n;
        }
    }

    /** Whether {@link #forwardDirect} serves n channels of planes H x W. */
    private static boolean direct(int H, int W, int n) {
        return W % L == 0 && H * W >= DIRECT_VECTORS * L && (L >= 16 || n <= 8);
    }

    /**
     * Whether the java backend splits a forward by positions ({@link #forwardColumns}) rather than by
     * (sample, channel): where the samples do not divide evenly among the cores (a batch of one) and
     * the direct path would have each core pad a whole sample's input for its share of the channels,
     * while padding its share of the rows costs more than packing every channel's weights (the
     * planes 64x64 and larger of the official tokenizer). Split by channels, 2 cores each padded all
     * of 128 channels at 256x256, and the 3 and 32 channels of conv_out and the downsampling gave
     * each core a few channels to compute beside the whole padding.
     */
    static boolean forwardByPositions(int B, int Cout, int H, int W, int KH, int KW, int cores) {
        int Hp = H + 2 * (KH / 2), Wp = W + 2 * (KW / 2);
        return cores > 1 && B % cores != 0 && KH * KW > 1 && direct(H, W, Cout) && H * W >= cores * WIDE_VECTORS * L
                && (long) Hp * Wp > (long) Cout * KH * KW;
    }

    /**
     * Positions [from, to) (h·W + c) of every sample and channel: the slice of {@link #forward} by
     * columns. The whole vectors inside the slice go through {@link #forwardDirect} with every
     * channel's weights packed once; positions left at its ends (a slice not on vector bounds) are
     * computed one by one.
     */
    static void forwardColumns(int from, int to, float[] x, float[] w, float[] b, float[] y, int B, int Cin, int Cout,
                               int H, int W, int KH, int KW) {
        if (Conv2dWinograd.serves(H, W, KH, KW, Cout) && from % (2 * W) == 0 && to % (2 * W) == 0) {
            float[] u = Conv2dWinograd.transformWeights(w, 0, Cout, Cin);
            for (int bi = 0; bi < B; bi++) {
                Conv2dWinograd.forward(x, u, b, y, bi, 0, Cout, Cin, Cout, H, W, from / (2 * W), to / (2 * W));
            }
            return;
        }
        Geometry g = new Geometry(H, W, KH, KW);
        int v0 = Math.min(to, (from + L - 1) / L * L), v1 = Math.max(v0, to / L * L), plane = H * W;
        if (v1 - v0 >= L && direct(H, W, Cout)) {
            float[] wp = packDirectWeights(w, 0, Cout, Cin, KH, KW);
            for (int bi = 0; bi < B; bi++) {
                forwardDirect(x, wp, b, y, bi, 0, Cout, Cin, Cout, g, v0, v1);
            }
        } else {
            v0 = v1 = to;
        }
        for (int bi = 0; bi < B; bi++) {
            for (int co = 0; co < Cout; co++) {
                int yPlane = (bi * Cout + co) * plane;
                for (int p = from; p < v0; p++) {
                    y[yPlane + p] = convolveAt(x, w, b, bi, co, p / W, p % W, Cin, H, W, KH, KW);
                }
                for (int p = v1; p < to; p++) {
                    y[yPlane + p] = convolveAt(x, w, b, bi, co, p / W, p % W, Cin, H, W, KH, KW);
                }
            }
        }
    }

    /**
     * Output (bi, co) at row h, column c of the reflect-padded convolution, one tap at a time: the
     * portable body's element, and the java column split's positions off vector bounds.
     */
    static float convolveAt(float[] x, float[] w, float[] b, int bi, int co, int h, int c, int Cin, int H, int W,
                            int KH, int KW) {
        int ph = KH / 2, pw = KW / 2;
        float s = b[co];
        for (int ci = 0; ci < Cin; ci++) {
            int xo = (bi * Cin + ci) * H * W, wo = (co * Cin + ci) * KH * KW;
            for (int kh = 0; kh < KH; kh++) {
                int r = reflectIndex(h + kh - ph, H);
                for (int kw = 0; kw < KW; kw++) {
                    s += x[xo + r * W + reflectIndex(c + kw - pw, W)] * w[wo + kh * KW + kw];
                }
            }
        }
        return s;
    }

    /**
     * Channels co0 .. co0+n-1 of sample bi with the channels as the GEMM's rows: out (channels,
     * positions) = w (channels, K) · patches (K, positions). The weights are read in place: the path
     * for few positions (the conv1d), where the weights dominate the memory traffic.
     */
    private static void forwardChannelRows(float[] x, float[] w, float[] b, float[] y, int bi, int co0, int n,
                                           int Cin, int Cout, Geometry g) {
        Grid grid = Grid.reflectPadded(g, Cin);
        int plane = g.H() * g.W(), K = grid.K();
        // rows [r0, r1) of w (Cout, K), widened to whole micro-kernel row groups where Cout allows
        // (the extra channels are computed into scratch and dropped)
        int r1 = Math.min(Cout, co0 + wholeRowGroups(n)), r0 = Math.max(0, r1 - wholeRowGroups(n));
        for (int p0 = 0; p0 < plane; p0 += BLOCK_POSITIONS) {
            int P = Math.min(BLOCK_POSITIONS, plane - p0), ld = wholePanels(P);
            float[] patches = Scratch.floats(0, K * ld);
            grid.im2col(x, bi * Cin * plane, p0, P, 0, Cin, patches, ld);
            float[] out = Scratch.floats(1, r1 * ld); // rows r0..r1-1 used
            for (int r = r0; r < r1; r++) {
                java.util.Arrays.fill(out, r * ld, (r + 1) * ld, b[r]);
            }
            Linear.accumulateProduct(w, K, 1, patches, out, 0, r0, r1, K, ld, 0, ld);
            for (int co = co0; co < co0 + n; co++) {
                System.arraycopy(out, co * ld, y, (bi * Cout + co) * plane + p0, P);
            }
        }
    }

    /**
     * Channels co0 .. co0+n-1 of sample bi with the positions as the GEMM's rows: the micro-kernel
     * then streams many rows against one packed panel of weights, however few channels the slice
     * has. Per block of output rows the padded input is packed channels-last with the KH input rows
     * each output row reads side by side, X[q·KH·Cin + kh·Cin + c] = pad(x)[c, o0 + q/Wp + kh, q%Wp],
     * so that the patch of position q, taps ordered (kw, kh, c), is the contiguous window
     * X[q·KH·Cin .. + K): out (positions, channels) = X (read as rows KH·Cin apart) · wt (K, channels).
     * Input rows are transposed once each into a ring of channels-last rows.
     */
    private static void forwardPositionRows(float[] x, float[] w, float[] b, float[] y, int bi, int co0, int n,
                                            int Cin, int Cout, Geometry g) {
        int H = g.H(), W = g.W(), KH = g.KH(), KW = g.KW(), Wp = g.Wp(), plane = H * W;
        int stride = KH * Cin, K = KW * stride, cols = wholePanels(n);
        float[] wt = Scratch.floats(1, K * cols); // wt[(kw·KH·Cin + kh·Cin + c)·cols + j] = w[co0 + j, c, kh, kw]
        for (int t = 0; t < K; t++) {
            java.util.Arrays.fill(wt, t * cols + n, (t + 1) * cols, 0f);
        }
        for (int c = 0; c < Cin; c++) { // per input channel the written rows (KH·KW x cols) stay in L1
            for (int j = 0; j < n; j++) {
                for (int kh = 0; kh < KH; kh++) {
                    for (int kw = 0; kw < KW; kw++) {
                        wt[((kw * KH + kh) * Cin + c) * cols + j] = w[(((co0 + j) * Cin + c) * KH + kh) * KW + kw];
                    }
                }
            }
        }
        // about BLOCK_POSITIONS positions per GEMM; a small plane in one (no short last block)
        int blockRows = H * Wp <= 2 * BLOCK_POSITIONS ? H : Math.max(1, BLOCK_POSITIONS / Wp);
        int ringRows = blockRows + KH - 1; // padded input row a (channels-last) lives in slot a % ringRows
        float[] ring = Scratch.floats(4, ringRows * Wp * Cin);
        int[] held = new int[ringRows];
        java.util.Arrays.fill(held, -1);
        for (int o0 = 0; o0 < H; o0 += blockRows) {
            int rows = Math.min(blockRows, H - o0), positions = (rows - 1) * Wp + W;
            for (int a = o0; a < o0 + rows + KH - 1; a++) {
                if (held[a % ringRows] != a) {
                    transposePaddedRow(x, bi * Cin * plane, a, Cin, g, ring, (a % ringRows) * Wp * Cin);
                    held[a % ringRows] = a;
                }
            }
            float[] packed = Scratch.floats(0, rows * Wp * stride);
            for (int i = 0; i < rows; i++) {
                for (int kh = 0; kh < KH; kh++) {
                    int src = ((o0 + i + kh) % ringRows) * Wp * Cin, dst = i * Wp * stride + kh * Cin;
                    for (int q = 0; q < Wp; q++) {
                        System.arraycopy(ring, src + q * Cin, packed, dst + q * stride, Cin);
                    }
                }
            }
            float[] out = Scratch.floats(2, positions * cols);
            java.util.Arrays.fill(out, 0, positions * cols, 0f);
            Linear.accumulateProduct(packed, stride, 1, wt, out, 0, 0, positions, K, cols, 0, cols);
            for (int j = 0; j < n; j++) { // out position i·Wp + c is output (o0 + i, c)
                int yRow = (bi * Cout + co0 + j) * plane + o0 * W;
                float bias = b[co0 + j];
                for (int i = 0; i < rows; i++) {
                    for (int c = 0; c < W; c++) {
                        y[yRow + i * W + c] = bias + out[(i * Wp + c) * cols + j];
                    }
                }
            }
        }
    }

    /** Channels of a slice of n that {@link #forwardDirect} computes in wide groups of {@value #WIDE_CHANNELS}. */
    private static int wideChannels(int n) {
        return L >= 16 ? n / WIDE_CHANNELS * WIDE_CHANNELS : 0;
    }

    /**
     * w's tap ((c·KH + kh)·KW + kw) at each of {@link #forwardDirect}'s taps, which run (kh, c, kw):
     * consecutive taps then sweep the padded rows (rows, Cin, Wp) in address order, where (c, kh, kw)
     * jumped KH·Cin rows between kernel rows (128 channels at 256x256, one core: 124 -> 103 ms).
     */
    private static int[] tapOrder(int Cin, int KH, int KW) {
        int[] order = new int[Cin * KH * KW];
        for (int kh = 0, t = 0; kh < KH; kh++) {
            for (int c = 0; c < Cin; c++) {
                for (int kw = 0; kw < KW; kw++) {
                    order[t++] = (c * KH + kh) * KW + kw;
                }
            }
        }
        return order;
    }

    /**
     * The weights of channels co0 .. co0+n-1 in {@link #forwardDirect}'s order, in scratch: first the
     * wide groups, wp[(group·taps + t)·8 + k] = w[co0 + 8·group + k, t], then the rest in groups of
     * 4 from nw = {@link #wideChannels}(n): wp[nw·taps + (group·taps + t)·4 + k] = w[co0 + nw + 4·group
     * + k, t] (taps t in {@link #tapOrder}), zero past n.
     */
    static float[] packDirectWeights(float[] w, int co0, int n, int Cin, int KH, int KW) {
        int taps = Cin * KH * KW;
        int[] order = tapOrder(Cin, KH, KW);
        int nw = wideChannels(n), groups = (n - nw + DIRECT_CHANNELS - 1) / DIRECT_CHANNELS;
        float[] wp = Scratch.floats(5, nw * taps + groups * taps * DIRECT_CHANNELS);
        for (int j = 0; j < nw; j++) {
            int dst = j / WIDE_CHANNELS * taps * WIDE_CHANNELS + j % WIDE_CHANNELS;
            for (int t = 0; t < taps; t++) {
                wp[dst + t * WIDE_CHANNELS] = w[(co0 + j) * taps + order[t]];
            }
        }
        for (int gi = 0; gi < groups; gi++) {
            for (int k = 0; k < DIRECT_CHANNELS; k++) {
                int j = nw + gi * DIRECT_CHANNELS + k, dst = nw * taps + gi * taps * DIRECT_CHANNELS + k;
                for (int t = 0; t < taps; t++) {
                    wp[dst + t * DIRECT_CHANNELS] = j < n ? w[(co0 + j) * taps + order[t]] : 0f;
                }
            }
        }
        return wp;
    }

    /**
     * Channels co0 .. co0+n-1 of sample bi at positions [p0, p1) as a direct convolution,
     * vectorised along the positions: the rows of the sample those positions read are reflect-padded
     * once into scratch (rows, Cin, Wp), and each tile of {@value #WIDE_CHANNELS} channels x
     * {@value #WIDE_VECTORS} vectors of positions ({@link #wideTile}; {@value #DIRECT_CHANNELS} x
     * {@value #DIRECT_VECTORS} for the channels left over) accumulates every tap in registers (per
     * tap: one broadcast weight per channel, one load of padded input per vector). The wide groups go
     * in blocks of {@link #WEIGHT_BLOCK_FLOATS} packed weights, each through every tile. No patch
     * matrix, no transposition: the path for planes whose width is whole vectors. Needs W % L == 0
     * and p0, p1 on vector bounds; wp holds the channels' weights as {@link #packDirectWeights} lays
     * them out.
     */
    static void forwardDirect(float[] x, float[] wp, float[] b, float[] y, int bi, int co0, int n, int Cin, int Cout,
                              Geometry g, int p0, int p1) {
        int H = g.H(), W = g.W(), KH = g.KH(), KW = g.KW(), Wp = g.Wp(), plane = H * W;
        int taps = Cin * KH * KW;
        float[] xp = x; // a 1x1 kernel reads x in place: planes (Cin, H, W)
        int base = bi * Cin * plane, rowStride = Wp, channelStride = g.Hp() * Wp;
        if (KH * KW > 1) {
            // padded rows interleaved by channel, (rows, Cin, Wp): the rows a tile's taps read lie in
            // one block of KH·Cin rows, not in Cin planes 266 KB apart (128 channels at 256x256),
            // which cost a TLB miss a tap. Only the rows the positions read: padded rows a0 .. a1-1.
            int a0 = p0 / W, a1 = (p1 - 1) / W + KH;
            rowStride = Cin * Wp;
            channelStride = Wp;
            base = -a0 * rowStride;
            xp = Scratch.floats(3, (a1 - a0) * rowStride);
            Grid grid = Grid.reflectPadded(g, Cin);
            for (int c = 0; c < Cin; c++) {
                for (int a = a0; a < a1; a++) {
                    grid.copyGridRow(x, (bi * Cin + c) * plane, a - g.ph(), -g.pw(), xp, (a - a0) * rowStride + c * Wp, Wp);
                }
            }
        }
        int[] tapOffsets = tapOrder(Cin, KH, KW); // each tap's w index, then its offset in xp
        for (int t = 0; t < taps; t++) {
            int o = tapOffsets[t], c = o / (KH * KW), kh = o / KW % KH, kw = o % KW;
            tapOffsets[t] = base + c * channelStride + kh * rowStride + kw;
        }
        int vFirst = p0 / L, vEnd = p1 / L, nw = wideChannels(n), wideGroups = nw / WIDE_CHANNELS;
        int blockGroups = Math.max(1, WEIGHT_BLOCK_FLOATS / (taps * WIDE_CHANNELS));
        for (int g0 = 0; g0 < wideGroups; g0 += blockGroups) {
            int g1 = Math.min(wideGroups, g0 + blockGroups);
            for (int v0 = vFirst; v0 < vEnd; v0 += WIDE_VECTORS) {
                // the tile's three vectors; past the range's end the last one is computed again
                int q0 = v0 * L, q1 = Math.min(v0 + 1, vEnd - 1) * L, q2 = Math.min(v0 + 2, vEnd - 1) * L;
                for (int gi = g0; gi < g1; gi++) {
                    int yPlane = (bi * Cout + co0 + gi * WIDE_CHANNELS) * plane;
                    wideTile(xp, inputAt(q0, W, rowStride), inputAt(q1, W, rowStride), inputAt(q2, W, rowStride),
                            tapOffsets, wp, gi * taps * WIDE_CHANNELS, b, co0 + gi * WIDE_CHANNELS, y, yPlane, plane, q0,
                            q1, q2);
                }
            }
        }
        int groups = (n - nw + DIRECT_CHANNELS - 1) / DIRECT_CHANNELS;
        for (int v0 = vFirst; groups > 0 && v0 < vEnd; v0 += DIRECT_VECTORS) {
            // the tile's four vectors; past the range's end the last one is computed again
            int q0 = v0 * L, q1 = Math.min(v0 + 1, vEnd - 1) * L, q2 = Math.min(v0 + 2, vEnd - 1) * L,
                    q3 = Math.min(v0 + 3, vEnd - 1) * L;
            for (int gi = 0; gi < groups; gi++) {
                int c0 = nw + gi * DIRECT_CHANNELS, k1 = Math.min(DIRECT_CHANNELS, n - c0);
                int yPlane = (bi * Cout + co0 + c0) * plane;
                directTile(xp, inputAt(q0, W, rowStride), inputAt(q1, W, rowStride), inputAt(q2, W, rowStride),
                        inputAt(q3, W, rowStride), tapOffsets, wp, nw * taps + gi * taps * DIRECT_CHANNELS, b, co0 + c0,
                        k1, y, yPlane, plane, q0, q1, q2, q3);
            }
        }
    }

    /** Where output position q (row q / W, column q % W) reads its first tap: rows rowStride apart. */
    private static int inputAt(int q, int W, int rowStride) {
        return q / W * rowStride + q % W;
    }

    /**
     * One wide tile of {@link #forwardDirect}: {@value #WIDE_CHANNELS} channels (planes yPlane +
     * k·plane) at positions q0..q2 (+L each), as {@link #directTile} for four channels.
     */
    static void wideTile(float[] xp, int p0, int p1, int p2, int[] tapOffsets, float[] wp, int w0, float[] b,
                                 int bias0, float[] y, int yPlane, int plane, int q0, int q1, int q2) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a10 = a00, a11 = a00, a12 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a30 = a00, a31 = a00, a32 = a00;
        FloatVector a40 = a00, a41 = a00, a42 = a00, a50 = a00, a51 = a00, a52 = a00;
        FloatVector a60 = a00, a61 = a00, a62 = a00, a70 = a00, a71 = a00, a72 = a00;
        for (int i = 0, t = w0; i < tapOffsets.length; i++, t += WIDE_CHANNELS) {
            int r = tapOffsets[i];
            FloatVector x0 = FloatVector.fromArray(S, xp, p0 + r), x1 = FloatVector.fromArray(S, xp, p1 + r);
            FloatVector x2 = FloatVector.fromArray(S, xp, p2 + r);
            FloatVector w = FloatVector.broadcast(S, wp[t]);
            a00 = x0.fma(w, a00); a01 = x1.fma(w, a01); a02 = x2.fma(w, a02);
            w = FloatVector.broadcast(S, wp[t + 1]);
            a10 = x0.fma(w, a10); a11 = x1.fma(w, a11); a12 = x2.fma(w, a12);
            w = FloatVector.broadcast(S, wp[t + 2]);
            a20 = x0.fma(w, a20); a21 = x1.fma(w, a21); a22 = x2.fma(w, a22);
            w = FloatVector.broadcast(S, wp[t + 3]);
            a30 = x0.fma(w, a30); a31 = x1.fma(w, a31); a32 = x2.fma(w, a32);
            w = FloatVector.broadcast(S, wp[t + 4]);
            a40 = x0.fma(w, a40); a41 = x1.fma(w, a41); a42 = x2.fma(w, a42);
            w = FloatVector.broadcast(S, wp[t + 5]);
            a50 = x0.fma(w, a50); a51 = x1.fma(w, a51); a52 = x2.fma(w, a52);
            w = FloatVector.broadcast(S, wp[t + 6]);
            a60 = x0.fma(w, a60); a61 = x1.fma(w, a61); a62 = x2.fma(w, a62);
            w = FloatVector.broadcast(S, wp[t + 7]);
            a70 = x0.fma(w, a70); a71 = x1.fma(w, a71); a72 = x2.fma(w, a72);
        }
        // stored here, as in directTile (a helper taking vectors as arguments ran 5x slower)
        FloatVector bias = FloatVector.broadcast(S, b[bias0]);
        a00.add(bias).intoArray(y, yPlane + q0); a01.add(bias).intoArray(y, yPlane + q1); a02.add(bias).intoArray(y, yPlane + q2);
        int o = yPlane + plane;
        bias = FloatVector.broadcast(S, b[bias0 + 1]);
        a10.add(bias).intoArray(y, o + q0); a11.add(bias).intoArray(y, o + q1); a12.add(bias).intoArray(y, o + q2);
        o += plane;
        bias = FloatVector.broadcast(S, b[bias0 + 2]);
        a20.add(bias).intoArray(y, o + q0); a21.add(bias).intoArray(y, o + q1); a22.add(bias).intoArray(y, o + q2);
        o += plane;
        bias = FloatVector.broadcast(S, b[bias0 + 3]);
        a30.add(bias).intoArray(y, o + q0); a31.add(bias).intoArray(y, o + q1); a32.add(bias).intoArray(y, o + q2);
        o += plane;
        bias = FloatVector.broadcast(S, b[bias0 + 4]);
        a40.add(bias).intoArray(y, o + q0); a41.add(bias).intoArray(y, o + q1); a42.add(bias).intoArray(y, o + q2);
        o += plane;
        bias = FloatVector.broadcast(S, b[bias0 + 5]);
        a50.add(bias).intoArray(y, o + q0); a51.add(bias).intoArray(y, o + q1); a52.add(bias).intoArray(y, o + q2);
        o += plane;
        bias = FloatVector.broadcast(S, b[bias0 + 6]);
        a60.add(bias).intoArray(y, o + q0); a61.add(bias).intoArray(y, o + q1); a62.add(bias).intoArray(y, o + q2);
        o += plane;
        bias = FloatVector.broadcast(S, b[bias0 + 7]);
        a70.add(bias).intoArray(y, o + q0); a71.add(bias).intoArray(y, o + q1); a72.add(bias).intoArray(y, o + q2);
    }

    /**
     * One tile of {@link #forwardDirect}: channels k < k1 at positions q0..q3 (+L each) of their
     * planes (yPlane + k·plane) = bias + Σ_taps weight · padded input, the input of position q read
     * from xp at its padded offset p (row·Wp + col) plus the tap's offset (c·padded + kh·Wp + kw).
     * One flat loop over the taps: nested loops over (c, kh, kw) ran at half the speed.
     */
    private static void directTile(float[] xp, int p0, int p1, int p2, int p3, int[] tapOffsets, float[] wp, int w0,
                                   float[] b, int bias0, int k1, float[] y, int yPlane, int plane, int q0, int q1,
                                   int q2, int q3) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        for (int i = 0, t = w0; i < tapOffsets.length; i++, t += DIRECT_CHANNELS) {
            int r = tapOffsets[i];
            FloatVector x0 = FloatVector.fromArray(S, xp, p0 + r), x1 = FloatVector.fromArray(S, xp, p1 + r);
            FloatVector x2 = FloatVector.fromArray(S, xp, p2 + r), x3 = FloatVector.fromArray(S, xp, p3 + r);
            FloatVector w = FloatVector.broadcast(S, wp[t]);
            a00 = x0.fma(w, a00); a01 = x1.fma(w, a01); a02 = x2.fma(w, a02); a03 = x3.fma(w, a03);
            w = FloatVector.broadcast(S, wp[t + 1]);
            a10 = x0.fma(w, a10); a11 = x1.fma(w, a11); a12 = x2.fma(w, a12); a13 = x3.fma(w, a13);
            w = FloatVector.broadcast(S, wp[t + 2]);
            a20 = x0.fma(w, a20); a21 = x1.fma(w, a21); a22 = x2.fma(w, a22); a23 = x3.fma(w, a23);
            w = FloatVector.broadcast(S, wp[t + 3]);
            a30 = x0.fma(w, a30); a31 = x1.fma(w, a31); a32 = x2.fma(w, a32); a33 = x3.fma(w, a33);
        }
        // stored here, not by a helper taking vectors as arguments (that ran the whole tile 5x slower)
        FloatVector bias = FloatVector.broadcast(S, b[bias0]);
        a00.add(bias).intoArray(y, yPlane + q0);
        a01.add(bias).intoArray(y, yPlane + q1);
        a02.add(bias).intoArray(y, yPlane + q2);
        a03.add(bias).intoArray(y, yPlane + q3);
        if (k1 > 1) {
            bias = FloatVector.broadcast(S, b[bias0 + 1]);
            a10.add(bias).intoArray(y, yPlane + plane + q0);
            a11.add(bias).intoArray(y, yPlane + plane + q1);
            a12.add(bias).intoArray(y, yPlane + plane + q2);
            a13.add(bias).intoArray(y, yPlane + plane + q3);
        }
        if (k1 > 2) {
            bias = FloatVector.broadcast(S, b[bias0 + 2]);
            a20.add(bias).intoArray(y, yPlane + 2 * plane + q0);
            a21.add(bias).intoArray(y, yPlane + 2 * plane + q1);
            a22.add(bias).intoArray(y, yPlane + 2 * plane + q2);
            a23.add(bias).intoArray(y, yPlane + 2 * plane + q3);
        }
        if (k1 > 3) {
            bias = FloatVector.broadcast(S, b[bias0 + 3]);
            a30.add(bias).intoArray(y, yPlane + 3 * plane + q0);
            a31.add(bias).intoArray(y, yPlane + 3 * plane + q1);
            a32.add(bias).intoArray(y, yPlane + 3 * plane + q2);
            a33.add(bias).intoArray(y, yPlane + 3 * plane + q3);
        }
    }

    /** dst[dOff + q·Cin + c] = reflect-padded x[c, a - ph, q - pw] for q < Wp: padded row a, channels-last. */
    private static void transposePaddedRow(float[] x, int off, int a, int Cin, Geometry g, float[] dst, int dOff) {
        int W = g.W(), plane = g.H() * W, Wp = g.Wp(), pw = g.pw();
        int row = off + Scratch.reflect(a - g.ph(), g.H()) * W;
        int c0 = 0;
        for (; c0 + 8 <= Cin; c0 += 8) { // eight source rows at a time: eight reads feed eight adjacent writes
            int r0 = row + c0 * plane, r1 = r0 + plane, r2 = r1 + plane, r3 = r2 + plane, r4 = r3 + plane,
                    r5 = r4 + plane, r6 = r5 + plane, r7 = r6 + plane;
            for (int q = 0; q < Wp; q++) {
                int col = q < pw || q >= pw + W ? Scratch.reflect(q - pw, W) : q - pw, to = dOff + q * Cin + c0;
                dst[to] = x[r0 + col];
                dst[to + 1] = x[r1 + col];
                dst[to + 2] = x[r2 + col];
                dst[to + 3] = x[r3 + col];
                dst[to + 4] = x[r4 + col];
                dst[to + 5] = x[r5 + col];
                dst[to + 6] = x[r6 + col];
                dst[to + 7] = x[r7 + col];
            }
        }
        for (; c0 < Cin; c0++) {
            for (int q = 0; q < Wp; q++) {
                dst[dOff + q * Cin + c0] = x[row + c0 * plane + Scratch.reflect(q - pw, W)];
            }
        }
    }

    /**
     * The transposed convolution: the gradient of the padded input planes (Hp, Wp) is a "valid"
     * correlation of dy zero-padded by (KH-1, KW-1) with the flipped, transposed kernel; it is
     * folded back through the reflection into dx.
     */
    /** The slice [from, to) of {@link #backwardInput} as GEMMs. */
    static void backwardInputFast(int from, int to, float[] dy, float[] w, float[] dx, int B, int Cin, int Cout,
                                     int H, int W, int KH, int KW) {
        Geometry g = new Geometry(H, W, KH, KW);
        Grid grid = Grid.zeroPadded(g, Cout);
        int plane = H * W, kk = KH * KW, K = grid.K(), Wp = g.Wp(), padded = g.Hp() * Wp;
        for (int item = from; item < to; ) {
            int bi = item / Cin, ci0 = item % Cin;
            int n = Math.min(to - item, Cin - ci0); // the slice's input channels of sample bi
            int rowsA = wholeRowGroups(n);
            // wFlip (rowsA, K): row j, column (co, kh, kw) = w[co, ci0 + j, KH-1-kh, KW-1-kw]; zero rows past n
            float[] wFlip = Scratch.floats(2, rowsA * K);
            java.util.Arrays.fill(wFlip, n * K, rowsA * K, 0f);
            for (int co = 0; co < Cout; co++) { // w read along its rows: the slice's block of w[co] is contiguous
                for (int j = 0; j < n; j++) {
                    int src = (co * Cin + ci0 + j) * kk, dst = j * K + co * kk;
                    for (int k = 0; k < kk; k++) {
                        wFlip[dst + k] = w[src + kk - 1 - k];
                    }
                }
            }
            for (int p0 = 0; p0 < padded; p0 += BLOCK_POSITIONS) {
                int P = Math.min(BLOCK_POSITIONS, padded - p0), ld = wholePanels(P);
                float[] patches = Scratch.floats(0, K * ld);
                grid.im2col(dy, bi * Cout * plane, p0, P, 0, Cout, patches, ld);
                float[] out = Scratch.floats(1, rowsA * ld);
                java.util.Arrays.fill(out, 0, rowsA * ld, 0f);
                Linear.accumulateProduct(wFlip, K, 1, patches, out, 0, 0, rowsA, K, ld, 0, ld);
                for (int j = 0; j < n; j++) { // out row j: padded positions p0.. of input channel ci0 + j
                    int dxPlane = (bi * Cin + ci0 + j) * plane;
                    for (int p = p0; p < p0 + P; ) { // one padded row's part at a time
                        int c0 = p % Wp, len = Math.min(Wp - c0, p0 + P - p);
                        int dxRow = dxPlane + Scratch.reflect(p / Wp - g.ph(), H) * W, at = j * ld + p - p0;
                        for (int c = 0; c < len; c++) {
                            dx[dxRow + Scratch.reflect(c0 + c - g.pw(), W)] += out[at + c];
                        }
                        p += len;
                    }
                }
            }
            item += n;
        }
    }

    /**
     * dwᵀ (K, co) += patches (K, positions) · dyᵀ (positions, co) per block of rows, dy transposed
     * into scratch for the slice's output channels. Only the slice's (co, ci) pairs are added to dw.
     */
    /** The slice [from, to) of {@link #backwardWeight} as GEMMs. */
    static void backwardWeightFast(int from, int to, float[] dy, float[] x, float[] dw, float[] db, int B, int Cin,
                                      int Cout, int H, int W, int KH, int KW) {
        Geometry g = new Geometry(H, W, KH, KW);
        Grid grid = Grid.reflectPadded(g, Cin);
        int kk = KH * KW, plane = H * W, K = grid.K();
        int coFirst = from / Cin, coLast = (to - 1) / Cin, n = coLast - coFirst + 1;
        int ciLo = n == 1 ? from % Cin : 0, ciHi = n == 1 ? (to - 1) % Cin + 1 : Cin; // channels the slice needs
        int cols = wholePanels(n);
        float[] dwT = Scratch.floats(3, K * cols); // rows ciLo·kk .. ciHi·kk - 1 used
        java.util.Arrays.fill(dwT, ciLo * kk * cols, ciHi * kk * cols, 0f);
        for (int bi = 0; bi < B; bi++) {
            for (int p0 = 0; p0 < plane; p0 += BLOCK_POSITIONS) {
                int P = Math.min(BLOCK_POSITIONS, plane - p0);
                int ld = P + 2 * L; // patch rows apart by a non-power of two: six streams, no L1 set conflicts
                float[] patches = Scratch.floats(0, K * ld);
                grid.im2col(x, bi * Cin * plane, p0, P, ciLo, ciHi, patches, ld);
                float[] dyT = Scratch.floats(2, P * cols);
                java.util.Arrays.fill(dyT, 0, P * cols, 0f);
                for (int j = 0; j < n; j++) {
                    int dyAt = (bi * Cout + coFirst + j) * plane + p0;
                    for (int p = 0; p < P; p++) {
                        dyT[p * cols + j] = dy[dyAt + p];
                    }
                }
                Linear.accumulateProduct(patches, ld, 1, dyT, dwT, 0, ciLo * kk, ciHi * kk, P, cols, 0, cols);
            }
        }
        for (int item = from; item < to; item++) {
            int co = item / Cin, ci = item % Cin;
            for (int k = 0; k < kk; k++) {
                dw[item * kk + k] += dwT[(ci * kk + k) * cols + co - coFirst];
            }
            if (ci == 0) {
                float s = 0f;
                for (int bi = 0; bi < B; bi++) {
                    s += VectorSums.sum(dy, (bi * Cout + co) * plane, plane);
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

    /** n rows rounded up to whole row groups of Linear's micro-kernel (6 rows; a remainder row runs ~3x slower). */
    private static int wholeRowGroups(int n) {
        return (n + 5) / 6 * 6;
    }

    /** Sizes of one plane before and after reflect padding. */
    record Geometry(int H, int W, int KH, int KW, int ph, int pw, int Hp, int Wp) {
        Geometry(int H, int W, int KH, int KW) {
            this(H, W, KH, KW, KH / 2, KW / 2, H + 2 * (KH / 2), W + 2 * (KW / 2));
            if (ph >= H || pw >= W) {
                throw new IllegalArgumentException("reflect padding (" + ph + ", " + pw + ") needs a plane larger than "
                        + H + "x" + W);
            }
        }
    }

    /**
     * A source of {@code channels} planes (H, W) seen padded by (padRows, padCols), by reflection or
     * zeros: a grid (channels, Hg, Wg) whose "valid" KHxKW correlation has (Hg-KH+1, Wg-KW+1) outputs.
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

        int outCols() {
            return Wg - KW + 1;
        }

        /**
         * The patch matrix of output positions p0 .. p0+P-1 (p = row·outCols + col) for channels
         * [cLo, cHi): dst[(c·KH·KW + kh·KW + kw)·ld + p - p0] = grid[c, row + kh, col + kw]; the
         * columns past P (up to ld) are zeroed. Each patch row is shifted copies of source rows.
         */
        void im2col(float[] src, int off, int p0, int P, int cLo, int cHi, float[] dst, int ld) {
            int Wo = outCols();
            for (int c = cLo; c < cHi; c++) {
                int srcPlane = off + c * H * W;
                for (int kh = 0; kh < KH; kh++) {
                    for (int kw = 0; kw < KW; kw++) {
                        int dRow = ((c * KH + kh) * KW + kw) * ld;
                        for (int p = p0; p < p0 + P; ) { // one output row's part at a time
                            int row = p / Wo, col = p % Wo, n = Math.min(Wo - col, p0 + P - p);
                            copyGridRow(src, srcPlane, row + kh - padRows, col + kw - padCols, dst, dRow + p - p0, n);
                            p += n;
                        }
                        java.util.Arrays.fill(dst, dRow + P, dRow + ld, 0f);
                    }
                }
            }
        }

        /** dst[at .. at+n) = source row r (unpadded index) at columns c0 .. c0+n-1, padded by reflection or zeros. */
        void copyGridRow(float[] src, int plane, int r, int c0, float[] dst, int at, int n) {
            if (!reflect && (r < 0 || r >= H)) {
                java.util.Arrays.fill(dst, at, at + n, 0f);
                return;
            }
            int row = plane + (reflect ? Scratch.reflect(r, H) : r) * W;
            int lo = Math.max(0, -c0), hi = Math.min(n, W - c0); // [lo, hi): columns inside the plane
            for (int q = 0; q < lo; q++) {
                dst[at + q] = reflect ? src[row + Scratch.reflect(c0 + q, W)] : 0f;
            }
            System.arraycopy(src, row + c0 + lo, dst, at + lo, Math.max(0, hi - lo));
            for (int q = Math.max(hi, lo); q < n; q++) {
                dst[at + q] = reflect ? src[row + Scratch.reflect(c0 + q, W)] : 0f;
            }
        }
    }
}
