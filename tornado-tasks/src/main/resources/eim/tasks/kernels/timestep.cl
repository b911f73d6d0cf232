// Twin of eim.tasks.kernels.Timestep. t (N), out (N, dim); range {N, dim/2}. (half is a type in OpenCL C.)
// freq_i = exp(-ln(maxPeriod) * i / halfDim); out[n, i] = cos(t_n freq_i), out[n, halfDim + i] = sin(t_n freq_i).

__kernel void timestep_embedding(__global const float* t, __global float* out, int N, int dim, int maxPeriod) {
    int n = get_global_id(0), i = get_global_id(1);
    int halfDim = dim / 2;
    if (n >= N || i >= halfDim) return;
    float freq = exp(-log((float) maxPeriod) * (float) i / (float) halfDim);
    float arg = t[n] * freq;
    __global float* row = out + (long) n * dim;
    row[i] = cos(arg);
    row[halfDim + i] = sin(arg);
    if ((dim & 1) && i == 0) row[dim - 1] = 0.0f; // odd dim: zero pad column, as torch
}
