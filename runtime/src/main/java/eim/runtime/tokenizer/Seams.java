package eim.runtime.tokenizer;

/**
 * How visible the token boundaries of a decoded image are: the mean absolute difference between
 * neighbouring pixel columns that straddle a token boundary (every {@code scale} pixels) divided by
 * the same mean over the column pairs inside tokens. About 1 means no seams; compare with the
 * source image's own ratio, which is what the content contributes.
 */
public final class Seams {
    private Seams() {}

    /** images (C, H, W) at offset 0. */
    public static double boundaryRatio(float[] image, int C, int H, int W, int scale) {
        double boundary = 0, interior = 0;
        long nb = 0, ni = 0;
        for (int c = 0; c < C; c++) {
            for (int h = 0; h < H; h++) {
                int row = (c * H + h) * W;
                for (int w = 1; w < W; w++) {
                    double d = Math.abs(image[row + w] - image[row + w - 1]);
                    if (w % scale == 0) {
                        boundary += d;
                        nb++;
                    } else {
                        interior += d;
                        ni++;
                    }
                }
            }
        }
        return (boundary / Math.max(1, nb)) / Math.max(1e-12, interior / Math.max(1, ni));
    }
}
