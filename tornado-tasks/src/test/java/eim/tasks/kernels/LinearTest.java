package eim.tasks.kernels;

import static eim.tasks.testing.KernelHarness.*;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;


import eim.tasks.FloatArray;
import eim.tasks.testing.GradCheck;
import eim.tasks.testing.Golden;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearTest {
    static final int M = 7, N = 13, K = 37; // odd sizes exercise the vector tails

    @Test
    void backendsMatchPortableBody() {
        // under 16 rows the forward takes the column fast path ({5, 1003, 40}: split across cores, with
        // an odd boundary), {20, 300, 33} the few-rows one (two slices of 10 rows), the larger ones the blocked
        // one; {800, 70, 300} and {300, 900, 40} take more than one 384-row pass (with rows left over at the
        // pass's end) and more than one 256-long block of the reduced dimension; {600, 50, 16}: a weight
        // gradient narrower than one panel (16 columns), by row groups through a padded panel; {200, 300, 40}:
        // a forward of many rows split by columns on 2 cores or more (see forwardSplitsByColumnsWhereRowsPadMore)
        for (int[] mnk : new int[][] {{M, N, K}, {M, 1, 1}, {5, 1003, 40}, {20, 300, 33}, {37, 45, 70}, {150, 67, 131},
                {800, 70, 300}, {300, 900, 40}, {600, 50, 16}, {200, 300, 40}}) {
            int m = mnk[0], n = mnk[1], k = mnk[2];
            Random r = new Random(1);
            FloatArray x = randn("x", m * k, r), w = randn("w", n * k, r), b = randn("b", n, r);
            assertParity(Linear.FORWARD, new int[] {m, n}, x, w, b, zeros("y", m * n), m, n, k);
            FloatArray dy = randn("dy", m * n, r);
            assertParity(Linear.BACKWARD_INPUT, new int[] {m, k}, dy, w, randn("dx", m * k, r), m, n, k);
            assertParity(Linear.BACKWARD_WEIGHT, new int[] {n, k}, dy, x, randn("dw", n * k, r), randn("db", n, r),
                    m, n, k);
            // overwriting: what dx, dw and db held before must not show
            assertParity(Linear.BACKWARD_INPUT_SET, new int[] {m, k}, dy, w, randn("dx", m * k, r), m, n, k);
            assertParity(Linear.BACKWARD_WEIGHT_SET, new int[] {n, k}, dy, x, randn("dw", n * k, r),
                    randn("db", n, r), m, n, k);
        }
    }

    /**
     * The forward goes by columns where splitting the rows would pad more of them to whole panels
     * (a sampling step's 200 rows of modulations on 2 cores), and by rows where the halves are whole
     * panels (the training shapes: 128 and 512 rows) or on one core.
     */
    @Test
    void forwardSplitsByColumnsWhereRowsPadMore() {
        var split = Linear.FORWARD.columnSplit();
        assertTrue(split.byColumns(200, 1536, 2, null), "200 rows, 2 cores");
        assertTrue(split.byColumns(8, 512, 2, null), "a decoding step's few rows");
        assertFalse(split.byColumns(128, 1536, 2, null), "128 rows: 64 per core, whole panels either way");
        assertFalse(split.byColumns(512, 2880, 2, null), "512 rows");
        assertFalse(split.byColumns(200, 1536, 1, null), "one core");
        assertFalse(split.byColumns(200, 40, 2, null), "too few columns to share");
    }

    /**
     * The GEMM every Java fast path shares, for each way A can be laid out (rows, a transposed
     * matrix, both strides other than 1), with row groups, rows left over, two passes of rows, two
     * blocks of T, whole column panels and columns left over, against a plain triple loop.
     */
    @Test
    void accumulateProductMatchesPlainLoops() {
        int R = 400, T = 300, C = 45, outRow0 = 3;
        Random r = new Random(5);
        float[] b = randn("b", T * C, r).array();
        for (boolean overwrite : new boolean[] {false, true}) {
            for (int[] stride : new int[][] {{T + 3, 1}, {1, R + 2}, {2, 2 * R + 1}}) {
                int aRow = stride[0], aCol = stride[1];
                float[] a = randn("a", (R - 1) * aRow + (T - 1) * aCol + 1, r).array();
                float[] start = randn("out", (R - outRow0) * C, r).array(), out = start.clone(), want = start.clone();
                Linear.accumulateProduct(a, aRow, aCol, b, 0, out, outRow0, outRow0, R, T, C, 0, C, overwrite);
                for (int i = outRow0; i < R; i++) {
                    for (int c = 0; c < C; c++) {
                        double s = 0;
                        for (int t = 0; t < T; t++) {
                            s += (double) a[i * aRow + t * aCol] * b[t * C + c];
                        }
                        int o = (i - outRow0) * C + c;
                        want[o] = (float) (overwrite ? s : want[o] + s);
                    }
                }
                assertCloseToScale("A(r, t) = a[r·" + aRow + " + t·" + aCol + "], overwrite " + overwrite, out, want,
                        1e-5);
            }
        }
    }

    /**
     * The weight gradient's one-sweep GEMM: row groups and rows left over, a T long enough that B is
     * packed in two column chunks (512 KiB each) plus a chunk's remainder, columns left over past the
     * last panel, an output starting at row outRow0, against a plain triple loop.
     */
    @Test
    void streamingProductMatchesPlainLoops() {
        int R = 33, T = 500, outRow0 = 4;
        int C = 2 * (128 * 1024 / T / 32 * 32) + 32 + 7; // two whole chunks, one more panel, seven columns
        Random r = new Random(9);
        float[] a = randn("a", R * T, r).array(), b = randn("b", T * C, r).array();
        for (boolean overwrite : new boolean[] {false, true}) {
            float[] start = randn("out", (R - outRow0) * C, r).array(), out = start.clone(), want = start.clone();
            Linear.accumulateProductStreaming(a, T, b, out, outRow0, outRow0, R, T, C, overwrite);
            for (int i = outRow0; i < R; i++) {
                for (int c = 0; c < C; c++) {
                    double s = 0;
                    for (int t = 0; t < T; t++) {
                        s += (double) a[i * T + t] * b[t * C + c];
                    }
                    int o = (i - outRow0) * C + c;
                    want[o] = (float) (overwrite ? s : want[o] + s);
                }
            }
            assertCloseToScale("streaming product, overwrite " + overwrite, out, want, 1e-5);
        }
    }

    /**
     * The forward's three row paths (dot products up to half a vector of rows, one vector of xᵀ up to a
     * vector, the blocked GEMM beyond) on every row count from 1 to two vectors and a column range
     * that crosses twelve-column groups and ends in a leftover, against a double-precision loop; the
     * columns outside the range must stay untouched.
     */
    @Test
    void forwardRowPathsMatchReference() {
        int lanes = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
        Random r = new Random(7);
        for (int k : new int[] {5, 37, 64}) {
            for (int rows = 1; rows <= 2 * lanes + 1; rows++) {
                int n = 31, c0 = 2, c1 = 29, r0 = 1, m = r0 + rows;
                float[] x = randn("x", m * k, r).array(), w = randn("w", n * k, r).array(), b = randn("b", n, r).array();
                float[] y = new float[m * n];
                java.util.Arrays.fill(y, Float.NaN);
                Linear.forwardRows(x, w, b, y, r0, m, c0, c1, n, k);
                float[] got = new float[rows * (c1 - c0)], want = new float[got.length];
                for (int i = r0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        boolean inside = j >= c0 && j < c1;
                        if (!inside && !Float.isNaN(y[i * n + j])) {
                            throw new AssertionError("rows " + rows + ", k " + k + ": column " + j + " written");
                        }
                        if (inside) {
                            double sum = b[j];
                            for (int t = 0; t < k; t++) {
                                sum += (double) x[i * k + t] * w[j * k + t];
                            }
                            got[(i - r0) * (c1 - c0) + j - c0] = y[i * n + j];
                            want[(i - r0) * (c1 - c0) + j - c0] = (float) sum;
                        }
                    }
                }
                assertCloseToScale("forward, " + rows + " rows, k " + k, got, want, 1e-5);
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random r = new Random(2);
        FloatArray x = randn("x", M * K, r), w = randn("w", N * K, r), b = randn("b", N, r);
        FloatArray y = zeros("y", M * N);
        float[] g = randn("g", M * N, r).array();
        Runnable fwd = () -> run(java(), Linear.FORWARD, new int[] {M, N}, x, w, b, y, M, N, K);
        java.util.function.DoubleSupplier loss = () -> {
            fwd.run();
            return GradCheck.weightedSum(y.array(), g);
        };
        FloatArray dy = new FloatArray("dy", g.clone());
        FloatArray dx = zeros("dx", M * K), dw = zeros("dw", N * K), db = zeros("db", N);
        run(java(), Linear.BACKWARD_INPUT, new int[] {M, K}, dy, w, dx, M, N, K);
        run(java(), Linear.BACKWARD_WEIGHT, new int[] {N, K}, dy, x, dw, db, M, N, K);
        GradCheck.check("dx", loss, x.array(), dx.array(), 40, 1e-2f, 2e-3);
        GradCheck.check("dw", loss, w.array(), dw.array(), 40, 1e-2f, 2e-3);
        GradCheck.check("db", loss, b.array(), db.array(), 13, 1e-2f, 2e-3);
    }

    /**
     * Shapes that cross every block boundary of the Java kernels (row passes, T blocks, column
     * panels, 6-row groups and their leftovers), split across cores, against a double-precision
     * reference.
     */
    @Test
    void blockedJavaKernelsMatchReference() {
        int m = 263, n = 301, k = 517;
        Random r = new Random(3);
        FloatArray x = randn("x", m * k, r), w = randn("w", n * k, r), b = randn("b", n, r);
        FloatArray dy = randn("dy", m * n, r);
        FloatArray y = zeros("y", m * n);
        FloatArray dx = randn("dx", m * k, r), dw = randn("dw", n * k, r), db = randn("db", n, r);
        float[] dx0 = dx.array().clone(), dw0 = dw.array().clone(), db0 = db.array().clone();
        run(java(), Linear.FORWARD, new int[] {m, n}, x, w, b, y, m, n, k);
        run(java(), Linear.BACKWARD_INPUT, new int[] {m, k}, dy, w, dx, m, n, k);
        run(java(), Linear.BACKWARD_WEIGHT, new int[] {n, k}, dy, x, dw, db, m, n, k);
        float[] xs = x.array(), ws = w.array(), gs = dy.array();
        float[] yRef = new float[m * n], dxRef = dx0, dwRef = dw0, dbRef = db0;
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = b.get(j);
                for (int t = 0; t < k; t++) {
                    s += (double) xs[i * k + t] * ws[j * k + t];
                }
                yRef[i * n + j] = (float) s;
            }
        }
        for (int i = 0; i < m; i++) {
            for (int t = 0; t < k; t++) {
                double s = 0;
                for (int j = 0; j < n; j++) {
                    s += (double) gs[i * n + j] * ws[j * k + t];
                }
                dxRef[i * k + t] += (float) s;
            }
        }
        for (int j = 0; j < n; j++) {
            double sb = 0;
            for (int i = 0; i < m; i++) {
                sb += gs[i * n + j];
            }
            dbRef[j] += (float) sb;
            for (int t = 0; t < k; t++) {
                double s = 0;
                for (int i = 0; i < m; i++) {
                    s += (double) gs[i * n + j] * xs[i * k + t];
                }
                dwRef[j * k + t] += (float) s;
            }
        }
        assertClose("y", y.array(), yRef, 1e-4);
        assertClose("dx", dx.array(), dxRef, 1e-4);
        assertClose("dw", dw.array(), dwRef, 1e-4);
        assertClose("db", db.array(), dbRef, 1e-4);
    }
}
