// Twins of eim.tasks.kernels.Rope. In place on x (rows, rowStride): in head h of row r the pair
// (colOff + h*hd + 2i, +1) is rotated by p * freq_i, p = r % L + posOff, freq_i = 1/base^(2i/hd).
// The products are not contracted into fma, so the rotation rounds exactly as Java (and torch) do.
#pragma OPENCL FP_CONTRACT OFF

#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
// float32 values computed in double and rounded once, as Java's (float) Math.pow/cos/sin.
#define POWF(a, b) ((float) pow((double) (a), (double) (b)))
#define COSF(a) ((float) cos((double) (a)))
#define SINF(a) ((float) sin((double) (a)))
#else
#define POWF(a, b) pow(a, b)
#define COSF(a) cos(a)
#define SINF(a) sin(a)
#endif

inline void rope_rotate(__global float* x, int rows, int L, int rowStride, int colOff, int H, int hd, int posOff,
                        float base, float direction) {
    int r = get_global_id(0), pair = get_global_id(1);
    int pairsPerHead = hd / 2;
    if (r >= rows || pair >= H * pairsPerHead) return;
    int h = pair / pairsPerHead, i = pair % pairsPerHead;
    float exponent = (float) (2 * i) / (float) hd;
    float freq = 1.0f / POWF(base, exponent);
    float angle = (float) (r % L + posOff) * freq;
    float c = COSF(angle);
    float s = direction * SINF(angle);
    long o = (long) r * rowStride + colOff + h * hd + 2 * i;
    float a = x[o], b = x[o + 1];
    x[o] = a * c - b * s;
    x[o + 1] = b * c + a * s;
}

// range {rows, H*hd/2}: rotate by +angle
__kernel void rope_forward(__global float* x, int rows, int L, int rowStride, int colOff, int H, int hd, int posOff,
                           float base) {
    rope_rotate(x, rows, L, rowStride, colOff, H, hd, posOff, base, 1.0f);
}

// range {rows, H*hd/2}: gradient of the in-place rotation = rotate dx by -angle
__kernel void rope_backward(__global float* dx, int rows, int L, int rowStride, int colOff, int H, int hd,
                            int posOff, float base) {
    rope_rotate(dx, rows, L, rowStride, colOff, H, hd, posOff, base, -1.0f);
}
