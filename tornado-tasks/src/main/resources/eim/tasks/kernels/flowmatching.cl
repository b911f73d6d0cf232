// Twins of eim.tasks.kernels.FlowMatching. Rows are tokens (N), columns channels (C or D).

// range {N, C}: xt = t*noise + (1-t)*x0; target = noise - x0
__kernel void flow_interpolate(__global const float* x0, __global const float* noise, __global const float* t,
                               __global float* xt, __global float* target, int N, int C) {
    int n = get_global_id(0), c = get_global_id(1);
    if (n >= N || c >= C) return;
    long i = (long) n * C + c;
    float tn = t[n];
    xt[i] = tn * noise[i] + (1.0f - tn) * x0[i];
    target[i] = noise[i] - x0[i];
}

// range {N}: rowLoss[n] = mean_c (target - pred)^2
__kernel void mse_forward(__global const float* pred, __global const float* target, __global float* rowLoss,
                          int N, int C) {
    int n = get_global_id(0);
    if (n >= N) return;
    long o = (long) n * C;
    float s = 0.0f;
    for (int c = 0; c < C; c++) {
        float e = target[o + c] - pred[o + c];
        s = fma(e, e, s);
    }
    rowLoss[n] = s / C;
}

// range {N, C}: dpred += scale * 2 * (pred - target) / C
__kernel void mse_backward(__global const float* pred, __global const float* target, __global float* dpred,
                           int N, int C, float scale) {
    int n = get_global_id(0), c = get_global_id(1);
    if (n >= N || c >= C) return;
    long i = (long) n * C + c;
    float k = 2.0f * scale / C;
    dpred[i] += k * (pred[i] - target[i]);
}

// range {times*rows, D}: dst[k*rows + r] = src[r]
__kernel void repeat_rows(__global const float* src, __global float* dst, int rows, int D, int times) {
    int j = get_global_id(0), d = get_global_id(1);
    if (j >= times * rows || d >= D) return;
    dst[(long) j * D + d] = src[(long) (j % rows) * D + d];
}

// range {rows, D}: dsrc[r] += sum_k ddst[k*rows + r]
__kernel void repeat_rows_backward(__global const float* ddst, __global float* dsrc, int rows, int D, int times) {
    int r = get_global_id(0), d = get_global_id(1);
    if (r >= rows || d >= D) return;
    float s = 0.0f;
    for (int k = 0; k < times; k++) s += ddst[((long) k * rows + r) * D + d];
    dsrc[(long) r * D + d] += s;
}

// range {n}: x += dt * v
__kernel void euler_step(__global float* x, __global const float* v, float dt, int n) {
    int i = get_global_id(0);
    if (i >= n) return;
    x[i] += dt * v[i];
}

// range {B, C}: rows [0,B) conditional, [B,2B) unconditional; both become u + scale*(c - u)
__kernel void cfg_combine(__global float* v, int B, int C, float scale) {
    int b = get_global_id(0), c = get_global_id(1);
    if (b >= B || c >= C) return;
    long ci = (long) b * C + c, ui = (long) (B + b) * C + c;
    float u = v[ui];
    float mixed = u + scale * (v[ci] - u);
    v[ci] = mixed;
    v[ui] = mixed;
}
