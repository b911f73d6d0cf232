package eim.tasks.kernels;

import eim.tasks.Kernel;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Channel repeat-interleave and its adjoint, the sum (or mean) of each group of g consecutive
 * channels, on (B, C, HW) tensors: the residual paths of the tokenizer's shuffle resamplers
 * ({@code x.repeat_interleave(4, dim=1)} before an upsampling pixel shuffle, {@code view(b, c/4, 4,
 * h, w).mean(2)} after a downsampling unshuffle). Backward of one is the other with
 * {@code accumulate = 1} (scale 1 for the repeat's gradient, 1/g for the mean's).
 */
public final class ChannelGroups {

    /** range {B·C·g, HW}: y[b, c·g+k] (= or +=) scale·x[b, c]; x (B,C,HW), y (B,C·g,HW). Args: x, y, B, C, HW, g, scale, accumulate. */
    public static final Kernel REPEAT_INTERLEAVE = Kernel.of("channel_repeat_interleave", ChannelGroups::repeatInterleave);

    /** range {B·C, HW}: y[b, c] (= or +=) scale·Σ_k x[b, c·g+k]; x (B,C·g,HW), y (B,C,HW). Args: x, y, B, C, HW, g, scale, accumulate. */
    public static final Kernel GROUP_SUM = Kernel.of("channel_group_sum", ChannelGroups::groupSum);

    private ChannelGroups() {}

    public static void repeatInterleave(int from, int to, float[] x, float[] y, int B, int C, int HW, int g,
                                        float scale, int accumulate) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int row = from + k;
            int xo = (row / g) * HW, yo = row * HW;
            for (@Parallel int p = 0; p < HW; p++) {
                float v = scale * x[xo + p];
                y[yo + p] = accumulate != 0 ? y[yo + p] + v : v;
            }
        }
    }

    public static void groupSum(int from, int to, float[] x, float[] y, int B, int C, int HW, int g, float scale,
                                int accumulate) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int row = from + k;
            int yo = row * HW, xo = row * g * HW;
            for (@Parallel int p = 0; p < HW; p++) {
                float s = 0f;
                for (int j = 0; j < g; j++) {
                    s += x[xo + j * HW + p];
                }
                float v = scale * s;
                y[yo + p] = accumulate != 0 ? y[yo + p] + v : v;
            }
        }
    }
}
