package eim.tasks.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix transposes for the java backend's GEMMs (Linear's forward transposes x and yᵀ, its weight
 * gradient dy), one square block of vectors at a time: LANES rows loaded as vectors, log2(LANES)
 * stages of two-vector shuffles, LANES vectors stored. A scalar transpose loads and stores every
 * element on its own and ran at ~4 cycles per element from L2 (one Zen 4 core: 0.055 ms for a
 * 128 x 384 block, 4.3 ms for 512 x 2880; in blocks of 16 x 16 vectors 0.01 and 0.83-0.99 ms).
 * Unrolled by hand, with each vector in a local: vectors kept in an array are boxed on the heap
 * (2.5x slower than the scalar loop). Written for 16 and 8 lanes (AVX-512, AVX2); other widths
 * take the scalar loop. Rows and columns past the last whole block take the scalar loop too.
 */
final class BlockTranspose {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();
    /**
     * Stage s pairs rows r and r + b (b = LANES >> (s + 1)): LO takes the even b-lane blocks of both
     * (the first row's block, then the second's), HI the odd ones. Indexes below 0 pick from the
     * second vector (the Vector API's exceptional indexes).
     */
    private static final VectorShuffle<Float>[] LO, HI;

    static {
        int stages = Integer.numberOfTrailingZeros(LANES);
        @SuppressWarnings("unchecked")
        VectorShuffle<Float>[] lo = new VectorShuffle[stages], hi = new VectorShuffle[stages];
        for (int s = 0; s < stages; s++) {
            int b = LANES >> (s + 1);
            int[] l = new int[LANES], h = new int[LANES];
            for (int i = 0; i < LANES; i++) {
                int block = i / b, offset = i % b, pair = block / 2;
                int fromSecond = block % 2 == 1 ? -LANES : 0;
                l[i] = 2 * pair * b + offset + fromSecond;
                h[i] = (2 * pair + 1) * b + offset + fromSecond;
            }
            lo[s] = VectorShuffle.fromArray(S, l, 0);
            hi[s] = VectorShuffle.fromArray(S, h, 0);
        }
        LO = lo;
        HI = hi;
    }

    private BlockTranspose() {}

    /**
     * dst[d0 + c·ldd + r] = src[so + r·lds + c] for r < rows, c < cols; with a bias (not null),
     * + bias[bo + r] (the bias of the source row, the destination column).
     */
    static void transpose(float[] src, int so, int lds, float[] dst, int d0, int ldd, int rows, int cols, float[] bias,
                          int bo) {
        boolean blocks = (LANES == 16 || LANES == 8);
        int rowsEnd = blocks ? rows / LANES * LANES : 0, colsEnd = blocks ? cols / LANES * LANES : 0;
        for (int r = 0; r < rowsEnd; r += LANES) {
            for (int c = 0; c < colsEnd; c += LANES) {
                int s = so + r * lds + c, d = d0 + c * ldd + r;
                if (bias == null) {
                    if (LANES == 16) {
                        block16(src, s, lds, dst, d, ldd);
                    } else {
                        block8(src, s, lds, dst, d, ldd);
                    }
                } else if (LANES == 16) {
                    block16Bias(src, s, lds, dst, d, ldd, bias, bo + r);
                } else {
                    block8Bias(src, s, lds, dst, d, ldd, bias, bo + r);
                }
            }
            scalar(src, so, lds, dst, d0, ldd, r, r + LANES, colsEnd, cols, bias, bo);
        }
        scalar(src, so, lds, dst, d0, ldd, rowsEnd, rows, 0, cols, bias, bo);
    }

    /** Rows [r0, r1) x columns [c0, c1) of {@link #transpose}, element by element. */
    static void scalar(float[] src, int so, int lds, float[] dst, int d0, int ldd, int r0, int r1, int c0, int c1,
                       float[] bias, int bo) {
        for (int r = r0; r < r1; r++) {
            float add = bias == null ? 0f : bias[bo + r];
            int s = so + r * lds;
            for (int c = c0; c < c1; c++) {
                dst[d0 + c * ldd + r] = bias == null ? src[s + c] : src[s + c] + add;
            }
        }
    }

    private static void block16(float[] src, int so, int lds, float[] dst, int d0, int ldd) {
        FloatVector v0 = FloatVector.fromArray(S, src, so + 0 * lds);
        FloatVector v1 = FloatVector.fromArray(S, src, so + 1 * lds);
        FloatVector v2 = FloatVector.fromArray(S, src, so + 2 * lds);
        FloatVector v3 = FloatVector.fromArray(S, src, so + 3 * lds);
        FloatVector v4 = FloatVector.fromArray(S, src, so + 4 * lds);
        FloatVector v5 = FloatVector.fromArray(S, src, so + 5 * lds);
        FloatVector v6 = FloatVector.fromArray(S, src, so + 6 * lds);
        FloatVector v7 = FloatVector.fromArray(S, src, so + 7 * lds);
        FloatVector v8 = FloatVector.fromArray(S, src, so + 8 * lds);
        FloatVector v9 = FloatVector.fromArray(S, src, so + 9 * lds);
        FloatVector v10 = FloatVector.fromArray(S, src, so + 10 * lds);
        FloatVector v11 = FloatVector.fromArray(S, src, so + 11 * lds);
        FloatVector v12 = FloatVector.fromArray(S, src, so + 12 * lds);
        FloatVector v13 = FloatVector.fromArray(S, src, so + 13 * lds);
        FloatVector v14 = FloatVector.fromArray(S, src, so + 14 * lds);
        FloatVector v15 = FloatVector.fromArray(S, src, so + 15 * lds);
        FloatVector s0x0 = v0.rearrange(LO[0], v8), s0x8 = v0.rearrange(HI[0], v8);
        FloatVector s0x1 = v1.rearrange(LO[0], v9), s0x9 = v1.rearrange(HI[0], v9);
        FloatVector s0x2 = v2.rearrange(LO[0], v10), s0x10 = v2.rearrange(HI[0], v10);
        FloatVector s0x3 = v3.rearrange(LO[0], v11), s0x11 = v3.rearrange(HI[0], v11);
        FloatVector s0x4 = v4.rearrange(LO[0], v12), s0x12 = v4.rearrange(HI[0], v12);
        FloatVector s0x5 = v5.rearrange(LO[0], v13), s0x13 = v5.rearrange(HI[0], v13);
        FloatVector s0x6 = v6.rearrange(LO[0], v14), s0x14 = v6.rearrange(HI[0], v14);
        FloatVector s0x7 = v7.rearrange(LO[0], v15), s0x15 = v7.rearrange(HI[0], v15);
        FloatVector s1x0 = s0x0.rearrange(LO[1], s0x4), s1x4 = s0x0.rearrange(HI[1], s0x4);
        FloatVector s1x1 = s0x1.rearrange(LO[1], s0x5), s1x5 = s0x1.rearrange(HI[1], s0x5);
        FloatVector s1x2 = s0x2.rearrange(LO[1], s0x6), s1x6 = s0x2.rearrange(HI[1], s0x6);
        FloatVector s1x3 = s0x3.rearrange(LO[1], s0x7), s1x7 = s0x3.rearrange(HI[1], s0x7);
        FloatVector s1x8 = s0x8.rearrange(LO[1], s0x12), s1x12 = s0x8.rearrange(HI[1], s0x12);
        FloatVector s1x9 = s0x9.rearrange(LO[1], s0x13), s1x13 = s0x9.rearrange(HI[1], s0x13);
        FloatVector s1x10 = s0x10.rearrange(LO[1], s0x14), s1x14 = s0x10.rearrange(HI[1], s0x14);
        FloatVector s1x11 = s0x11.rearrange(LO[1], s0x15), s1x15 = s0x11.rearrange(HI[1], s0x15);
        FloatVector s2x0 = s1x0.rearrange(LO[2], s1x2), s2x2 = s1x0.rearrange(HI[2], s1x2);
        FloatVector s2x1 = s1x1.rearrange(LO[2], s1x3), s2x3 = s1x1.rearrange(HI[2], s1x3);
        FloatVector s2x4 = s1x4.rearrange(LO[2], s1x6), s2x6 = s1x4.rearrange(HI[2], s1x6);
        FloatVector s2x5 = s1x5.rearrange(LO[2], s1x7), s2x7 = s1x5.rearrange(HI[2], s1x7);
        FloatVector s2x8 = s1x8.rearrange(LO[2], s1x10), s2x10 = s1x8.rearrange(HI[2], s1x10);
        FloatVector s2x9 = s1x9.rearrange(LO[2], s1x11), s2x11 = s1x9.rearrange(HI[2], s1x11);
        FloatVector s2x12 = s1x12.rearrange(LO[2], s1x14), s2x14 = s1x12.rearrange(HI[2], s1x14);
        FloatVector s2x13 = s1x13.rearrange(LO[2], s1x15), s2x15 = s1x13.rearrange(HI[2], s1x15);
        FloatVector s3x0 = s2x0.rearrange(LO[3], s2x1), s3x1 = s2x0.rearrange(HI[3], s2x1);
        FloatVector s3x2 = s2x2.rearrange(LO[3], s2x3), s3x3 = s2x2.rearrange(HI[3], s2x3);
        FloatVector s3x4 = s2x4.rearrange(LO[3], s2x5), s3x5 = s2x4.rearrange(HI[3], s2x5);
        FloatVector s3x6 = s2x6.rearrange(LO[3], s2x7), s3x7 = s2x6.rearrange(HI[3], s2x7);
        FloatVector s3x8 = s2x8.rearrange(LO[3], s2x9), s3x9 = s2x8.rearrange(HI[3], s2x9);
        FloatVector s3x10 = s2x10.rearrange(LO[3], s2x11), s3x11 = s2x10.rearrange(HI[3], s2x11);
        FloatVector s3x12 = s2x12.rearrange(LO[3], s2x13), s3x13 = s2x12.rearrange(HI[3], s2x13);
        FloatVector s3x14 = s2x14.rearrange(LO[3], s2x15), s3x15 = s2x14.rearrange(HI[3], s2x15);
        s3x0.intoArray(dst, d0 + 0 * ldd);
        s3x1.intoArray(dst, d0 + 1 * ldd);
        s3x2.intoArray(dst, d0 + 2 * ldd);
        s3x3.intoArray(dst, d0 + 3 * ldd);
        s3x4.intoArray(dst, d0 + 4 * ldd);
        s3x5.intoArray(dst, d0 + 5 * ldd);
        s3x6.intoArray(dst, d0 + 6 * ldd);
        s3x7.intoArray(dst, d0 + 7 * ldd);
        s3x8.intoArray(dst, d0 + 8 * ldd);
        s3x9.intoArray(dst, d0 + 9 * ldd);
        s3x10.intoArray(dst, d0 + 10 * ldd);
        s3x11.intoArray(dst, d0 + 11 * ldd);
        s3x12.intoArray(dst, d0 + 12 * ldd);
        s3x13.intoArray(dst, d0 + 13 * ldd);
        s3x14.intoArray(dst, d0 + 14 * ldd);
        s3x15.intoArray(dst, d0 + 15 * ldd);
    }

    private static void block16Bias(float[] src, int so, int lds, float[] dst, int d0, int ldd, float[] bias, int bo) {
        FloatVector v0 = FloatVector.fromArray(S, src, so + 0 * lds);
        FloatVector v1 = FloatVector.fromArray(S, src, so + 1 * lds);
        FloatVector v2 = FloatVector.fromArray(S, src, so + 2 * lds);
        FloatVector v3 = FloatVector.fromArray(S, src, so + 3 * lds);
        FloatVector v4 = FloatVector.fromArray(S, src, so + 4 * lds);
        FloatVector v5 = FloatVector.fromArray(S, src, so + 5 * lds);
        FloatVector v6 = FloatVector.fromArray(S, src, so + 6 * lds);
        FloatVector v7 = FloatVector.fromArray(S, src, so + 7 * lds);
        FloatVector v8 = FloatVector.fromArray(S, src, so + 8 * lds);
        FloatVector v9 = FloatVector.fromArray(S, src, so + 9 * lds);
        FloatVector v10 = FloatVector.fromArray(S, src, so + 10 * lds);
        FloatVector v11 = FloatVector.fromArray(S, src, so + 11 * lds);
        FloatVector v12 = FloatVector.fromArray(S, src, so + 12 * lds);
        FloatVector v13 = FloatVector.fromArray(S, src, so + 13 * lds);
        FloatVector v14 = FloatVector.fromArray(S, src, so + 14 * lds);
        FloatVector v15 = FloatVector.fromArray(S, src, so + 15 * lds);
        FloatVector s0x0 = v0.rearrange(LO[0], v8), s0x8 = v0.rearrange(HI[0], v8);
        FloatVector s0x1 = v1.rearrange(LO[0], v9), s0x9 = v1.rearrange(HI[0], v9);
        FloatVector s0x2 = v2.rearrange(LO[0], v10), s0x10 = v2.rearrange(HI[0], v10);
        FloatVector s0x3 = v3.rearrange(LO[0], v11), s0x11 = v3.rearrange(HI[0], v11);
        FloatVector s0x4 = v4.rearrange(LO[0], v12), s0x12 = v4.rearrange(HI[0], v12);
        FloatVector s0x5 = v5.rearrange(LO[0], v13), s0x13 = v5.rearrange(HI[0], v13);
        FloatVector s0x6 = v6.rearrange(LO[0], v14), s0x14 = v6.rearrange(HI[0], v14);
        FloatVector s0x7 = v7.rearrange(LO[0], v15), s0x15 = v7.rearrange(HI[0], v15);
        FloatVector s1x0 = s0x0.rearrange(LO[1], s0x4), s1x4 = s0x0.rearrange(HI[1], s0x4);
        FloatVector s1x1 = s0x1.rearrange(LO[1], s0x5), s1x5 = s0x1.rearrange(HI[1], s0x5);
        FloatVector s1x2 = s0x2.rearrange(LO[1], s0x6), s1x6 = s0x2.rearrange(HI[1], s0x6);
        FloatVector s1x3 = s0x3.rearrange(LO[1], s0x7), s1x7 = s0x3.rearrange(HI[1], s0x7);
        FloatVector s1x8 = s0x8.rearrange(LO[1], s0x12), s1x12 = s0x8.rearrange(HI[1], s0x12);
        FloatVector s1x9 = s0x9.rearrange(LO[1], s0x13), s1x13 = s0x9.rearrange(HI[1], s0x13);
        FloatVector s1x10 = s0x10.rearrange(LO[1], s0x14), s1x14 = s0x10.rearrange(HI[1], s0x14);
        FloatVector s1x11 = s0x11.rearrange(LO[1], s0x15), s1x15 = s0x11.rearrange(HI[1], s0x15);
        FloatVector s2x0 = s1x0.rearrange(LO[2], s1x2), s2x2 = s1x0.rearrange(HI[2], s1x2);
        FloatVector s2x1 = s1x1.rearrange(LO[2], s1x3), s2x3 = s1x1.rearrange(HI[2], s1x3);
        FloatVector s2x4 = s1x4.rearrange(LO[2], s1x6), s2x6 = s1x4.rearrange(HI[2], s1x6);
        FloatVector s2x5 = s1x5.rearrange(LO[2], s1x7), s2x7 = s1x5.rearrange(HI[2], s1x7);
        FloatVector s2x8 = s1x8.rearrange(LO[2], s1x10), s2x10 = s1x8.rearrange(HI[2], s1x10);
        FloatVector s2x9 = s1x9.rearrange(LO[2], s1x11), s2x11 = s1x9.rearrange(HI[2], s1x11);
        FloatVector s2x12 = s1x12.rearrange(LO[2], s1x14), s2x14 = s1x12.rearrange(HI[2], s1x14);
        FloatVector s2x13 = s1x13.rearrange(LO[2], s1x15), s2x15 = s1x13.rearrange(HI[2], s1x15);
        FloatVector s3x0 = s2x0.rearrange(LO[3], s2x1), s3x1 = s2x0.rearrange(HI[3], s2x1);
        FloatVector s3x2 = s2x2.rearrange(LO[3], s2x3), s3x3 = s2x2.rearrange(HI[3], s2x3);
        FloatVector s3x4 = s2x4.rearrange(LO[3], s2x5), s3x5 = s2x4.rearrange(HI[3], s2x5);
        FloatVector s3x6 = s2x6.rearrange(LO[3], s2x7), s3x7 = s2x6.rearrange(HI[3], s2x7);
        FloatVector s3x8 = s2x8.rearrange(LO[3], s2x9), s3x9 = s2x8.rearrange(HI[3], s2x9);
        FloatVector s3x10 = s2x10.rearrange(LO[3], s2x11), s3x11 = s2x10.rearrange(HI[3], s2x11);
        FloatVector s3x12 = s2x12.rearrange(LO[3], s2x13), s3x13 = s2x12.rearrange(HI[3], s2x13);
        FloatVector s3x14 = s2x14.rearrange(LO[3], s2x15), s3x15 = s2x14.rearrange(HI[3], s2x15);
        FloatVector b = FloatVector.fromArray(S, bias, bo);
        s3x0.add(b).intoArray(dst, d0 + 0 * ldd);
        s3x1.add(b).intoArray(dst, d0 + 1 * ldd);
        s3x2.add(b).intoArray(dst, d0 + 2 * ldd);
        s3x3.add(b).intoArray(dst, d0 + 3 * ldd);
        s3x4.add(b).intoArray(dst, d0 + 4 * ldd);
        s3x5.add(b).intoArray(dst, d0 + 5 * ldd);
        s3x6.add(b).intoArray(dst, d0 + 6 * ldd);
        s3x7.add(b).intoArray(dst, d0 + 7 * ldd);
        s3x8.add(b).intoArray(dst, d0 + 8 * ldd);
        s3x9.add(b).intoArray(dst, d0 + 9 * ldd);
        s3x10.add(b).intoArray(dst, d0 + 10 * ldd);
        s3x11.add(b).intoArray(dst, d0 + 11 * ldd);
        s3x12.add(b).intoArray(dst, d0 + 12 * ldd);
        s3x13.add(b).intoArray(dst, d0 + 13 * ldd);
        s3x14.add(b).intoArray(dst, d0 + 14 * ldd);
        s3x15.add(b).intoArray(dst, d0 + 15 * ldd);
    }

    private static void block8(float[] src, int so, int lds, float[] dst, int d0, int ldd) {
        FloatVector v0 = FloatVector.fromArray(S, src, so + 0 * lds);
        FloatVector v1 = FloatVector.fromArray(S, src, so + 1 * lds);
        FloatVector v2 = FloatVector.fromArray(S, src, so + 2 * lds);
        FloatVector v3 = FloatVector.fromArray(S, src, so + 3 * lds);
        FloatVector v4 = FloatVector.fromArray(S, src, so + 4 * lds);
        FloatVector v5 = FloatVector.fromArray(S, src, so + 5 * lds);
        FloatVector v6 = FloatVector.fromArray(S, src, so + 6 * lds);
        FloatVector v7 = FloatVector.fromArray(S, src, so + 7 * lds);
        FloatVector s0x0 = v0.rearrange(LO[0], v4), s0x4 = v0.rearrange(HI[0], v4);
        FloatVector s0x1 = v1.rearrange(LO[0], v5), s0x5 = v1.rearrange(HI[0], v5);
        FloatVector s0x2 = v2.rearrange(LO[0], v6), s0x6 = v2.rearrange(HI[0], v6);
        FloatVector s0x3 = v3.rearrange(LO[0], v7), s0x7 = v3.rearrange(HI[0], v7);
        FloatVector s1x0 = s0x0.rearrange(LO[1], s0x2), s1x2 = s0x0.rearrange(HI[1], s0x2);
        FloatVector s1x1 = s0x1.rearrange(LO[1], s0x3), s1x3 = s0x1.rearrange(HI[1], s0x3);
        FloatVector s1x4 = s0x4.rearrange(LO[1], s0x6), s1x6 = s0x4.rearrange(HI[1], s0x6);
        FloatVector s1x5 = s0x5.rearrange(LO[1], s0x7), s1x7 = s0x5.rearrange(HI[1], s0x7);
        FloatVector s2x0 = s1x0.rearrange(LO[2], s1x1), s2x1 = s1x0.rearrange(HI[2], s1x1);
        FloatVector s2x2 = s1x2.rearrange(LO[2], s1x3), s2x3 = s1x2.rearrange(HI[2], s1x3);
        FloatVector s2x4 = s1x4.rearrange(LO[2], s1x5), s2x5 = s1x4.rearrange(HI[2], s1x5);
        FloatVector s2x6 = s1x6.rearrange(LO[2], s1x7), s2x7 = s1x6.rearrange(HI[2], s1x7);
        s2x0.intoArray(dst, d0 + 0 * ldd);
        s2x1.intoArray(dst, d0 + 1 * ldd);
        s2x2.intoArray(dst, d0 + 2 * ldd);
        s2x3.intoArray(dst, d0 + 3 * ldd);
        s2x4.intoArray(dst, d0 + 4 * ldd);
        s2x5.intoArray(dst, d0 + 5 * ldd);
        s2x6.intoArray(dst, d0 + 6 * ldd);
        s2x7.intoArray(dst, d0 + 7 * ldd);
    }

    private static void block8Bias(float[] src, int so, int lds, float[] dst, int d0, int ldd, float[] bias, int bo) {
        FloatVector v0 = FloatVector.fromArray(S, src, so + 0 * lds);
        FloatVector v1 = FloatVector.fromArray(S, src, so + 1 * lds);
        FloatVector v2 = FloatVector.fromArray(S, src, so + 2 * lds);
        FloatVector v3 = FloatVector.fromArray(S, src, so + 3 * lds);
        FloatVector v4 = FloatVector.fromArray(S, src, so + 4 * lds);
        FloatVector v5 = FloatVector.fromArray(S, src, so + 5 * lds);
        FloatVector v6 = FloatVector.fromArray(S, src, so + 6 * lds);
        FloatVector v7 = FloatVector.fromArray(S, src, so + 7 * lds);
        FloatVector s0x0 = v0.rearrange(LO[0], v4), s0x4 = v0.rearrange(HI[0], v4);
        FloatVector s0x1 = v1.rearrange(LO[0], v5), s0x5 = v1.rearrange(HI[0], v5);
        FloatVector s0x2 = v2.rearrange(LO[0], v6), s0x6 = v2.rearrange(HI[0], v6);
        FloatVector s0x3 = v3.rearrange(LO[0], v7), s0x7 = v3.rearrange(HI[0], v7);
        FloatVector s1x0 = s0x0.rearrange(LO[1], s0x2), s1x2 = s0x0.rearrange(HI[1], s0x2);
        FloatVector s1x1 = s0x1.rearrange(LO[1], s0x3), s1x3 = s0x1.rearrange(HI[1], s0x3);
        FloatVector s1x4 = s0x4.rearrange(LO[1], s0x6), s1x6 = s0x4.rearrange(HI[1], s0x6);
        FloatVector s1x5 = s0x5.rearrange(LO[1], s0x7), s1x7 = s0x5.rearrange(HI[1], s0x7);
        FloatVector s2x0 = s1x0.rearrange(LO[2], s1x1), s2x1 = s1x0.rearrange(HI[2], s1x1);
        FloatVector s2x2 = s1x2.rearrange(LO[2], s1x3), s2x3 = s1x2.rearrange(HI[2], s1x3);
        FloatVector s2x4 = s1x4.rearrange(LO[2], s1x5), s2x5 = s1x4.rearrange(HI[2], s1x5);
        FloatVector s2x6 = s1x6.rearrange(LO[2], s1x7), s2x7 = s1x6.rearrange(HI[2], s1x7);
        FloatVector b = FloatVector.fromArray(S, bias, bo);
        s2x0.add(b).intoArray(dst, d0 + 0 * ldd);
        s2x1.add(b).intoArray(dst, d0 + 1 * ldd);
        s2x2.add(b).intoArray(dst, d0 + 2 * ldd);
        s2x3.add(b).intoArray(dst, d0 + 3 * ldd);
        s2x4.add(b).intoArray(dst, d0 + 4 * ldd);
        s2x5.add(b).intoArray(dst, d0 + 5 * ldd);
        s2x6.add(b).intoArray(dst, d0 + 6 * ldd);
        s2x7.add(b).intoArray(dst, d0 + 7 * ldd);
    }
}
