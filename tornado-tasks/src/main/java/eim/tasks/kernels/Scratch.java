package eim.tasks.kernels;

/**
 * Per-thread scratch arrays for Java kernel bodies that need a temporary row or a padded copy
 * (the portable bodies compute the same values by index arithmetic instead). Contents are undefined
 * on return; each slot is an independent array that only grows.
 */
final class Scratch {
    /**
     * Slots 0..5 belong to the kernels' own bodies; 6..10 to Linear's GEMM ({@link Linear#accumulateProduct}'s
     * packed panels and tile, {@link Linear#forwardTransposed}'s transposed operands), which those bodies call;
     * 11 to the attention heads' scores of one query ({@link AttentionHeads}).
     */
    private static final int SLOTS = 12;
    static final int GEMM_PACKED_B = 6, GEMM_PACKED_A = 7, GEMM_X_T = 8, GEMM_Y_T = 9, GEMM_TILE = 10,
            ATTENTION_SCORES = 11;
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[SLOTS][0]);

    private Scratch() {}

    /** A thread-local array of at least {@code n} floats in {@code slot} (0..11). */
    static float[] floats(int slot, int n) {
        float[][] b = BUFFERS.get();
        if (b[slot].length < n) {
            b[slot] = new float[n];
        }
        return b[slot];
    }

    /** Index of the element that reflect padding reads for position {@code i} of a length-{@code n} axis. */
    static int reflect(int i, int n) {
        if (i < 0) {
            return -i;
        }
        return i >= n ? 2 * (n - 1) - i : i;
    }
}
