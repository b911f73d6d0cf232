// Twin of eim.tasks.kernels.Timestep. t (N), out (N, dim); range {N, dim/2}.
// freq_i = exp(-ln(maxPeriod) * i / half); out[n, i] = cos(t_n freq_i), out[n, half + i] = sin(t_n freq_i).

__kernel void timestep_embedding(__global const float* t, __global float* out, int N, int dim, int maxPeriod) {
    int n = get_global_id(0), i = get_global_id(1);
    int half = dim / 2;
    if (n >= N || i >= half) return;
    float freq = exp(-log((float) maxPeriod) * (float) i / (float) half);
    float arg = t[n] * freq;
    __global float* row = out + (long) n * dim;
    row[i] = cos(arg);
    row[half + i] = sin(arg);
    if ((dim & 1) && i == 0) row[dim - 1] = 0.0f; // odd dim: zero pad column, as torch
}
