package eim.tasks.kernels;

import eim.tasks.Kernel;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * 2x2 pixel shuffle and unshuffle as the tokenizer's authors define them (channel index
 * c·4 + i·2 + j holds the pixel at row offset i, column offset j). Each is the other's adjoint,
 * so the backward of one is the other with {@code accumulate = 1}.
 */
public final class PixelShuffle {

    /**
     * range {B·C, 4·H·W}: y[b,c,2h+i,2w+j] (= or +=) x[b,4c+2i+j,h,w]; x (B,4C,H,W), y (B,C,2H,2W).
     * Args: x, y, B, C, H, W, accumulate.
     */
    public static final Kernel SHUFFLE = Kernel.of("pixel_shuffle", PixelShuffle::pixelShuffle)
            .withFast((from, to, a) -> shuffleFast(from, to, a.f(0), a.f(1), a.i(2), a.i(3), a.i(4), a.i(5), a.i(6)));

    /**
     * range {B·4C, (H/2)·(W/2)}: y[b,4c+2i+j,h,w] (= or +=) x[b,c,2h+i,2w+j]; x (B,C,H,W), y (B,4C,H/2,W/2).
     * Args: x, y, B, C, H, W, accumulate (C, H, W of x).
     */
    public static final Kernel UNSHUFFLE = Kernel.of("pixel_unshuffle", PixelShuffle::pixelUnshuffle)
            .withFast((from, to, a) -> unshuffleFast(from, to, a.f(0), a.f(1), a.i(2), a.i(3), a.i(4), a.i(5), a.i(6)));

    private PixelShuffle() {}

    public static void pixelShuffle(int from, int to, float[] x, float[] y, int B, int C, int H, int W, int accumulate) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int bc = from + k;
            for (@Parallel int p = 0; p < 4 * H * W; p++) {
                int row = p / (2 * W), col = p % (2 * W);
                int i = row & 1, j = col & 1, h = row >> 1, w = col >> 1;
                float v = x[(bc * 4 + 2 * i + j) * H * W + h * W + w];
                int o = bc * 4 * H * W + p;
                y[o] = accumulate != 0 ? y[o] + v : v;
            }
        }
    }

    public static void pixelUnshuffle(int from, int to, float[] x, float[] y, int B, int C, int H, int W, int accumulate) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int bk = from + k;
            int q = bk & 3, i = q >> 1, j = q & 1;
            int H2 = H / 2, W2 = W / 2;
            for (@Parallel int p = 0; p < H2 * W2; p++) {
                int h = p / W2, w = p % W2;
                float v = x[(bk >> 2) * H * W + (2 * h + i) * W + 2 * w + j];
                int o = bk * H2 * W2 + p;
                y[o] = accumulate != 0 ? y[o] + v : v;
            }
        }
    }

    /** The slice [from, to) of {@link #pixelShuffle} plane by plane, without a division per element. */
    static void shuffleFast(int from, int to, float[] x, float[] y, int B, int C, int H, int W, int accumulate) {
        int W2 = 2 * W;
        for (int bc = from; bc < to; bc++) {
            int yo = bc * 4 * H * W;
            for (int k = 0; k < 4; k++) {
                int i = k >> 1, j = k & 1;
                int xo = (bc * 4 + k) * H * W;
                for (int h = 0; h < H; h++) {
                    int yRow = yo + (2 * h + i) * W2 + j;
                    for (int w = 0; w < W; w++) {
                        float v = x[xo + h * W + w];
                        y[yRow + 2 * w] = accumulate != 0 ? y[yRow + 2 * w] + v : v;
                    }
                }
            }
        }
    }

    /** The slice [from, to) of {@link #pixelUnshuffle} plane by plane, without a division per element. */
    static void unshuffleFast(int from, int to, float[] x, float[] y, int B, int C, int H, int W, int accumulate) {
        int H2 = H / 2, W2 = W / 2;
        for (int bk = from; bk < to; bk++) {
            int k = bk & 3, i = k >> 1, j = k & 1;
            int xo = (bk >> 2) * H * W, yo = bk * H2 * W2;
            for (int h = 0; h < H2; h++) {
                int xRow = xo + (2 * h + i) * W + j;
                for (int w = 0; w < W2; w++) {
                    float v = x[xRow + 2 * w];
                    int o = yo + h * W2 + w;
                    y[o] = accumulate != 0 ? y[o] + v : v;
                }
            }
        }
    }
}
