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
 * <p>Java bodies copy each input plane once into a reflect-padded scratch and then run a plain
 * "valid" convolution vectorised over the output width, {@value #BLOCK} output channels at a time
 * so that one load of the input feeds several accumulators. The OpenCL twins index the reflection
 * directly.
 */
public final class Conv2d {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final String CL = "conv2d.cl";
    /** Output (or input, for the input gradient) channels computed together by the Java bodies. */
    static final int BLOCK = 4;

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
        Geometry g = new Geometry(H, W, KH, KW);
        int paddedBatch = -1;
        float[] src = x;
        int srcOff = 0;
        for (@Parallel int item = from; item < to; ) {
            int bi = item / Cout, co = item % Cout;
            int n = Math.min(BLOCK, Math.min(to - item, Cout - co));
            if (bi != paddedBatch) {
                if (g.padded()) {
                    src = Scratch.floats(0, Cin * g.plane());
                    g.pad(x, bi * Cin * H * W, Cin, src);
                    srcOff = 0;
                } else {
                    srcOff = bi * Cin * H * W;
                }
                paddedBatch = bi;
            }
            forwardBlock(src, srcOff, w, b, y, bi, co, n, Cin, Cout, g);
            item += n;
        }
    }

    /** Output channels co..co+n-1 (n ≤ 4) of sample bi from the padded input src[srcOff ..]. */
    private static void forwardBlock(float[] src, int srcOff, float[] w, float[] b, float[] y, int bi, int co, int n,
                                     int Cin, int Cout, Geometry g) {
        int H = g.H, W = g.W, KH = g.KH, KW = g.KW, kk = KH * KW, plane = g.plane(), Wp = g.Wp;
        // channels past the block's end repeat channel co: computed, never stored
        int w0 = co * Cin * kk;
        int w1 = (co + Math.min(1, n - 1)) * Cin * kk;
        int w2 = (co + Math.min(2, n - 1)) * Cin * kk;
        int w3 = (co + Math.min(3, n - 1)) * Cin * kk;
        int upper = S.loopBound(W);
        for (int h = 0; h < H; h++) {
            int yRow = ((bi * Cout + co) * H + h) * W;
            int yStep = H * W;
            int c = 0;
            // two vectors of the row at a time: 6 loads feed 8 FMAs (one vector: 5 loads for 4)
            for (; c + 2 * L <= W; c += 2 * L) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
                for (int ci = 0; ci < Cin; ci++) {
                    for (int kh = 0; kh < KH; kh++) {
                        int row = srcOff + ci * plane + (h + kh) * Wp + c;
                        int wk = ci * kk + kh * KW;
                        for (int kw = 0; kw < KW; kw++) {
                            FloatVector xv = FloatVector.fromArray(S, src, row + kw);
                            FloatVector xu = FloatVector.fromArray(S, src, row + kw + L);
                            int o = wk + kw;
                            FloatVector v0 = FloatVector.broadcast(S, w[w0 + o]), v1 = FloatVector.broadcast(S, w[w1 + o]);
                            FloatVector v2 = FloatVector.broadcast(S, w[w2 + o]), v3 = FloatVector.broadcast(S, w[w3 + o]);
                            a0 = xv.fma(v0, a0);
                            a1 = xv.fma(v1, a1);
                            a2 = xv.fma(v2, a2);
                            a3 = xv.fma(v3, a3);
                            e0 = xu.fma(v0, e0);
                            e1 = xu.fma(v1, e1);
                            e2 = xu.fma(v2, e2);
                            e3 = xu.fma(v3, e3);
                        }
                    }
                }
                store(a0, e0, b[co], y, yRow + c);
                if (n > 1) store(a1, e1, b[co + 1], y, yRow + yStep + c);
                if (n > 2) store(a2, e2, b[co + 2], y, yRow + 2 * yStep + c);
                if (n > 3) store(a3, e3, b[co + 3], y, yRow + 3 * yStep + c);
            }
            for (; c < upper; c += L) {
                FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
                for (int ci = 0; ci < Cin; ci++) {
                    for (int kh = 0; kh < KH; kh++) {
                        int row = srcOff + ci * plane + (h + kh) * Wp + c;
                        int wk = ci * kk + kh * KW;
                        for (int kw = 0; kw < KW; kw++) {
                            FloatVector xv = FloatVector.fromArray(S, src, row + kw);
                            int o = wk + kw;
                            a0 = xv.fma(FloatVector.broadcast(S, w[w0 + o]), a0);
                            a1 = xv.fma(FloatVector.broadcast(S, w[w1 + o]), a1);
                            a2 = xv.fma(FloatVector.broadcast(S, w[w2 + o]), a2);
                            a3 = xv.fma(FloatVector.broadcast(S, w[w3 + o]), a3);
                        }
                    }
                }
                a0.add(b[co]).intoArray(y, yRow + c);
                if (n > 1) a1.add(b[co + 1]).intoArray(y, yRow + yStep + c);
                if (n > 2) a2.add(b[co + 2]).intoArray(y, yRow + 2 * yStep + c);
                if (n > 3) a3.add(b[co + 3]).intoArray(y, yRow + 3 * yStep + c);
            }
            for (; c < W; c++) {
                for (int j = 0; j < n; j++) {
                    int wo = (co + j) * Cin * kk;
                    float s = b[co + j];
                    for (int ci = 0; ci < Cin; ci++) {
                        for (int kh = 0; kh < KH; kh++) {
                            int row = srcOff + ci * plane + (h + kh) * Wp + c;
                            int wk = wo + ci * kk + kh * KW;
                            for (int kw = 0; kw < KW; kw++) {
                                s += src[row + kw] * w[wk + kw];
                            }
                        }
                    }
                    y[yRow + j * yStep + c] = s;
                }
            }
        }
    }

    private static void store(FloatVector lo, FloatVector hi, float bias, float[] y, int at) {
        lo.add(bias).intoArray(y, at);
        hi.add(bias).intoArray(y, at + L);
    }

    public static void backwardInput(int from, int to, float[] dy, float[] w, float[] dx, int B, int Cin, int Cout,
                                     int H, int W, int KH, int KW) {
        Geometry g = new Geometry(H, W, KH, KW);
        int kk = KH * KW, plane = g.plane(), Wp = g.Wp, upper = S.loopBound(W);
        for (@Parallel int item = from; item < to; ) {
            int bi = item / Cin, ci = item % Cin;
            int n = Math.min(BLOCK, Math.min(to - item, Cin - ci));
            // gradient of the padded input planes ci..ci+n-1, folded back through the reflection below
            float[] dxp = Scratch.floats(1, n * plane);
            java.util.Arrays.fill(dxp, 0, n * plane, 0f);
            for (int co = 0; co < Cout; co++) {
                int dyPlane = (bi * Cout + co) * H * W;
                for (int h = 0; h < H; h++) {
                    int dyRow = dyPlane + h * W;
                    for (int c = 0; c < upper; c += L) {
                        FloatVector g0 = FloatVector.fromArray(S, dy, dyRow + c);
                        for (int j = 0; j < n; j++) {
                            int wo = (co * Cin + ci + j) * kk;
                            for (int kh = 0; kh < KH; kh++) {
                                int pRow = j * plane + (h + kh) * Wp + c;
                                for (int kw = 0; kw < KW; kw++) {
                                    FloatVector acc = FloatVector.fromArray(S, dxp, pRow + kw);
                                    g0.fma(FloatVector.broadcast(S, w[wo + kh * KW + kw]), acc).intoArray(dxp, pRow + kw);
                                }
                            }
                        }
                    }
                    for (int c = upper; c < W; c++) {
                        float gv = dy[dyRow + c];
                        for (int j = 0; j < n; j++) {
                            int wo = (co * Cin + ci + j) * kk;
                            for (int kh = 0; kh < KH; kh++) {
                                int pRow = j * plane + (h + kh) * Wp + c;
                                for (int kw = 0; kw < KW; kw++) {
                                    dxp[pRow + kw] += gv * w[wo + kh * KW + kw];
                                }
                            }
                        }
                    }
                }
            }
            for (int j = 0; j < n; j++) {
                g.foldPadded(dxp, j * plane, dx, ((bi * Cin) + ci + j) * H * W);
            }
            item += n;
        }
    }

    public static void backwardWeight(int from, int to, float[] dy, float[] x, float[] dw, float[] db, int B, int Cin,
                                      int Cout, int H, int W, int KH, int KW) {
        Geometry g = new Geometry(H, W, KH, KW);
        int kk = KH * KW, Wp = g.Wp, upper = S.loopBound(W);
        float[] sums = new float[kk];
        for (@Parallel int item = from; item < to; item++) {
            int co = item / Cin, ci = item % Cin;
            java.util.Arrays.fill(sums, 0f);
            for (int bi = 0; bi < B; bi++) {
                float[] src = x;
                int srcOff = (bi * Cin + ci) * H * W;
                if (g.padded()) {
                    src = Scratch.floats(0, g.plane());
                    g.pad(x, srcOff, 1, src);
                    srcOff = 0;
                }
                int dyPlane = (bi * Cout + co) * H * W;
                for (int kh = 0; kh < KH; kh++) {
                    for (int kw = 0; kw < KW; kw++) {
                        FloatVector acc = FloatVector.zero(S);
                        float s = 0f;
                        for (int h = 0; h < H; h++) {
                            int dyRow = dyPlane + h * W;
                            int xRow = srcOff + (h + kh) * Wp + kw;
                            int c = 0;
                            for (; c < upper; c += L) {
                                acc = FloatVector.fromArray(S, dy, dyRow + c)
                                        .fma(FloatVector.fromArray(S, src, xRow + c), acc);
                            }
                            for (; c < W; c++) {
                                s += dy[dyRow + c] * src[xRow + c];
                            }
                        }
                        sums[kh * KW + kw] += acc.reduceLanes(VectorOperators.ADD) + s;
                    }
                }
            }
            for (int k = 0; k < kk; k++) {
                dw[item * kk + k] += sums[k];
            }
            if (ci == 0) {
                float s = 0f;
                for (int bi = 0; bi < B; bi++) {
                    s += sumPlane(dy, (bi * Cout + co) * H * W, H * W);
                }
                db[co] += s;
            }
        }
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

        boolean padded() {
            return ph > 0 || pw > 0;
        }

        int plane() {
            return Hp * Wp;
        }

        /** Copies {@code planes} consecutive planes of x from {@code off} into dst, reflect-padded. */
        void pad(float[] x, int off, int planes, float[] dst) {
            for (int p = 0; p < planes; p++) {
                int so = off + p * H * W, d = p * plane();
                for (int r = 0; r < Hp; r++) {
                    int srcRow = so + Scratch.reflect(r - ph, H) * W;
                    int dRow = d + r * Wp;
                    for (int c = 0; c < pw; c++) {
                        dst[dRow + c] = x[srcRow + Scratch.reflect(c - pw, W)];
                        dst[dRow + Wp - 1 - c] = x[srcRow + Scratch.reflect(W - 1 + pw - c, W)];
                    }
                    System.arraycopy(x, srcRow, dst, dRow + pw, W);
                }
            }
        }

        /** dx[plane at dxOff] += the padded gradient at src[srcOff ..] folded back through the reflection. */
        void foldPadded(float[] src, int srcOff, float[] dx, int dxOff) {
            for (int r = 0; r < Hp; r++) {
                int dRow = dxOff + Scratch.reflect(r - ph, H) * W;
                int sRow = srcOff + r * Wp;
                for (int c = 0; c < Wp; c++) {
                    dx[dRow + Scratch.reflect(c - pw, W)] += src[sRow + c];
                }
            }
        }
    }
}
