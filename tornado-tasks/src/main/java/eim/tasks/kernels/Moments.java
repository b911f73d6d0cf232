package eim.tasks.kernels;

/**
 * Mean and reciprocal standard deviation of a contiguous span, as plain loops portable bodies call
 * (TornadoVM inlines them): the statistics of LayerNorm's rows and GroupNorm's groups. Biased
 * variance, two passes, float accumulation, as PyTorch's CPU kernels in float32.
 */
final class Moments {
    private Moments() {}

    /** Σ x[base .. base+len) / len. */
    static float mean(float[] x, int base, int len) {
        float s = 0f;
        for (int i = 0; i < len; i++) {
            s += x[base + i];
        }
        return s / len;
    }

    /** 1 / sqrt(Σ (x − mean)² / len + eps) over the same span. */
    static float rstd(float[] x, int base, int len, float mean, float eps) {
        float v = 0f;
        for (int i = 0; i < len; i++) {
            float d = x[base + i] - mean;
            v += d * d;
        }
        return 1f / (float) Math.sqrt(v / len + eps);
    }
}
