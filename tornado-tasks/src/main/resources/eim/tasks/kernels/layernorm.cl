// Twins of eim.tasks.kernels.LayerNorm. x, y, dy, dx (rows, D); w, b, dw, db (D); mean, rstd (rows).
// Biased variance, rstd = 1/sqrt(var + eps); affine is 0/1 (with 0, w and b are not read).

// range {rows}
__kernel void layernorm_forward(__global const float* x, __global const float* w, __global const float* b,
                                __global float* y, __global float* mean, __global float* rstd,
                                int rows, int D, float eps, int affine) {
    int r = get_global_id(0);
    if (r >= rows) return;
    const __global float* xr = x + (long) r * D;
    __global float* yr = y + (long) r * D;
    float s = 0.0f;
    for (int d = 0; d < D; d++) s += xr[d];
    float mu = s / D;
    float ss = 0.0f;
    for (int d = 0; d < D; d++) {
        float c = xr[d] - mu;
        ss = fma(c, c, ss);
    }
    float rs = 1.0f / sqrt(ss / D + eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (int d = 0; d < D; d++) {
        float xhat = (xr[d] - mu) * rs;
        yr[d] = affine ? fma(xhat, w[d], b[d]) : xhat;
    }
}

// range {rows}: dx += rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * w (dy when not affine)
__kernel void layernorm_backward_input(__global const float* dy, __global const float* x, __global const float* w,
                                       __global const float* mean, __global const float* rstd, __global float* dx,
                                       int rows, int D, int affine) {
    int r = get_global_id(0);
    if (r >= rows) return;
    const __global float* xr = x + (long) r * D;
    const __global float* dyr = dy + (long) r * D;
    __global float* dxr = dx + (long) r * D;
    float mu = mean[r], rs = rstd[r];
    float gMean = 0.0f, gxMean = 0.0f;
    for (int d = 0; d < D; d++) {
        float g = affine ? dyr[d] * w[d] : dyr[d];
        gMean += g;
        gxMean = fma(g, (xr[d] - mu) * rs, gxMean);
    }
    gMean /= D;
    gxMean /= D;
    for (int d = 0; d < D; d++) {
        float g = affine ? dyr[d] * w[d] : dyr[d];
        float xhat = (xr[d] - mu) * rs;
        dxr[d] += (g - gMean - xhat * gxMean) * rs;
    }
}

// range {D}: dw += sum_rows dy * xhat; db += sum_rows dy
__kernel void layernorm_backward_params(__global const float* dy, __global const float* x,
                                        __global const float* mean, __global const float* rstd,
                                        __global float* dw, __global float* db, int rows, int D) {
    int d = get_global_id(0);
    if (d >= D) return;
    float sw = 0.0f, sb = 0.0f;
    for (int r = 0; r < rows; r++) {
        float g = dy[(long) r * D + d];
        sw = fma(g, (x[(long) r * D + d] - mean[r]) * rstd[r], sw);
        sb += g;
    }
    dw[d] += sw;
    db[d] += sb;
}
