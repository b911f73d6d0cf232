package eim.tasks.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The java backend's 3x3 convolution as Winograd's F(2x2, 3x3) (Lavin and Gray, 2016): each 2x2
 * block of outputs (a tile) from its 4x4 block of reflect-padded input in 16 multiplications per
 * (input, output) channel pair instead of 36, for the same result up to float rounding (the
 * transforms add and halve; the goldens against PyTorch hold at their tolerance).
 *
 * <p>Per tile and channel, with d the 4x4 input block, g the 3x3 kernel:
 * V = Bᵀ d B (input transform), U = G g Gᵀ (weight transform, once per launch), then for each of
 * the 16 points ξ a GEMM M_ξ (channels out, tiles) = U_ξ (out, in) · V_ξ (in, tiles) on
 * {@link Conv2d#wideTile}'s register tile (8 channels x 3 vectors of tiles), and Y = Aᵀ M A
 * (output transform, + bias) with
 * Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; ½ ½ ½; ½ -½ ½; 0 0 1],
 * Aᵀ = [1 1 1 0; 0 1 -1 -1].
 *
 * <p>Vectors run along tiles: 16 tiles of one tile row, so planes are multiples of 32 columns
 * wide (a tile row of whole vectors) and of 2 rows high, with AVX-512 (16 lanes), and the
 * channels a multiple of 8 ({@link #serves}). The padded input rows are stored with even and odd
 * columns apart, so that the 16 tiles' column c of a row is one contiguous load.
 *
 * <p>The transforms here serve only the java backend's fast path; the portable body (TornadoVM,
 * and the reference the parity tests compare with) is {@link Conv2d#forward}'s direct sum.
 */
final class Conv2dWinograd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Output channels per register tile and tiles per register tile (3 vectors). */
    private static final int CHANNELS = 8, TILES = 3 * 16;
    /** Transformed weights of one block of output channels (floats): its GEMMs' M stays in L2 beside V. */
    private static final int U_BLOCK_FLOATS = 128 * 1024;
    private static final float[] NO_BIAS = new float[CHANNELS];
    /**
     * Extra floats between the 16 points' blocks of V, U and M: blocks a power-of-two multiple of 4 KB
     * apart (24 KB, 1 MB) put the 16 streams a transform reads or writes in one set of the 12-way
     * L1 (one core: transforming 512 x 512 weights 12 -> 4.5 ms with the skew, the input transform at
     * 128 channels 256x256 11.5 -> 7.7 ms).
     */
    private static final int SKEW = 16;
    /**
     * Splitting and interleaving lanes with one-vector rearranges and blends: the even (odd) lanes
     * of a vector packed into both halves; each of the low (high) half's lanes twice. (The
     * two-vector forms, {@code selectFrom(v1, v2)} and {@code rearrange(s, v)}, are newer; a
     * two-vector rearrange crashed fresh-clone test JVMs before, see KERNELS.md.)
     */
    private static final VectorShuffle<Float> EVENS, ODDS, SPREAD_LOW, SPREAD_HIGH;
    /** Lanes 8-15; the odd lanes. */
    private static final VectorMask<Float> HIGH_HALF, ODD_LANES;

    static {
        int[] even = new int[16], odd = new int[16], lo = new int[16], hi = new int[16];
        boolean[] high = new boolean[16], oddLane = new boolean[16];
        for (int i = 0; i < 16; i++) {
            even[i] = 2 * i % 16;
            odd[i] = (2 * i + 1) % 16;
            lo[i] = i / 2;
            hi[i] = 8 + i / 2;
            high[i] = i >= 8;
            oddLane[i] = i % 2 == 1;
        }
        boolean wide = L == 16;
        EVENS = wide ? VectorShuffle.fromArray(S, even, 0) : null;
        ODDS = wide ? VectorShuffle.fromArray(S, odd, 0) : null;
        SPREAD_LOW = wide ? VectorShuffle.fromArray(S, lo, 0) : null;
        SPREAD_HIGH = wide ? VectorShuffle.fromArray(S, hi, 0) : null;
        HIGH_HALF = wide ? VectorMask.fromArray(S, high, 0) : null;
        ODD_LANES = wide ? VectorMask.fromArray(S, oddLane, 0) : null;
    }

    private Conv2dWinograd() {}

    /** Whether this path computes n output channels of 3x3 convolutions over planes H x W. */
    static boolean serves(int H, int W, int KH, int KW, int n) {
        return L == 16 && KH == 3 && KW == 3 && H % 2 == 0 && H >= 4 && W % (2 * L) == 0 && n % CHANNELS == 0 && n > 0;
    }

    /**
     * Output channels co0 .. co0+n-1 of sample bi at tile rows [tr0, tr1) (output rows 2·tr0 ..
     * 2·tr1-1), every column, from their weights transformed by {@link #transformWeights} (once for
     * every sample of a slice). Needs {@link #serves}.
     */
    static void forward(float[] x, float[] u, float[] b, float[] y, int bi, int co0, int n, int Cin, int Cout, int H,
                        int W, int tr0, int tr1) {
        int plane = H * W, tilesPerRow = W / 2, tiles = (tr1 - tr0) * tilesPerRow, Wh = W / 2 + 1, rowLen = 2 * Wh;
        int groups = n / CHANNELS;
        // padded rows 2·tr0 .. 2·tr1+1, each (Cin, evens Wh | odds Wh)
        int a0 = 2 * tr0, a1 = 2 * tr1 + 2;
        float[] xp = Scratch.floats(3, (a1 - a0) * Cin * rowLen);
        for (int a = a0; a < a1; a++) {
            int src = Scratch.reflect(a - 1, H) * W;
            for (int c = 0; c < Cin; c++) {
                deinterleaveRow(x, (bi * Cin + c) * plane + src, W, xp, ((a - a0) * Cin + c) * rowLen, Wh);
            }
        }
        // per block of 48 tiles: V (16 points, Cin, 48) in L2, then per block of output channels
        // (U_BLOCK_FLOATS of U) the 16 GEMMs into M (16, channels, 48) and the output transform
        int vpt = Cin * TILES + SKEW; // from one point's block of V to the next
        float[] v = Scratch.floats(0, 16 * vpt);
        int blockGroups = Math.max(1, Math.min(groups, U_BLOCK_FLOATS / (16 * Cin * CHANNELS)));
        float[] m = Scratch.floats(1, 16 * (blockGroups * CHANNELS * TILES + SKEW));
        int[] rows = new int[Cin]; // V's row of input channel ci within a point's block
        for (int ci = 0; ci < Cin; ci++) {
            rows[ci] = ci * TILES;
        }
        for (int t0 = 0; t0 < tiles; t0 += TILES) {
            int count = Math.min(TILES, tiles - t0);
            transformInput(xp, Cin, rowLen, Wh, tilesPerRow, t0, count, v, vpt);
            for (int g0 = 0; g0 < groups; g0 += blockGroups) {
                int g1 = Math.min(groups, g0 + blockGroups), bc = (g1 - g0) * CHANNELS, mpt = bc * TILES + SKEW;
                for (int xi = 0; xi < 16; xi++) {
                    for (int gi = g0; gi < g1; gi++) {
                        Conv2d.wideTile(v, xi * vpt, xi * vpt + L, xi * vpt + 2 * L, rows, u,
                                xi * (n * Cin + SKEW) + gi * Cin * CHANNELS, NO_BIAS, 0, m,
                                xi * mpt + (gi - g0) * CHANNELS * TILES, TILES, 0, L, 2 * L);
                    }
                }
                transformOutput(m, bc, mpt, b, co0 + g0 * CHANNELS, y, (bi * Cout + co0 + g0 * CHANNELS) * plane, plane, W,
                        tr0 * tilesPerRow + t0, count);
            }
        }
    }

    /**
     * dst[at .. at+Wh) = the even columns of the reflect-padded row (padded column 2k is source
     * column 2k-1, reflected: x1, x1, x3, ..., x(W-1)), dst[at+Wh ..) = its odd columns (x0, x2, ...,
     * x(W-2), x(W-2)).
     */
    private static void deinterleaveRow(float[] x, int row, int W, float[] dst, int at, int Wh) {
        for (int c = 0; c < W; c += 2 * L) {
            FloatVector lo = FloatVector.fromArray(S, x, row + c), hi = FloatVector.fromArray(S, x, row + c + L);
            // source columns c, c+2, ...: odd padded columns; c+1, c+3, ...: even padded ones
            lo.rearrange(EVENS).blend(hi.rearrange(EVENS), HIGH_HALF).intoArray(dst, at + Wh + c / 2);
            lo.rearrange(ODDS).blend(hi.rearrange(ODDS), HIGH_HALF).intoArray(dst, at + 1 + c / 2);
        }
        dst[at] = x[row + 1];
        dst[at + Wh + W / 2] = x[row + W - 2];
    }

    /**
     * v[ξ·pt + ci·48 + t] = (Bᵀ d B)[ξ] for tiles s0 .. s0+count-1 of the slice (t from 0) and
     * every input channel, 16 tiles of one tile row per vector (count is whole vectors: tile rows are).
     */
    private static void transformInput(float[] xp, int Cin, int rowLen, int Wh, int tilesPerRow, int s0, int count,
                                       float[] v, int pt) {
        int stride = Cin * rowLen; // from one padded row to the next
        for (int ci = 0; ci < Cin; ci++) { // each point's row of V written in order
            for (int t = 0; t < count; t += L) {
                int th = (s0 + t) / tilesPerRow, tw = (s0 + t) % tilesPerRow;
                int r0 = (2 * th * Cin + ci) * rowLen + tw;
                // d[r][c]: padded row 2th+r, column 2tw+c: evens at +0 (c 0) / +1 (c 2), odds at Wh (c 1) / Wh+1 (c 3)
                FloatVector d00 = FloatVector.fromArray(S, xp, r0), d01 = FloatVector.fromArray(S, xp, r0 + Wh);
                FloatVector d02 = FloatVector.fromArray(S, xp, r0 + 1), d03 = FloatVector.fromArray(S, xp, r0 + Wh + 1);
                int r1 = r0 + stride, r2 = r1 + stride, r3 = r2 + stride;
                FloatVector d10 = FloatVector.fromArray(S, xp, r1), d11 = FloatVector.fromArray(S, xp, r1 + Wh);
                FloatVector d12 = FloatVector.fromArray(S, xp, r1 + 1), d13 = FloatVector.fromArray(S, xp, r1 + Wh + 1);
                FloatVector d20 = FloatVector.fromArray(S, xp, r2), d21 = FloatVector.fromArray(S, xp, r2 + Wh);
                FloatVector d22 = FloatVector.fromArray(S, xp, r2 + 1), d23 = FloatVector.fromArray(S, xp, r2 + Wh + 1);
                FloatVector d30 = FloatVector.fromArray(S, xp, r3), d31 = FloatVector.fromArray(S, xp, r3 + Wh);
                FloatVector d32 = FloatVector.fromArray(S, xp, r3 + 1), d33 = FloatVector.fromArray(S, xp, r3 + Wh + 1);
                // Bᵀ d: rows d0 - d2, d1 + d2, d2 - d1, d1 - d3
                FloatVector e00 = d00.sub(d20), e01 = d01.sub(d21), e02 = d02.sub(d22), e03 = d03.sub(d23);
                FloatVector e10 = d10.add(d20), e11 = d11.add(d21), e12 = d12.add(d22), e13 = d13.add(d23);
                FloatVector e20 = d20.sub(d10), e21 = d21.sub(d11), e22 = d22.sub(d12), e23 = d23.sub(d13);
                FloatVector e30 = d10.sub(d30), e31 = d11.sub(d31), e32 = d12.sub(d32), e33 = d13.sub(d33);
                // (Bᵀ d) B: columns e0 - e2, e1 + e2, e2 - e1, e1 - e3 of each row
                // (stored here: a helper taking the vectors as arguments ran up to 1.8x slower)
                int o = ci * TILES + t;
                e00.sub(e02).intoArray(v, o);
                e01.add(e02).intoArray(v, o + pt);
                e02.sub(e01).intoArray(v, o + 2 * pt);
                e01.sub(e03).intoArray(v, o + 3 * pt);
                e10.sub(e12).intoArray(v, o + 4 * pt);
                e11.add(e12).intoArray(v, o + 5 * pt);
                e12.sub(e11).intoArray(v, o + 6 * pt);
                e11.sub(e13).intoArray(v, o + 7 * pt);
                e20.sub(e22).intoArray(v, o + 8 * pt);
                e21.add(e22).intoArray(v, o + 9 * pt);
                e22.sub(e21).intoArray(v, o + 10 * pt);
                e21.sub(e23).intoArray(v, o + 11 * pt);
                e30.sub(e32).intoArray(v, o + 12 * pt);
                e31.add(e32).intoArray(v, o + 13 * pt);
                e32.sub(e31).intoArray(v, o + 14 * pt);
                e31.sub(e33).intoArray(v, o + 15 * pt);
            }
        }
    }

    /**
     * U = G g Gᵀ of channels co0 .. co0+n-1, laid out for {@link Conv2d#wideTile}:
     * u[ξ·(n·Cin + SKEW) + (group·Cin + ci)·8 + k] for output channel co0 + 8·group + k.
     */
    static float[] transformWeights(float[] w, int co0, int n, int Cin) {
        int groups = n / CHANNELS;
        int pt = n * Cin + SKEW; // from one point's block to the next
        float[] u = Scratch.floats(5, 16 * pt);
        float[] gg = new float[12]; // G g, (4, 3)
        for (int group = 0; group < groups; group++) { // each point's block of u written in order
            for (int ci = 0; ci < Cin; ci++) {
                for (int k = 0; k < CHANNELS; k++) {
                    int g = ((co0 + group * CHANNELS + k) * Cin + ci) * 9;
                    for (int col = 0; col < 3; col++) { // G g, column by column: 4 rows
                        float g0 = w[g + col], g1 = w[g + 3 + col], g2 = w[g + 6 + col];
                        gg[col] = g0;
                        gg[3 + col] = 0.5f * (g0 + g1 + g2);
                        gg[6 + col] = 0.5f * (g0 - g1 + g2);
                        gg[9 + col] = g2;
                    }
                    int at = (group * Cin + ci) * CHANNELS + k; // point ξ at at + ξ·pt
                    for (int i = 0; i < 4; i++) { // (G g) Gᵀ, row by row: 4 columns
                        float a = gg[3 * i], bb = gg[3 * i + 1], c = gg[3 * i + 2];
                        u[at + 4 * i * pt] = a;
                        u[at + (4 * i + 1) * pt] = 0.5f * (a + bb + c);
                        u[at + (4 * i + 2) * pt] = 0.5f * (a - bb + c);
                        u[at + (4 * i + 3) * pt] = c;
                    }
                }
            }
        }
        return u;
    }

    /**
     * y = Aᵀ M A + bias for the bc channels (from channel c0, planes from yPlane) of the count tiles
     * from slice tile {@code first} held in m[ξ·pt + channel·48 + t].
     */
    private static void transformOutput(float[] m, int bc, int pt, float[] b, int c0, float[] y, int yPlane, int plane, int W,
                                        int first, int count) {
        int tilesPerRow = W / 2;
        for (int ch = 0; ch < bc; ch++) {
            FloatVector bias = FloatVector.broadcast(S, b[c0 + ch]);
            for (int t = 0; t < count; t += L) {
                int o = ch * TILES + t;
                FloatVector m0 = FloatVector.fromArray(S, m, o), m1 = FloatVector.fromArray(S, m, o + pt);
                FloatVector m2 = FloatVector.fromArray(S, m, o + 2 * pt), m3 = FloatVector.fromArray(S, m, o + 3 * pt);
                FloatVector m4 = FloatVector.fromArray(S, m, o + 4 * pt), m5 = FloatVector.fromArray(S, m, o + 5 * pt);
                FloatVector m6 = FloatVector.fromArray(S, m, o + 6 * pt), m7 = FloatVector.fromArray(S, m, o + 7 * pt);
                FloatVector m8 = FloatVector.fromArray(S, m, o + 8 * pt), m9 = FloatVector.fromArray(S, m, o + 9 * pt);
                FloatVector m10 = FloatVector.fromArray(S, m, o + 10 * pt), m11 = FloatVector.fromArray(S, m, o + 11 * pt);
                FloatVector m12 = FloatVector.fromArray(S, m, o + 12 * pt), m13 = FloatVector.fromArray(S, m, o + 13 * pt);
                FloatVector m14 = FloatVector.fromArray(S, m, o + 14 * pt), m15 = FloatVector.fromArray(S, m, o + 15 * pt);
                // Aᵀ M: rows m0 + m1 + m2 and m1 - m2 - m3 (of M's rows of 4 points)
                FloatVector s00 = m0.add(m4).add(m8), s01 = m1.add(m5).add(m9), s02 = m2.add(m6).add(m10),
                        s03 = m3.add(m7).add(m11);
                FloatVector s10 = m4.sub(m8).sub(m12), s11 = m5.sub(m9).sub(m13), s12 = m6.sub(m10).sub(m14),
                        s13 = m7.sub(m11).sub(m15);
                // (Aᵀ M) A: columns s0 + s1 + s2 and s1 - s2 - s3
                FloatVector y00 = s00.add(s01).add(s02).add(bias), y01 = s01.sub(s02).sub(s03).add(bias);
                FloatVector y10 = s10.add(s11).add(s12).add(bias), y11 = s11.sub(s12).sub(s13).add(bias);
                int tile = first + t, th = tile / tilesPerRow, tw = tile % tilesPerRow;
                int out = yPlane + ch * plane + 2 * th * W + 2 * tw;
                y00.rearrange(SPREAD_LOW).blend(y01.rearrange(SPREAD_LOW), ODD_LANES).intoArray(y, out);
                y00.rearrange(SPREAD_HIGH).blend(y01.rearrange(SPREAD_HIGH), ODD_LANES).intoArray(y, out + L);
                y10.rearrange(SPREAD_LOW).blend(y11.rearrange(SPREAD_LOW), ODD_LANES).intoArray(y, out + W);
                y10.rearrange(SPREAD_HIGH).blend(y11.rearrange(SPREAD_HIGH), ODD_LANES).intoArray(y, out + W + L);
            }
        }
    }
}
