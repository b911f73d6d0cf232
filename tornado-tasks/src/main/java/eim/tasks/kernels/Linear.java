package eim.tasks.kernels;

import eim.tasks.Kernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Fully connected layer, PyTorch's {@code nn.Linear}: {@code y = x Wᵀ + b}.
 * Shapes: x (M, K), W (N, K), b (N), y (M, N). Backward kernels accumulate ({@code +=}), but for
 * {@link #BACKWARD_WEIGHT_SET}, a parameter's first gradient of a backward pass, which overwrites.
 *
 * <p>The portable bodies ({@link #forward}, {@link #backwardInput}, {@link #backwardWeight}) compute
 * one output element per work item with the reduction loop inside. The java backend's fast paths
 * are register- and cache-blocked with the Vector API. All three are one product
 * {@code out += A·B} with B and out row-major ({@link #accumulateProduct}): a micro-kernel keeps
 * 6 rows x 2 vectors of out in twelve accumulators and feeds them broadcasts of A against a
 * 2-vector panel of B. Backward input is dx += dy·W, backward weight dW += dyᵀ·x (over up to 512
 * rows of the batch in one sweep per output row, {@link #accumulateProductStreaming}), and forward is
 * computed transposed, yᵀ = W·xᵀ, with the body's slice of x transposed into scratch.
 *
 * <p>B panels (and a strided A) are copied into per-call scratch first: rows of a matrix 4 KiB
 * apart map to the same L1 cache sets, and a micro-kernel streaming many of them thrashes L1.
 * No state outlives a call. Measured on 1024³ (one Zen 3 core): about 0.6 of the FMA peak for
 * each kernel, against about 0.45 for a 6x2 dot-product (vectors along K) forward.
 */
public final class Linear {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();

    /** Output rows computed together by the micro-kernels (register blocking: 12 accumulators). */
    private static final int ROW_BLOCK = 6;
    /**
     * Output rows that share one packed panel of B: each panel is packed once per pass, so a pass
     * should be long (96 rows cost 15-20% of a 1024³ product in packing; 384 rows of A over a
     * 256-long block, 384 KiB, still fit Zen 4's 1 MiB L2).
     */
    private static final int ROWS_PER_PASS = 64 * ROW_BLOCK;
    /**
     * Forward: rows of x transposed into scratch at a time. 128 rather than 256 halves the yᵀ a pass
     * sweeps (N x 128 floats); measured on 2 cores, the S flow head's 512x2880x960 ran at ~150
     * GFLOP/s instead of ~120 (no change at 128 rows per core or fewer, mixed at 1024³).
     */
    private static final int ROWS_PER_FORWARD_PASS = 128;
    /**
     * Weight gradients reduce over the batch's rows: up to this many, in one sweep per output row
     * ({@link #accumulateProductStreaming}), with B packed this many floats (512 KiB) at a time.
     */
    private static final int STREAM_MAX_T = 512, STREAM_B_FLOATS = 128 * 1024;
    /** Backward: reduced-dimension block; a packed 2-vector panel of B over it (16 KiB) stays in L1. */
    private static final int BACKWARD_T_BLOCK = 256;

    /**
     * Cost of one output element for the java backend's decision to share a launch: a dot product
     * (64 elementwise items: a launch of 64 outputs or more is shared across cores).
     */
    private static final int DOT_PRODUCT = 64;

    /**
     * When the java backend splits a backward input by columns of dx: with few rows, and whenever
     * each core gets at least a panel of columns. A core then packs only its part of W, once for
     * all rows; split by rows, each core packs all of W for half the rows (2 cores, 128 rows:
     * +2-12%). The forward stays split by rows above a decoding step's few: there each core would
     * transpose all of x, and measured 10-30% slower.
     */
    private static final Kernel.ColumnSplit BY_COLUMNS =
            (rows, columns, cores, args) -> Kernel.ColumnSplit.FEW_ROWS.byColumns(rows, columns, cores, args) || columns >= 4 * LANES;

    /**
     * When the forward is split by columns: with few rows, and where each core computing every row
     * for its columns pads fewer rows than each computing its share of the rows for every column.
     * The transposed forward pads each pass of rows to whole two-vector panels: a sampling step's
     * 25 flow steps of modulations, 200 rows on 2 cores, pad 100 -> 128 per core split by rows
     * (28%) and 200 -> 224 split by columns (12%); sampling small, 3 alternating pairs: -2 to -11%.
     */
    private static final Kernel.ColumnSplit FORWARD_SPLIT = (rows, columns, cores, args) ->
            Kernel.ColumnSplit.FEW_ROWS.byColumns(rows, columns, cores, args)
                    || (rows > LANES * cores && columns >= 4 * LANES * cores && (long) paddedRows(rows) < (long) cores * paddedRows((rows + cores - 1) / cores));

    /** Rows the transposed forward computes for {@code rows}: passes of {@link #ROWS_PER_FORWARD_PASS}, each padded to panels. */
    static int paddedRows(int rows) {
        int panel = 2 * LANES, whole = rows / ROWS_PER_FORWARD_PASS * ROWS_PER_FORWARD_PASS;
        return whole + (rows - whole + panel - 1) / panel * panel;
    }

    /** range {M, N}: y = x Wᵀ + b. Args: x, W, b, y, M, N, K. */
    public static final Kernel FORWARD = Kernel.of("linear_forward", Linear::forward)
            .withFast((from, to, a) -> forwardFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5), a.i(6)))
            .withFastColumns((from, to, a) -> forwardColumns(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5),
                    a.i(6)), FORWARD_SPLIT)
            .withItemCost(DOT_PRODUCT);

    /** range {M, K}: dx += dy W. Args: dy, W, dx, M, N, K. */
    public static final Kernel BACKWARD_INPUT = Kernel.of("linear_backward_input", Linear::backwardInput)
            .withFast((from, to, a) -> backwardInputFast(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5), false))
            .withFastColumns((from, to, a) -> backwardInputColumns(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4),
                    a.i(5), false), BY_COLUMNS)
            .withItemCost(DOT_PRODUCT);

    /**
     * range {M, K}: dx = dy W, overwriting: the first contribution to an activation's gradient in a
     * backward pass, which then needs no zeroing pass first. Args as {@link #BACKWARD_INPUT}.
     */
    public static final Kernel BACKWARD_INPUT_SET = Kernel.of("linear_backward_input_set", Linear::backwardInputSet)
            .withFast((from, to, a) -> backwardInputFast(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5), true))
            .withFastColumns((from, to, a) -> backwardInputColumns(from, to, a.f(0), a.f(1), a.f(2), a.i(3), a.i(4),
                    a.i(5), true), BY_COLUMNS)
            .withItemCost(DOT_PRODUCT);

    /** range {N, K}: dW += dyᵀ x; db += Σ_m dy. Args: dy, x, dW, db, M, N, K. */
    public static final Kernel BACKWARD_WEIGHT = Kernel.of("linear_backward_weight", Linear::backwardWeight)
            .withFast((from, to, a) -> backwardWeightFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5), a.i(6),
                    false))
            .withItemCost(DOT_PRODUCT);

    /**
     * range {N, K}: dW = dyᵀ x; db = Σ_m dy, overwriting: the first contribution to a parameter's
     * gradient in a backward pass, which then needs no zeroing pass first (a pass over every
     * gradient, 1% of S's training step). Args as {@link #BACKWARD_WEIGHT}.
     */
    public static final Kernel BACKWARD_WEIGHT_SET = Kernel.of("linear_backward_weight_set", Linear::backwardWeightSet)
            .withFast((from, to, a) -> backwardWeightFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.i(4), a.i(5), a.i(6),
                    true))
            .withItemCost(DOT_PRODUCT);

    private Linear() {}

    // ---------------------------------------------------------------------------- portable bodies

    /** range {M, N}: y[m, n] = b[n] + Σ_k x[m, k]·W[n, k]. */
    public static void forward(int from, int to, float[] x, float[] w, float[] b, float[] y, int M, int N, int K) {
        for (@Parallel int i = 0; i < to - from; i++) {
            for (@Parallel int n = 0; n < N; n++) {
                int m = from + i;
                int xo = m * K;
                int wo = n * K;
                float s = 0f;
                for (int k = 0; k < K; k++) {
                    s += x[xo + k] * w[wo + k];
                }
                y[m * N + n] = b[n] + s;
            }
        }
    }

    /** range {M, K}: dx[m, k] += Σ_n dy[m, n]·W[n, k]. */
    public static void backwardInput(int from, int to, float[] dy, float[] w, float[] dx, int M, int N, int K) {
        for (@Parallel int i = 0; i < to - from; i++) {
            for (@Parallel int k = 0; k < K; k++) {
                int m = from + i;
                dx[m * K + k] += inputGradient(dy, w, m, k, N, K);
            }
        }
    }

    /** range {M, K}: dx[m, k] = Σ_n dy[m, n]·W[n, k]. */
    public static void backwardInputSet(int from, int to, float[] dy, float[] w, float[] dx, int M, int N, int K) {
        for (@Parallel int i = 0; i < to - from; i++) {
            for (@Parallel int k = 0; k < K; k++) {
                int m = from + i;
                dx[m * K + k] = inputGradient(dy, w, m, k, N, K);
            }
        }
    }

    /** range {N, K}: dW[n, k] += Σ_m dy[m, n]·x[m, k]; the k = 0 item also does db[n] += Σ_m dy[m, n]. */
    public static void backwardWeight(int from, int to, float[] dy, float[] x, float[] dw, float[] db,
                                      int M, int N, int K) {
        for (@Parallel int i = 0; i < to - from; i++) {
            for (@Parallel int k = 0; k < K; k++) {
                int n = from + i;
                dw[n * K + k] += weightGradient(dy, x, n, k, M, N, K);
                if (k == 0) {
                    db[n] += biasGradient(dy, n, M, N);
                }
            }
        }
    }

    /** range {N, K}: dW[n, k] = Σ_m dy[m, n]·x[m, k]; the k = 0 item also does db[n] = Σ_m dy[m, n]. */
    public static void backwardWeightSet(int from, int to, float[] dy, float[] x, float[] dw, float[] db,
                                         int M, int N, int K) {
        for (@Parallel int i = 0; i < to - from; i++) {
            for (@Parallel int k = 0; k < K; k++) {
                int n = from + i;
                dw[n * K + k] = weightGradient(dy, x, n, k, M, N, K);
                if (k == 0) {
                    db[n] = biasGradient(dy, n, M, N);
                }
            }
        }
    }

    // The portable bodies' sums, shared by the accumulating and the overwriting kernels (TornadoVM
    // compiles static helpers; a boolean or int flag would have to be a kernel parameter instead).

    /** Σ_n dy[m, n]·W[n, k]. */
    private static float inputGradient(float[] dy, float[] w, int m, int k, int N, int K) {
        int go = m * N;
        float s = 0f;
        for (int n = 0; n < N; n++) {
            s += dy[go + n] * w[n * K + k];
        }
        return s;
    }

    /** Σ_m dy[m, n]·x[m, k]. */
    private static float weightGradient(float[] dy, float[] x, int n, int k, int M, int N, int K) {
        float s = 0f;
        for (int m = 0; m < M; m++) {
            s += dy[m * N + n] * x[m * K + k];
        }
        return s;
    }

    /** Σ_m dy[m, n]. */
    private static float biasGradient(float[] dy, int n, int M, int N) {
        float s = 0f;
        for (int m = 0; m < M; m++) {
            s += dy[m * N + n];
        }
        return s;
    }

    // ---------------------------------------------------------------------------------- forward

    /** Rows [from, to) of y (M, N) = x (M, K) Wᵀ + b. */
    static void forwardFast(int from, int to, float[] x, float[] w, float[] b, float[] y, int M, int N, int K) {
        forwardRows(x, w, b, y, from, to, 0, N, N, K);
    }

    /** Columns [from, to) of y (M, N) for every row. */
    static void forwardColumns(int from, int to, float[] x, float[] w, float[] b, float[] y, int M, int N, int K) {
        forwardRows(x, w, b, y, 0, M, from, to, N, K);
    }

    /**
     * Rows [r0, r1) x columns [c0, c1) of y = x Wᵀ + b, by the number of rows: up to half a vector,
     * dot products along K ({@link #forwardBlock}); up to one vector, xᵀ in one vector per k
     * ({@link #forwardNarrow}); more, the blocked GEMM ({@link #forwardTransposed}, whose panels are
     * two vectors wide). Measured at 8 rows on AVX2 (8 lanes), single core, GFLOP/s, for
     * 8x768x256 / 8x1536x512: block 22 / 23, narrow 25 / 24, transposed 17 / 16 (half of its panel
     * padding); sampling tiny 4x16 tokens: 430 ms with block, 371 with narrow, 445-515 transposed.
     */
    static void forwardRows(float[] x, float[] w, float[] b, float[] y, int r0, int r1, int c0, int c1, int N, int K) {
        int rows = r1 - r0;
        if (rows <= LANES / 2) {
            forwardBlock(x, w, b, y, r0, r1, c0, c1, N, K);
        } else if (rows <= LANES) {
            forwardNarrow(x, w, b, y, r0, r1, c0, c1, N, K);
        } else {
            forwardTransposed(x, w, b, y, r0, r1, c0, c1, N, K);
        }
    }

    /**
     * Rows [r0, r1), at most one vector of them, x columns [c0, c1): xᵀ (K, one vector, zero-padded)
     * in scratch, then yᵀ = W·xᵀ twelve W rows at a time, each a broadcast of W against xᵀ's vector
     * into one accumulator (one FMA per W element, against two for the two-vector panels of
     * {@link #forwardTransposed}, which pad these rows to two vectors).
     */
    static void forwardNarrow(float[] x, float[] w, float[] b, float[] y, int r0, int r1, int c0, int c1, int N, int K) {
        int rows = r1 - r0;
        float[] xt = transposeRows(x, r0, rows, K, LANES);
        float[] lanes = new float[4 * LANES];
        int n = c0;
        for (; n + 12 <= c1; n += 12) {
            int w0 = n * K, w1 = w0 + K, w2 = w1 + K, w3 = w2 + K, w4 = w3 + K, w5 = w4 + K,
                w6 = w5 + K, w7 = w6 + K, w8 = w7 + K, w9 = w8 + K, w10 = w9 + K, w11 = w10 + K;
            FloatVector a0 = FloatVector.zero(S), a1 = FloatVector.zero(S), a2 = FloatVector.zero(S), a3 = FloatVector.zero(S),
                a4 = FloatVector.zero(S), a5 = FloatVector.zero(S), a6 = FloatVector.zero(S), a7 = FloatVector.zero(S),
                a8 = FloatVector.zero(S), a9 = FloatVector.zero(S), a10 = FloatVector.zero(S), a11 = FloatVector.zero(S);
            for (int t = 0; t < K; t++) {
                FloatVector xv = FloatVector.fromArray(S, xt, t * LANES);
                a0 = FloatVector.broadcast(S, w[w0 + t]).fma(xv, a0);
                a1 = FloatVector.broadcast(S, w[w1 + t]).fma(xv, a1);
                a2 = FloatVector.broadcast(S, w[w2 + t]).fma(xv, a2);
                a3 = FloatVector.broadcast(S, w[w3 + t]).fma(xv, a3);
                a4 = FloatVector.broadcast(S, w[w4 + t]).fma(xv, a4);
                a5 = FloatVector.broadcast(S, w[w5 + t]).fma(xv, a5);
                a6 = FloatVector.broadcast(S, w[w6 + t]).fma(xv, a6);
                a7 = FloatVector.broadcast(S, w[w7 + t]).fma(xv, a7);
                a8 = FloatVector.broadcast(S, w[w8 + t]).fma(xv, a8);
                a9 = FloatVector.broadcast(S, w[w9 + t]).fma(xv, a9);
                a10 = FloatVector.broadcast(S, w[w10 + t]).fma(xv, a10);
                a11 = FloatVector.broadcast(S, w[w11 + t]).fma(xv, a11);
            }
            a0.intoArray(lanes, 0); a1.intoArray(lanes, LANES); a2.intoArray(lanes, 2 * LANES); a3.intoArray(lanes, 3 * LANES);
            storeNarrow(lanes, 4, y, b, r0, rows, n, N);
            a4.intoArray(lanes, 0); a5.intoArray(lanes, LANES); a6.intoArray(lanes, 2 * LANES); a7.intoArray(lanes, 3 * LANES);
            storeNarrow(lanes, 4, y, b, r0, rows, n + 4, N);
            a8.intoArray(lanes, 0); a9.intoArray(lanes, LANES); a10.intoArray(lanes, 2 * LANES); a11.intoArray(lanes, 3 * LANES);
            storeNarrow(lanes, 4, y, b, r0, rows, n + 8, N);
        }
        for (; n < c1; n++) {
            int w0 = n * K;
            FloatVector a0 = FloatVector.zero(S);
            for (int t = 0; t < K; t++) {
                a0 = FloatVector.broadcast(S, w[w0 + t]).fma(FloatVector.fromArray(S, xt, t * LANES), a0);
            }
            a0.intoArray(lanes, 0);
            storeNarrow(lanes, 1, y, b, r0, rows, n, N);
        }
    }

    /** y[r0 + r, n + j] = b[n + j] + lanes[j·LANES + r], j < cols, r < rows. */
    private static void storeNarrow(float[] ln, int cols, float[] y, float[] b, int r0, int rows, int n, int N) {
        for (int j = 0; j < cols; j++) {
            for (int r = 0; r < rows; r++) {
                y[(r0 + r) * N + n + j] = b[n + j] + ln[j * LANES + r];
            }
        }
    }

    /**
     * Rows [r0, r1) x columns [c0, c1) of y = x Wᵀ + b, computed transposed so that the vectors run
     * along the rows: yᵀ (c1 - c0, R) = W[c0, c1) (K) · xᵀ (K, R) with broadcasts of W, where xᵀ is
     * a pass of R rows of x transposed into scratch (R padded to whole vector panels, zeros in the
     * padding), and yᵀ is computed and copied out {@link #ROWS_PER_PASS} columns at a time.
     */
    static void forwardTransposed(float[] x, float[] w, float[] b, float[] y, int r0, int r1, int c0, int c1, int N, int K) {
        int panel = 2 * LANES;
        for (int p0 = r0; p0 < r1; p0 += ROWS_PER_FORWARD_PASS) {
            int rows = Math.min(r1, p0 + ROWS_PER_FORWARD_PASS) - p0;
            int padded = (rows + panel - 1) / panel * panel;
            float[] xT = transposeRows(x, p0, rows, K, padded);
            // yᵀ one GEMM pass of columns at a time, copied out while it is in cache: all of yᵀ at once
            // (1 MB at 2048 columns) left the cache before its copy (256x2048x512: 162 -> 176 GFLOP/s)
            for (int n0 = c0; n0 < c1; n0 += ROWS_PER_PASS) {
                int n1 = Math.min(c1, n0 + ROWS_PER_PASS);
                float[] yT = Scratch.floats(Scratch.GEMM_Y_T, (n1 - n0) * padded);
                java.util.Arrays.fill(yT, 0, (n1 - n0) * padded, 0f);
                accumulateProduct(w, K, 1, xT, yT, n0, n0, n1, K, padded, 0, padded);
                // y[p0 + r, n] = b[n] + yᵀ[n - n0, r]
                BlockTranspose.transpose(yT, 0, padded, y, p0 * N + n0, N, n1 - n0, rows, b, n0);
            }
        }
    }

    /**
     * xᵀ (K, padded) in this thread's GEMM_X_T scratch: xᵀ[k·padded + r] = x[(r0 + r)·K + k] for
     * r < rows, zeros in the padding columns r >= rows. Reused scratch, not a new array: a fresh
     * array is zeroed by the JVM and comes from memory the cache has not seen (the young generation
     * is walked end to end).
     */
    private static float[] transposeRows(float[] x, int r0, int rows, int K, int padded) {
        float[] xT = Scratch.floats(Scratch.GEMM_X_T, K * padded);
        if (rows < padded) {
            for (int k = 0; k < K; k++) {
                java.util.Arrays.fill(xT, k * padded + rows, (k + 1) * padded, 0f);
            }
        }
        BlockTranspose.transpose(x, r0 * K, K, xT, 0, padded, rows, K, null, 0);
        return xT;
    }

    /**
     * Rows [r0, r1) x columns [c0, c1) of y = x Wᵀ + b for few rows (a decoding step, a slice of a
     * small batch), where transposing x would mostly compute padding: two W rows at a time against
     * four x rows ({@link #dots2x4}), the K tail in scalars.
     */
    static void forwardBlock(float[] x, float[] w, float[] b, float[] y, int r0, int r1, int c0, int c1, int N, int K) {
        int upper = S.loopBound(K);
        float[] sums = new float[8];
        int n = c0;
        for (; n + 1 < c1; n += 2) {
            int w0 = n * K, w1 = w0 + K;
            for (int r = r0; r < r1; r += 4) {
                int rows = Math.min(4, r1 - r);
                int x0 = r * K, x1 = (r + Math.min(1, rows - 1)) * K, x2 = (r + Math.min(2, rows - 1)) * K,
                        x3 = (r + Math.min(3, rows - 1)) * K;
                dots2x4(x, x0, x1, x2, x3, w, w0, w1, upper, sums);
                for (int i = 0; i < rows; i++) {
                    int xo = (r + i) * K;
                    float s0 = sums[i], s1 = sums[4 + i];
                    for (int k = upper; k < K; k++) {
                        s0 += x[xo + k] * w[w0 + k];
                        s1 += x[xo + k] * w[w1 + k];
                    }
                    y[(r + i) * N + n] = b[n] + s0;
                    y[(r + i) * N + n + 1] = b[n + 1] + s1;
                }
            }
        }
        if (n < c1) { // an odd last column
            for (int r = r0; r < r1; r++) {
                y[r * N + n] = b[n] + dot(x, r * K, w, n * K, K);
            }
        }
    }

    /**
     * sums[i] = Σ_k x[xi + k]·w[w0 + k] and sums[4 + i] = Σ_k x[xi + k]·w[w1 + k] over k < upper (a
     * whole number of vectors), i = 0..3: eight vector accumulators along K, reduced at the end.
     *
     * <p>A method of its own on purpose: with this loop inside forwardBlock's row and column loops,
     * C2 sometimes (about 1 JVM in 3, after an on-stack replacement) compiled it with every vector
     * boxed on the heap, 20x slower (2 x 512 x 512: 0.5 instead of 12 GFLOP/s, 40 young GCs a second).
     */
    private static void dots2x4(float[] x, int x0, int x1, int x2, int x3, float[] w, int w0, int w1, int upper,
                                float[] sums) {
        FloatVector a00 = FloatVector.zero(S), a01 = FloatVector.zero(S), a02 = FloatVector.zero(S),
                a03 = FloatVector.zero(S);
        FloatVector a10 = FloatVector.zero(S), a11 = FloatVector.zero(S), a12 = FloatVector.zero(S),
                a13 = FloatVector.zero(S);
        for (int k = 0; k < upper; k += LANES) {
            FloatVector wv0 = FloatVector.fromArray(S, w, w0 + k);
            FloatVector wv1 = FloatVector.fromArray(S, w, w1 + k);
            FloatVector xv = FloatVector.fromArray(S, x, x0 + k);
            a00 = xv.fma(wv0, a00);
            a10 = xv.fma(wv1, a10);
            xv = FloatVector.fromArray(S, x, x1 + k);
            a01 = xv.fma(wv0, a01);
            a11 = xv.fma(wv1, a11);
            xv = FloatVector.fromArray(S, x, x2 + k);
            a02 = xv.fma(wv0, a02);
            a12 = xv.fma(wv1, a12);
            xv = FloatVector.fromArray(S, x, x3 + k);
            a03 = xv.fma(wv0, a03);
            a13 = xv.fma(wv1, a13);
        }
        sums[0] = a00.reduceLanes(VectorOperators.ADD);
        sums[1] = a01.reduceLanes(VectorOperators.ADD);
        sums[2] = a02.reduceLanes(VectorOperators.ADD);
        sums[3] = a03.reduceLanes(VectorOperators.ADD);
        sums[4] = a10.reduceLanes(VectorOperators.ADD);
        sums[5] = a11.reduceLanes(VectorOperators.ADD);
        sums[6] = a12.reduceLanes(VectorOperators.ADD);
        sums[7] = a13.reduceLanes(VectorOperators.ADD);
    }

    // --------------------------------------------------------------------------------- backward

    /** Rows [from, to) of dx (M, K) += dy (M, N) · W (N, K); with {@code overwrite}, = instead of +=. */
    static void backwardInputFast(int from, int to, float[] dy, float[] w, float[] dx, int M, int N, int K,
                                  boolean overwrite) {
        accumulateProduct(dy, N, 1, w, 0, dx, 0, from, to, N, K, 0, K, overwrite);
    }

    /** Columns [from, to) of dx (M, K) += dy (M, N) · W (N, K), every row; with {@code overwrite}, =. */
    static void backwardInputColumns(int from, int to, float[] dy, float[] w, float[] dx, int M, int N, int K,
                                     boolean overwrite) {
        accumulateProduct(dy, N, 1, w, 0, dx, 0, 0, M, N, K, from, to, overwrite);
    }

    /**
     * Rows [from, to) of dW (N, K) += dyᵀ (N, M) · x (M, K), and db[n] += Σ_m dy[m, n]; with
     * {@code overwrite}, = instead of +=.
     */
    static void backwardWeightFast(int from, int to, float[] dy, float[] x, float[] dw, float[] db,
                                  int M, int N, int K, boolean overwrite) {
        // dyᵀ's rows [from, to) into scratch, so that A is read in place like backward input's, not
        // packed strided per pass: 1 core, AVX2, 512x512x512 / 256x1536x512 / 512x1536x512: 27.9 /
        // 28.3 / 28.5 -> 31.9 / 32.4 / 31.0 GFLOP/s
        int rows = to - from;
        float[] dyT = Scratch.floats(Scratch.GEMM_X_T, rows * M);
        BlockTranspose.transpose(dy, from, N, dyT, 0, M, M, rows, null, 0); // dyT[n - from, m] = dy[m, n]
        if (M <= STREAM_MAX_T) {
            accumulateProductStreaming(dyT, M, x, dw, -from, 0, rows, M, K, overwrite);
        } else {
            accumulateProduct(dyT, M, 1, x, 0, dw, -from, 0, rows, M, K, 0, K, overwrite);
        }
        // db from dyᵀ's rows, contiguous (summing dy's rows into a row of sums ran at ~1 ns an element,
        // ~10% of a 512-row weight gradient)
        for (int n = from; n < to; n++) {
            float sum = VectorSums.sum(dyT, (n - from) * M, M);
            db[n] = overwrite ? sum : db[n] + sum;
        }
    }

    /**
     * Rows [r0, r1) x columns [c0, c1) of out (R, C) += A (R, T) · B (T, C), where A(r, t) =
     * a[r·aRow + t·aCol] (a matrix or a transposed one), B is row-major and out's row r starts at
     * (r - outRow0)·C. Per pass of {@link #ROWS_PER_PASS} rows and block of T: a strided A is copied
     * into scratch, its 6-row groups interleaved; then each 2-vector column panel of B is copied
     * contiguously and swept by every 6-row group of the pass. Rows and columns left over take narrower paths.
     */
    static void accumulateProduct(float[] a, int aRow, int aCol, float[] bm, float[] out, int outRow0, int r0, int r1,
                                  int T, int C, int c0, int c1) {
        accumulateProduct(a, aRow, aCol, bm, 0, out, outRow0, r0, r1, T, C, c0, c1, false);
    }

    /** {@link #accumulateProduct} with B starting at bm[bOff] (one sample's matrix in a batch). */
    static void accumulateProduct(float[] a, int aRow, int aCol, float[] bm, int bOff, float[] out, int outRow0, int r0,
                                  int r1, int T, int C, int c0, int c1) {
        accumulateProduct(a, aRow, aCol, bm, bOff, out, outRow0, r0, r1, T, C, c0, c1, false);
    }

    /**
     * {@link #accumulateProduct}; with {@code overwrite}, out = A·B: each part of out is zeroed just
     * before its first block of T accumulates into it, while it is in cache.
     */
    static void accumulateProduct(float[] a, int aRow, int aCol, float[] bm, int bOff, float[] out, int outRow0, int r0,
                                  int r1, int T, int C, int c0, int c1, boolean overwrite) {
        if (T == 0) {
            if (overwrite) {
                zeroBlock(out, outRow0, r0, r1, C, c0, c1); // an empty sum
            }
            return;
        }
        int panel = 2 * LANES;
        int panelEnd = c0 + (c1 - c0) / panel * panel;
        int tBlock = Math.max(1, Math.min(T, BACKWARD_T_BLOCK));
        float[] packedB = Scratch.floats(Scratch.GEMM_PACKED_B, tBlock * panel);
        boolean packA = aCol != 1; // strided A (dyᵀ): copied once per block, row groups interleaved
        float[] packedA = packA ? Scratch.floats(Scratch.GEMM_PACKED_A, Math.min(r1 - r0, ROWS_PER_PASS) * tBlock)
                : null;
        for (int p0 = r0; p0 < r1; p0 += ROWS_PER_PASS) {
            int p1 = Math.min(r1, p0 + ROWS_PER_PASS);
            int groupsEnd = p0 + (p1 - p0) / ROW_BLOCK * ROW_BLOCK;
            for (int t0 = 0; t0 < T; t0 += tBlock) {
                int len = Math.min(T, t0 + tBlock) - t0;
                if (packA) {
                    packRowGroups(a, aRow, aCol, p0, groupsEnd, t0, len, packedA);
                }
                boolean zero = overwrite && t0 == 0;
                for (int c = c0; c < panelEnd; c += panel) {
                    packPanel(bm, bOff + t0 * C + c, C, len, packedB, 0);
                    if (zero) {
                        zeroBlock(out, outRow0, p0, p1, C, c, c + panel);
                    }
                    for (int r = p0; r < groupsEnd; r += ROW_BLOCK) {
                        int o = (r - outRow0) * C + c;
                        if (packA) {
                            panel6x2Interleaved(packedA, (r - p0) * len, packedB, len, out, o, C);
                        } else {
                            panel6x2(a, r * aRow + t0, aRow, packedB, 0, len, out, o, C);
                        }
                    }
                    for (int r = groupsEnd; r < p1; r++) {
                        panel1x2(a, r * aRow + t0 * aCol, aCol, packedB, 0, len, out, (r - outRow0) * C + c);
                    }
                }
                if (zero) {
                    zeroBlock(out, outRow0, p0, p1, C, panelEnd, c1);
                }
                if (panelEnd < c1 && groupsEnd > p0) { // columns past the last full panel, by the row groups
                    leftoverColumns(a, aRow, packA ? packedA : null, bm, bOff, out, outRow0, p0, groupsEnd, t0, len, C,
                            panelEnd, c1, packedB);
                }
                leftoverCorner(a, aRow, aCol, bm, bOff, out, outRow0, groupsEnd, p1, t0, len, C, panelEnd, c1);
            }
        }
    }

    /**
     * out (R, C) rows [r0, r1) += A (R, T) · B (T, C) over the whole of a short T in one sweep, for a
     * weight gradient whose output comes cold from memory: B is packed a chunk of columns at a time
     * (all its panels, T long, about 512 KiB), then each 6-row group of A (in place, unit stride, in
     * L1) sweeps the chunk's panels left to right, so each output row is read and written once, as
     * one sequential stream the prefetcher follows. {@link #accumulateProduct} instead sweeps the
     * rows under one panel per T block, and reads each output tile T / 256 times, 2 KiB or more apart.
     */
    static void accumulateProductStreaming(float[] a, int aRow, float[] bm, float[] out, int outRow0, int r0, int r1,
                                           int T, int C) {
        accumulateProductStreaming(a, aRow, bm, out, outRow0, r0, r1, T, C, false);
    }

    /**
     * {@link #accumulateProductStreaming}; with {@code overwrite}, out = A·B: each row group's part of
     * a chunk is zeroed just before its sweep, in L1.
     */
    static void accumulateProductStreaming(float[] a, int aRow, float[] bm, float[] out, int outRow0, int r0, int r1,
                                           int T, int C, boolean overwrite) {
        if (T == 0) {
            if (overwrite) {
                zeroBlock(out, outRow0, r0, r1, C, 0, C); // an empty batch: a zero gradient
            }
            return; // an empty batch adds nothing
        }
        int panel = 2 * LANES;
        int panelEnd = C / panel * panel;
        int chunk = Math.max(panel, STREAM_B_FLOATS / T / panel * panel);
        float[] packedB = Scratch.floats(Scratch.GEMM_PACKED_B, T * Math.max(panel, Math.min(chunk, panelEnd)));
        int groupsEnd = r0 + (r1 - r0) / ROW_BLOCK * ROW_BLOCK;
        for (int c0 = 0; c0 < panelEnd; c0 += chunk) {
            int c1 = Math.min(panelEnd, c0 + chunk);
            for (int c = c0; c < c1; c += panel) { // panel j of the chunk at packedB[j·T·panel]
                packPanel(bm, c, C, T, packedB, (c - c0) * T);
            }
            for (int r = r0; r < groupsEnd; r += ROW_BLOCK) {
                if (overwrite) {
                    zeroBlock(out, outRow0, r, r + ROW_BLOCK, C, c0, c1);
                }
                for (int c = c0; c < c1; c += panel) {
                    panel6x2(a, r * aRow, aRow, packedB, (c - c0) * T, T, out, (r - outRow0) * C + c, C);
                }
            }
            for (int r = groupsEnd; r < r1; r++) {
                if (overwrite) {
                    zeroBlock(out, outRow0, r, r + 1, C, c0, c1);
                }
                for (int c = c0; c < c1; c += panel) {
                    panel1x2(a, r * aRow, 1, packedB, (c - c0) * T, T, out, (r - outRow0) * C + c);
                }
            }
        }
        if (panelEnd < C) {
            if (overwrite) {
                zeroBlock(out, outRow0, r0, r1, C, panelEnd, C);
            }
            if (groupsEnd > r0) {
                leftoverColumns(a, aRow, null, bm, 0, out, outRow0, r0, groupsEnd, 0, T, C, panelEnd, C, packedB);
            }
            leftoverCorner(a, aRow, 1, bm, 0, out, outRow0, groupsEnd, r1, 0, T, C, panelEnd, C);
        }
    }

    /** out's rows [r0, r1) (row r from (r - outRow0)·C), columns [c0, c1) = 0. */
    private static void zeroBlock(float[] out, int outRow0, int r0, int r1, int C, int c0, int c1) {
        if (c0 >= c1) {
            return;
        }
        for (int r = r0; r < r1; r++) {
            int o = (r - outRow0) * C;
            java.util.Arrays.fill(out, o + c0, o + c1, 0f);
        }
    }

    /**
     * len rows of B from bm[src] (C apart), two vectors each, into packedB from d, t-major (vector
     * copies: arraycopy calls cost more than 16 floats).
     */
    private static void packPanel(float[] bm, int src, int C, int len, float[] packedB, int d) {
        for (int t = 0; t < len; t++, src += C, d += 2 * LANES) {
            FloatVector.fromArray(S, bm, src).intoArray(packedB, d);
            FloatVector.fromArray(S, bm, src + LANES).intoArray(packedB, d + LANES);
        }
    }

    /** Rows [rFrom, r1) x columns [cFrom, c1) of out += A·B over t0 .. t0 + len, in scalars: rows and columns left over. */
    private static void leftoverCorner(float[] a, int aRow, int aCol, float[] bm, int bOff, float[] out, int outRow0,
                                       int rFrom, int r1, int t0, int len, int C, int cFrom, int c1) {
        for (int r = rFrom; r < r1; r++) {
            for (int c = cFrom; c < c1; c++) {
                float s = 0f;
                for (int t = t0; t < t0 + len; t++) {
                    s += a[r * aRow + t * aCol] * bm[bOff + t * C + c];
                }
                out[(r - outRow0) * C + c] += s;
            }
        }
    }

    /**
     * Columns [cFrom, c1) of rows [p0, groupsEnd) (whole row groups), fewer than a panel: B's columns
     * zero-padded to a whole panel, each row group's 6 x panel result in a scratch tile whose first
     * columns are added to out. (A scalar dot product per element ran a 16-column weight gradient at
     * 2 GFLOP/s.) packedA is A's pass packed (len apart from row p0) or null to read A in place.
     */
    private static void leftoverColumns(float[] a, int aRow, float[] packedA, float[] bm, int bOff, float[] out,
                                        int outRow0, int p0, int groupsEnd, int t0, int len, int C, int cFrom, int c1,
                                        float[] packedB) {
        int panel = 2 * LANES, width = c1 - cFrom;
        for (int t = 0; t < len; t++) {
            int src = bOff + (t0 + t) * C + cFrom, dst = t * panel;
            for (int j = 0; j < panel; j++) {
                packedB[dst + j] = j < width ? bm[src + j] : 0f;
            }
        }
        float[] tile = Scratch.floats(Scratch.GEMM_TILE, ROW_BLOCK * panel);
        for (int r = p0; r < groupsEnd; r += ROW_BLOCK) {
            java.util.Arrays.fill(tile, 0, ROW_BLOCK * panel, 0f);
            if (packedA != null) {
                panel6x2Interleaved(packedA, (r - p0) * len, packedB, len, tile, 0, panel);
            } else {
                panel6x2(a, r * aRow + t0, aRow, packedB, 0, len, tile, 0, panel);
            }
            for (int i = 0; i < ROW_BLOCK; i++) {
                int o = (r + i - outRow0) * C + cFrom;
                for (int j = 0; j < width; j++) {
                    out[o + j] += tile[i * panel + j];
                }
            }
        }
    }

    /**
     * The row groups [p0, p1) of a strided A (aCol != 1), t0 .. t0 + len, interleaved for
     * {@link #panel6x2Interleaved}: group g at dst[6·len·g], A(p0 + 6g + i, t0 + t) at + 6t + i.
     */
    private static void packRowGroups(float[] a, int aRow, int aCol, int p0, int p1, int t0, int len, float[] dst) {
        for (int r = p0; r < p1; r += ROW_BLOCK) {
            int d = (r - p0) * len;
            if (aRow == 1) { // the group's six values of each t are adjacent in A (dyᵀ)
                for (int t = 0; t < len; t++, d += ROW_BLOCK) { // (System.arraycopy costs more than six floats)
                    int src = r + (t0 + t) * aCol;
                    dst[d] = a[src];
                    dst[d + 1] = a[src + 1];
                    dst[d + 2] = a[src + 2];
                    dst[d + 3] = a[src + 3];
                    dst[d + 4] = a[src + 4];
                    dst[d + 5] = a[src + 5];
                }
            } else {
                for (int t = 0; t < len; t++, d += ROW_BLOCK) {
                    int at = (t0 + t) * aCol;
                    for (int i = 0; i < ROW_BLOCK; i++) {
                        dst[d + i] = a[(r + i) * aRow + at];
                    }
                }
            }
        }
    }

    /**
     * Six rows of out from o (C apart, two vectors each) += Σ_t A(i, t) · packedB[t], A row i at
     * a0 + i·lda: twelve vector accumulators fed by broadcasts of A against the packed panel of B.
     * (A read in place: six unit-stride streams. A strided A is packed interleaved instead, for
     * {@link #panel6x2Interleaved}: one contiguous copy per t rather than six scattered stores.)
     */
    private static void panel6x2(float[] a, int a0, int lda, float[] packedB, int pb, int len, float[] out, int o,
                                 int C) {
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        int o1 = o + C, o2 = o1 + C, o3 = o2 + C, o4 = o3 + C, o5 = o4 + C;
        FloatVector c00 = FloatVector.fromArray(S, out, o), c01 = FloatVector.fromArray(S, out, o + LANES);
        FloatVector c10 = FloatVector.fromArray(S, out, o1), c11 = FloatVector.fromArray(S, out, o1 + LANES);
        FloatVector c20 = FloatVector.fromArray(S, out, o2), c21 = FloatVector.fromArray(S, out, o2 + LANES);
        FloatVector c30 = FloatVector.fromArray(S, out, o3), c31 = FloatVector.fromArray(S, out, o3 + LANES);
        FloatVector c40 = FloatVector.fromArray(S, out, o4), c41 = FloatVector.fromArray(S, out, o4 + LANES);
        FloatVector c50 = FloatVector.fromArray(S, out, o5), c51 = FloatVector.fromArray(S, out, o5 + LANES);
        for (int t = 0; t < len; t++) {
            int p = pb + t * 2 * LANES;
            FloatVector b0 = FloatVector.fromArray(S, packedB, p);
            FloatVector b1 = FloatVector.fromArray(S, packedB, p + LANES);
            FloatVector s = FloatVector.broadcast(S, a[a0 + t]);
            c00 = s.fma(b0, c00);
            c01 = s.fma(b1, c01);
            s = FloatVector.broadcast(S, a[a1 + t]);
            c10 = s.fma(b0, c10);
            c11 = s.fma(b1, c11);
            s = FloatVector.broadcast(S, a[a2 + t]);
            c20 = s.fma(b0, c20);
            c21 = s.fma(b1, c21);
            s = FloatVector.broadcast(S, a[a3 + t]);
            c30 = s.fma(b0, c30);
            c31 = s.fma(b1, c31);
            s = FloatVector.broadcast(S, a[a4 + t]);
            c40 = s.fma(b0, c40);
            c41 = s.fma(b1, c41);
            s = FloatVector.broadcast(S, a[a5 + t]);
            c50 = s.fma(b0, c50);
            c51 = s.fma(b1, c51);
        }
        c00.intoArray(out, o);
        c01.intoArray(out, o + LANES);
        c10.intoArray(out, o1);
        c11.intoArray(out, o1 + LANES);
        c20.intoArray(out, o2);
        c21.intoArray(out, o2 + LANES);
        c30.intoArray(out, o3);
        c31.intoArray(out, o3 + LANES);
        c40.intoArray(out, o4);
        c41.intoArray(out, o4 + LANES);
        c50.intoArray(out, o5);
        c51.intoArray(out, o5 + LANES);
    }

    /**
     * {@link #panel6x2} on a row group packed interleaved: A(i, t) at a[a0 + 6t + i], the six values
     * a step of t reads side by side (the layout a strided A is packed into, a contiguous copy of six
     * floats per t instead of six scattered stores). A copy of panel6x2's body on purpose: one kernel
     * taking both strides as parameters ran every Linear kernel 8-10% slower (best of 10, one core).
     */
    private static void panel6x2Interleaved(float[] a, int a0, float[] packedB, int len, float[] out, int o, int C) {
        int o1 = o + C, o2 = o1 + C, o3 = o2 + C, o4 = o3 + C, o5 = o4 + C;
        FloatVector c00 = FloatVector.fromArray(S, out, o), c01 = FloatVector.fromArray(S, out, o + LANES);
        FloatVector c10 = FloatVector.fromArray(S, out, o1), c11 = FloatVector.fromArray(S, out, o1 + LANES);
        FloatVector c20 = FloatVector.fromArray(S, out, o2), c21 = FloatVector.fromArray(S, out, o2 + LANES);
        FloatVector c30 = FloatVector.fromArray(S, out, o3), c31 = FloatVector.fromArray(S, out, o3 + LANES);
        FloatVector c40 = FloatVector.fromArray(S, out, o4), c41 = FloatVector.fromArray(S, out, o4 + LANES);
        FloatVector c50 = FloatVector.fromArray(S, out, o5), c51 = FloatVector.fromArray(S, out, o5 + LANES);
        for (int t = 0, q = a0; t < len; t++, q += ROW_BLOCK) {
            int p = t * 2 * LANES;
            FloatVector b0 = FloatVector.fromArray(S, packedB, p);
            FloatVector b1 = FloatVector.fromArray(S, packedB, p + LANES);
            FloatVector s = FloatVector.broadcast(S, a[q]);
            c00 = s.fma(b0, c00);
            c01 = s.fma(b1, c01);
            s = FloatVector.broadcast(S, a[q + 1]);
            c10 = s.fma(b0, c10);
            c11 = s.fma(b1, c11);
            s = FloatVector.broadcast(S, a[q + 2]);
            c20 = s.fma(b0, c20);
            c21 = s.fma(b1, c21);
            s = FloatVector.broadcast(S, a[q + 3]);
            c30 = s.fma(b0, c30);
            c31 = s.fma(b1, c31);
            s = FloatVector.broadcast(S, a[q + 4]);
            c40 = s.fma(b0, c40);
            c41 = s.fma(b1, c41);
            s = FloatVector.broadcast(S, a[q + 5]);
            c50 = s.fma(b0, c50);
            c51 = s.fma(b1, c51);
        }
        c00.intoArray(out, o);
        c01.intoArray(out, o + LANES);
        c10.intoArray(out, o1);
        c11.intoArray(out, o1 + LANES);
        c20.intoArray(out, o2);
        c21.intoArray(out, o2 + LANES);
        c30.intoArray(out, o3);
        c31.intoArray(out, o3 + LANES);
        c40.intoArray(out, o4);
        c41.intoArray(out, o4 + LANES);
        c50.intoArray(out, o5);
        c51.intoArray(out, o5 + LANES);
    }

    /** One output row (two vectors at o) += Σ_t a[a0 + t·aCol] · packedB[t], for rows left over. */
    private static void panel1x2(float[] a, int a0, int aCol, float[] packedB, int pb, int len, float[] out, int o) {
        FloatVector c0 = FloatVector.fromArray(S, out, o), c1 = FloatVector.fromArray(S, out, o + LANES);
        for (int t = 0; t < len; t++) {
            int p = pb + t * 2 * LANES;
            FloatVector s = FloatVector.broadcast(S, a[a0 + t * aCol]);
            c0 = s.fma(FloatVector.fromArray(S, packedB, p), c0);
            c1 = s.fma(FloatVector.fromArray(S, packedB, p + LANES), c1);
        }
        c0.intoArray(out, o);
        c1.intoArray(out, o + LANES);
    }

    /** Σ_k a[ao+k]·b[bo+k] with the Vector API. */
    public static float dot(float[] a, int ao, float[] b, int bo, int len) {
        int upper = S.loopBound(len);
        FloatVector acc = FloatVector.zero(S);
        int k = 0;
        for (; k < upper; k += S.length()) {
            acc = FloatVector.fromArray(S, a, ao + k).fma(FloatVector.fromArray(S, b, bo + k), acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; k < len; k++) {
            s += a[ao + k] * b[bo + k];
        }
        return s;
    }
}
