// Twins of eim.tasks.kernels.AdaLN. xn, h, dh, dxn, x, dx (rows, W); mod, dmod (rows, modStride) with
// the shift / scale / gate chunks at column offsets shiftOff / scaleOff / gateOff. Range {rows, W}.

__kernel void modulate_forward(__global const float* xn, __global const float* mod, __global float* h,
                               int rows, int W, int modStride, int shiftOff, int scaleOff) {
    int r = get_global_id(0), c = get_global_id(1);
    if (r >= rows || c >= W) return;
    long i = (long) r * W + c, m = (long) r * modStride + c;
    h[i] = xn[i] * (1.0f + mod[m + scaleOff]) + mod[m + shiftOff];
}

__kernel void modulate_backward(__global const float* xn, __global const float* mod, __global const float* dh,
                                __global float* dxn, __global float* dmod,
                                int rows, int W, int modStride, int shiftOff, int scaleOff) {
    int r = get_global_id(0), c = get_global_id(1);
    if (r >= rows || c >= W) return;
    long i = (long) r * W + c, m = (long) r * modStride + c;
    float g = dh[i];
    dxn[i] += g * (1.0f + mod[m + scaleOff]);
    dmod[m + shiftOff] += g;
    dmod[m + scaleOff] += g * xn[i];
}

__kernel void gate_add_forward(__global float* x, __global const float* h, __global const float* mod,
                               int rows, int W, int modStride, int gateOff) {
    int r = get_global_id(0), c = get_global_id(1);
    if (r >= rows || c >= W) return;
    long i = (long) r * W + c;
    x[i] += mod[(long) r * modStride + gateOff + c] * h[i];
}

__kernel void gate_add_backward(__global const float* dx, __global const float* h, __global const float* mod,
                                __global float* dh, __global float* dmod, int rows, int W, int modStride, int gateOff) {
    int r = get_global_id(0), c = get_global_id(1);
    if (r >= rows || c >= W) return;
    long i = (long) r * W + c, g = (long) r * modStride + gateOff + c;
    float d = dx[i];
    dh[i] += d * mod[g];
    dmod[g] += d * h[i];
}
