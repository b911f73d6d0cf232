package eim.tasks.kernels;

/**
 * Per-thread scratch arrays for Java kernel bodies that need a temporary row or a padded copy
 * (the portable bodies compute the same values by index arithmetic instead). Contents are undefined
 * on return; each slot is an independent array that only grows.
 */
final class Scratch {
    private static final int SLOTS = 6;
    private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[SLOTS][0]);

    private Scratch() {}

    /** A thread-local array of at least {@code n} floats in {@code slot} (0..5). */
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
