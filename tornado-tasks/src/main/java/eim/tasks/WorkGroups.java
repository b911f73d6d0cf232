package eim.tasks;

/**
 * OpenCL work-group sizes of the kernels that tile through local memory. A task declared with one
 * of these local sizes ({@link Task#local()}) takes its kernel's tiled path; with any other size,
 * or none, the kernel falls back to its plain path. The java backend ignores local sizes.
 */
public final class WorkGroups {
    /** Tile edge of the Linear kernels; must equal {@code LINEAR_TILE} in linear.cl. */
    public static final int LINEAR_TILE = 16;

    private WorkGroups() {}

    /** Local size of every Linear kernel (2-D ranges {M,N}, {M,K}, {N,K}). */
    public static int[] linear() {
        return new int[] {LINEAR_TILE, LINEAR_TILE};
    }
}
