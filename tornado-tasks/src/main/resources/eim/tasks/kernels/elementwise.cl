// Twins of eim.tasks.kernels.Elementwise. Range {n}, one work item per element.

__kernel void fill(__global float* x, float value, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    x[i] = value;
}

__kernel void copy(__global const float* src, int srcOff, __global float* dst, int dstOff, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    dst[dstOff + i] = src[srcOff + i];
}

__kernel void add_inplace(__global float* y, __global const float* x, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    y[i] += x[i];
}

__kernel void axpy(__global float* y, __global const float* x, float alpha, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    y[i] += alpha * x[i];
}

__kernel void scale(__global float* x, float alpha, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    x[i] *= alpha;
}
