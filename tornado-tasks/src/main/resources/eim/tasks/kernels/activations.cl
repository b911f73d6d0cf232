// Twins of eim.tasks.kernels.Activations. Range {n}. GELU is the exact erf form.

#define GELU_SQRT1_2 0.70710678118654752440f
#define GELU_INV_SQRT_2PI 0.39894228040143267794f

__kernel void gelu_forward(__global const float* x, __global float* y, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[i];
    y[i] = 0.5f * v * (1.0f + erf(v * GELU_SQRT1_2));
}

__kernel void gelu_backward(__global const float* x, __global const float* dy, __global float* dx, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[i];
    float cdf = 0.5f * (1.0f + erf(v * GELU_SQRT1_2));
    float pdf = GELU_INV_SQRT_2PI * exp(-0.5f * v * v);
    dx[i] += dy[i] * (cdf + v * pdf);
}

inline float sigmoid(float v) {
    return 1.0f / (1.0f + exp(-v));
}

__kernel void silu_forward(__global const float* x, __global float* y, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[i];
    y[i] = v * sigmoid(v);
}

__kernel void silu_backward(__global const float* x, __global const float* dy, __global float* dx, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[i];
    float s = sigmoid(v);
    dx[i] += dy[i] * s * (1.0f + v * (1.0f - s));
}
