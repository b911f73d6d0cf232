// Twins of eim.tasks.kernels.ChannelGroups on (B, C, HW) tensors.

// range {B*C*g, HW}: y[b, c*g+k] (= or +=) scale * x[b, c]
__kernel void channel_repeat_interleave(__global const float* x, __global float* y, int B, int C, int HW, int g,
                                        float scale, int accumulate) {
    int row = get_global_id(0), p = get_global_id(1);
    if (row >= B * C * g || p >= HW) return;
    float v = scale * x[(long) (row / g) * HW + p];
    long o = (long) row * HW + p;
    y[o] = accumulate != 0 ? y[o] + v : v;
}

// range {B*C, HW}: y[b, c] (= or +=) scale * sum_k x[b, c*g+k]
__kernel void channel_group_sum(__global const float* x, __global float* y, int B, int C, int HW, int g,
                                float scale, int accumulate) {
    int row = get_global_id(0), p = get_global_id(1);
    if (row >= B * C || p >= HW) return;
    float s = 0.0f;
    for (int k = 0; k < g; k++) s += x[((long) row * g + k) * HW + p];
    float v = scale * s;
    long o = (long) row * HW + p;
    y[o] = accumulate != 0 ? y[o] + v : v;
}
