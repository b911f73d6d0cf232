// Twins of eim.tasks.kernels.Dropout. Range {n}; keep element i when rng_uniform(seed, i) >= p.

__kernel void dropout_forward(__global const float* x, __global float* y, int n, float p, int seed) {
    int i = get_global_id(0);
    if (i >= n) return;
    float scale = 1.0f / (1.0f - p);
    y[i] = rng_uniform(seed, i) >= p ? x[i] * scale : 0.0f;
}

__kernel void dropout_backward(__global const float* dy, __global float* dx, int n, float p, int seed) {
    int i = get_global_id(0);
    if (i >= n) return;
    float scale = 1.0f / (1.0f - p);
    if (rng_uniform(seed, i) >= p) dx[i] += dy[i] * scale;
}
