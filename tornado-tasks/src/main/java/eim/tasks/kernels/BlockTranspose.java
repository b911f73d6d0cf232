package eim.tasks.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Matrix transposes for the java backend's GEMMs: Linear's forward transposes x and copies yᵀ
 * back out, and its weight gradient transposes dy. Each destination vector is one gather of LANES
 * source rows (a column of a block of rows) and one vector store. A scalar transpose loads and
 * stores each element on its own, at ~4 cycles per element even from L2. One Zen 4 core, 128 x 384
 * floats (a block of yᵀ) / 512 x 2880: scalar 0.055-0.09 / 4.4-4.6 ms, gathers 0.032 / 1.7-1.8 ms.
 * Rows past the last whole vector take the scalar loop.
 *
 * <p>Permuting blocks of LANES x LANES vectors in registers with two-vector shuffles
 * ({@code rearrange(shuffle, v)}) was faster again (0.023 / 0.7-1.0 ms), but fresh-clone test runs
 * then died with a segmentation fault in 2 of 3 (0 of 3 without it), so it is not used.
 */
final class BlockTranspose {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = S.length();

    private BlockTranspose() {}

    /**
     * dst[d0 + c·ldd + r] = src[so + r·lds + c] for r < rows, c < cols; with a bias (not null),
     * + bias[bo + r] (the bias of the source row, the destination column).
     */
    static void transpose(float[] src, int so, int lds, float[] dst, int d0, int ldd, int rows, int cols, float[] bias,
                          int bo) {
        int rowsEnd = rows / LANES * LANES;
        if (rowsEnd > 0) {
            int[] rowOffsets = new int[LANES];
            for (int i = 0; i < LANES; i++) {
                rowOffsets[i] = i * lds;
            }
            for (int r = 0; r < rowsEnd; r += LANES) {
                int s = so + r * lds, d = d0 + r;
                if (bias == null) {
                    for (int c = 0; c < cols; c++) {
                        FloatVector.fromArray(S, src, s + c, rowOffsets, 0).intoArray(dst, d + c * ldd);
                    }
                } else {
                    FloatVector b = FloatVector.fromArray(S, bias, bo + r);
                    for (int c = 0; c < cols; c++) {
                        FloatVector.fromArray(S, src, s + c, rowOffsets, 0).add(b).intoArray(dst, d + c * ldd);
                    }
                }
            }
        }
        scalar(src, so, lds, dst, d0, ldd, rowsEnd, rows, cols, bias, bo);
    }

    /** Rows [r0, r1) of {@link #transpose}, element by element. */
    static void scalar(float[] src, int so, int lds, float[] dst, int d0, int ldd, int r0, int r1, int cols,
                       float[] bias, int bo) {
        for (int r = r0; r < r1; r++) {
            float add = bias == null ? 0f : bias[bo + r];
            int s = so + r * lds;
            for (int c = 0; c < cols; c++) {
                dst[d0 + c * ldd + r] = bias == null ? src[s + c] : src[s + c] + add;
            }
        }
    }
}
