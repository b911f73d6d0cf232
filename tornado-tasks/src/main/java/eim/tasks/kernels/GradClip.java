package eim.tasks.kernels;

/**
 * Host side of {@code torch.nn.utils.clip_grad_norm_}: the global L2 norm of all gradients from the
 * partial sums of squares that {@link Optimizer#SUM_SQUARES} leaves per gradient, and the
 * coefficient every gradient is multiplied by ({@code gscale} of {@link Optimizer#ADAMW_EMA_STEP}).
 */
public final class GradClip {
    /** PyTorch's guard against division by zero in the coefficient. */
    public static final double EPS = 1e-6;

    private GradClip() {}

    /** sqrt(Σ partial) over every array, summed in double. */
    public static double globalNorm(float[]... partialSums) {
        double total = 0;
        for (float[] partial : partialSums) {
            for (float s : partial) {
                total += s;
            }
        }
        return Math.sqrt(total);
    }

    /** min(1, maxNorm / (norm + 1e-6)): gradients shrink only when their norm exceeds maxNorm. */
    public static float coefficient(double norm, double maxNorm) {
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("gradient clipping max norm must be > 0, got " + maxNorm);
        }
        return (float) Math.min(1.0, maxNorm / (norm + EPS));
    }

    /** {@link #coefficient} of the {@link #globalNorm} of the partial sums. */
    public static float coefficient(double maxNorm, float[]... partialSums) {
        return coefficient(globalNorm(partialSums), maxNorm);
    }
}
