// Twins of eim.tasks.kernels.PixelShuffle (authors' 2x2 PixelShuffle / PixelUnshuffle).

// range {B*C, 4*H*W}: y (B,C,2H,2W) from x (B,4C,H,W)
__kernel void pixel_shuffle(__global const float* x, __global float* y, int B, int C, int H, int W, int accumulate) {
    int bc = get_global_id(0), p = get_global_id(1);
    if (bc >= B * C || p >= 4 * H * W) return;
    int row = p / (2 * W), col = p % (2 * W);
    int i = row & 1, j = col & 1, h = row >> 1, w = col >> 1;
    float v = x[((long) bc * 4 + 2 * i + j) * H * W + h * W + w];
    long o = (long) bc * 4 * H * W + p;
    y[o] = accumulate != 0 ? y[o] + v : v;
}

// range {B*4C, (H/2)*(W/2)}: y (B,4C,H/2,W/2) from x (B,C,H,W)
__kernel void pixel_unshuffle(__global const float* x, __global float* y, int B, int C, int H, int W, int accumulate) {
    int bk = get_global_id(0), p = get_global_id(1);
    int H2 = H / 2, W2 = W / 2;
    if (bk >= B * 4 * C || p >= H2 * W2) return;
    int k = bk & 3, i = k >> 1, j = k & 1, h = p / W2, w = p % W2;
    float v = x[(long) (bk >> 2) * H * W + (2 * h + i) * W + 2 * w + j];
    long o = (long) bk * H2 * W2 + p;
    y[o] = accumulate != 0 ? y[o] + v : v;
}
