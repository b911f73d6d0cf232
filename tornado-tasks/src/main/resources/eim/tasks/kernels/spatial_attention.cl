// Twins of eim.tasks.kernels.SpatialAttention: softmax attention over the N positions of a
// feature map; q, k, v, out channel-major (B,C,N); lse (B*N). Scores are scaled by 1/sqrt(C).

inline float sa_score(__global const float* a, __global const float* b, int i, int j, int C, int N, float scale) {
    float s = 0.0f;
    for (int c = 0; c < C; c++) s = fma(a[(long) c * N + i] * scale, b[(long) c * N + j], s);
    return s;
}

// range {B*N}: two passes over the keys (max and sum, then the weighted values)
__kernel void spatial_attention_forward(__global const float* q, __global const float* k, __global const float* v,
                                        __global float* out, __global float* lse, int B, int C, int N) {
    int item = get_global_id(0);
    if (item >= B * N) return;
    long bo = (long) (item / N) * C * N;
    int i = item % N;
    float scale = 1.0f / sqrt((float) C);
    float m = -INFINITY;
    for (int j = 0; j < N; j++) m = fmax(m, sa_score(q + bo, k + bo, i, j, C, N, scale));
    float sum = 0.0f;
    for (int j = 0; j < N; j++) sum += exp(sa_score(q + bo, k + bo, i, j, C, N, scale) - m);
    float l = m + log(sum);
    lse[item] = l;
    for (int c = 0; c < C; c++) out[bo + (long) c * N + i] = 0.0f;
    for (int j = 0; j < N; j++) {
        float p = exp(sa_score(q + bo, k + bo, i, j, C, N, scale) - l);
        for (int c = 0; c < C; c++) out[bo + (long) c * N + i] += p * v[bo + (long) c * N + j];
    }
}

// range {B*N}
__kernel void spatial_attention_delta(__global const float* out, __global const float* dout, __global float* delta,
                                      int B, int C, int N) {
    int item = get_global_id(0);
    if (item >= B * N) return;
    long bo = (long) (item / N) * C * N;
    int i = item % N;
    float s = 0.0f;
    for (int c = 0; c < C; c++) s += dout[bo + (long) c * N + i] * out[bo + (long) c * N + i];
    delta[item] = s;
}

// range {B*N}, one query each: dq += scale * sum_j ds[i,j] k[:,j]
__kernel void spatial_attention_backward_query(__global const float* q, __global const float* k,
                                               __global const float* v, __global const float* dout,
                                               __global const float* lse, __global const float* delta,
                                               __global float* dq, int B, int C, int N) {
    int item = get_global_id(0);
    if (item >= B * N) return;
    long bo = (long) (item / N) * C * N;
    int i = item % N;
    float scale = 1.0f / sqrt((float) C);
    float l = lse[item], d = delta[item];
    for (int j = 0; j < N; j++) {
        float p = exp(sa_score(q + bo, k + bo, i, j, C, N, scale) - l);
        float ds = p * (sa_score(dout + bo, v + bo, i, j, C, N, 1.0f) - d);
        for (int c = 0; c < C; c++) dq[bo + (long) c * N + i] += scale * ds * k[bo + (long) c * N + j];
    }
}

// range {B*N}, one key each: dv += sum_i p[i,j] dout[:,i]; dk += scale * sum_i ds[i,j] q[:,i]
__kernel void spatial_attention_backward_key_value(__global const float* q, __global const float* k,
                                                   __global const float* v, __global const float* dout,
                                                   __global const float* lse, __global const float* delta,
                                                   __global float* dk, __global float* dv, int B, int C, int N) {
    int item = get_global_id(0);
    if (item >= B * N) return;
    int b = item / N, j = item % N;
    long bo = (long) b * C * N;
    float scale = 1.0f / sqrt((float) C);
    for (int i = 0; i < N; i++) {
        float p = exp(sa_score(q + bo, k + bo, i, j, C, N, scale) - lse[b * N + i]);
        float ds = p * (sa_score(dout + bo, v + bo, i, j, C, N, 1.0f) - delta[b * N + i]);
        for (int c = 0; c < C; c++) {
            dv[bo + (long) c * N + j] += p * dout[bo + (long) c * N + i];
            dk[bo + (long) c * N + j] += scale * ds * q[bo + (long) c * N + i];
        }
    }
}
