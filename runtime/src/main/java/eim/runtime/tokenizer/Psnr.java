package eim.runtime.tokenizer;

/** Peak signal-to-noise ratio of images in [-1, 1] (measured on the [0, 1] scale, peak 1). */
public final class Psnr {
    private Psnr() {}

    /** Mean squared error on the [0, 1] scale after clamping {@code recon} to [-1, 1]. */
    public static double mse01(float[] target, float[] recon) {
        double s = 0;
        for (int i = 0; i < target.length; i++) {
            double d = (Math.max(-1f, Math.min(1f, recon[i])) - target[i]) / 2.0;
            s += d * d;
        }
        return s / target.length;
    }

    public static double fromMse(double mse) {
        return 10 * Math.log10(1.0 / Math.max(mse, 1e-12));
    }

    /**
     * The baseline a column tokenizer must beat: every pixel column of every image replaced by its
     * mean colour, images (B, C, H, W).
     */
    public static float[] columnMeanColour(float[] images, int B, int C, int H, int W) {
        float[] out = new float[images.length];
        for (int bc = 0; bc < B * C; bc++) {
            int o = bc * H * W;
            for (int w = 0; w < W; w++) {
                double s = 0;
                for (int h = 0; h < H; h++) {
                    s += images[o + h * W + w];
                }
                float m = (float) (s / H);
                for (int h = 0; h < H; h++) {
                    out[o + h * W + w] = m;
                }
            }
        }
        return out;
    }
}
