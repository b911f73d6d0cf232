// Twins of eim.tasks.kernels.WindowedCausalAttention and CrossAttention; the attend_* functions
// are the twins of AttentionHeads (one query or one key of one head; the mask is the loop range).
// D = H*hd; every matrix is head-major; lse/delta are indexed row*H + h.
// P_ij = exp(scale q_i.k_j - lse_i), F_ij = dropout factor, out_i = sum_j P_ij F_ij v_j,
// dS_ij = P_ij (F_ij dout_i.v_j - delta_i), delta_i = out_i.dout_i.

#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif

// timm's scale head_dim ** -0.5 rounded to float32 (as Java's (float) (1.0 / Math.sqrt(hd)))
inline float attention_scale(int hd) {
#ifdef cl_khr_fp64
    return (float) (1.0 / sqrt((double) hd));
#else
    return 1.0f / sqrt((float) hd);
#endif
}

// index of the dropout draw for (sample*H + head, query i, key j); wraps like Java's int
inline int attention_drop_index(int sampleHead, int queries, int i, int keys, int j) {
    return (int) (((uint) sampleHead * (uint) queries + (uint) i) * (uint) keys + (uint) j);
}

// keep iff uniform >= p, kept scaled 1/(1-p); exactly 1 when p == 0
inline float attention_dropout(float p, int seed, int index) {
    if (p == 0.0f) return 1.0f;
    return rng_uniform(seed, index) >= p ? 1.0f / (1.0f - p) : 0.0f;
}

inline float head_dot(const __global float* a, const __global float* b, int hd) {
    float s = 0.0f;
    for (int d = 0; d < hd; d++) s = fma(a[d], b[d], s);
    return s;
}

// One query over keys [from, to] (key j at k + j*kStride): writes out[0..hd), returns lse.
inline float attend_forward(const __global float* q, const __global float* k, const __global float* v, long stride,
                            int from, int to, float scale, __global float* out, int hd, float dropP, int seed,
                            int dropBase) {
    float mx = -INFINITY, sum = 0.0f;
    for (int j = from; j <= to; j++) {
        float s = scale * head_dot(q, k + j * stride, hd);
        if (s > mx) {
            sum = sum * exp(mx - s) + 1.0f;
            mx = s;
        } else {
            sum += exp(s - mx);
        }
    }
    float lse = mx + log(sum);
    for (int d = 0; d < hd; d++) out[d] = 0.0f;
    for (int j = from; j <= to; j++) {
        float f = attention_dropout(dropP, seed, dropBase + j);
        if (f == 0.0f) continue;
        float p = exp(scale * head_dot(q, k + j * stride, hd) - lse) * f;
        const __global float* vj = v + j * stride;
        for (int d = 0; d < hd; d++) out[d] = fma(p, vj[d], out[d]);
    }
    return lse;
}

// dq += scale sum_j dS_ij k_j over keys [from, to] of one query
inline void attend_backward_query(const __global float* q, const __global float* k, const __global float* v,
                                  long stride, int from, int to, float scale, const __global float* dout, float lse,
                                  float delta, __global float* dq, int hd, float dropP, int seed, int dropBase) {
    for (int j = from; j <= to; j++) {
        const __global float* kj = k + j * stride;
        float p = exp(scale * head_dot(q, kj, hd) - lse);
        float dp = attention_dropout(dropP, seed, dropBase + j) * head_dot(dout, v + j * stride, hd);
        float g = scale * (p * (dp - delta));
        for (int d = 0; d < hd; d++) dq[d] = fma(g, kj[d], dq[d]);
    }
}

// For one key/value and its queries [from, to] (query i at q + i*qStride, dout + i*doutStride,
// lse/delta[i*H]): dk += scale sum_i dS_ij q_i, dv += sum_i P_ij F_ij dout_i
inline void attend_backward_key(const __global float* k, const __global float* v, const __global float* q,
                                long qStride, const __global float* dout, long doutStride,
                                const __global float* lse, const __global float* delta, int H, int from, int to,
                                float scale, __global float* dk, __global float* dv, int hd, float dropP, int seed,
                                int dropBase, int dropStride) {
    for (int i = from; i <= to; i++) {
        const __global float* qi = q + i * qStride;
        const __global float* di = dout + i * doutStride;
        float p = exp(scale * head_dot(qi, k, hd) - lse[i * H]);
        float f = attention_dropout(dropP, seed, dropBase + i * dropStride);
        float dp = f * head_dot(di, v, hd);
        float g = scale * (p * (dp - delta[i * H]));
        for (int d = 0; d < hd; d++) dk[d] = fma(g, qi[d], dk[d]);
        if (f != 0.0f) {
            float pf = p * f;
            for (int d = 0; d < hd; d++) dv[d] = fma(pf, di[d], dv[d]);
        }
    }
}

inline int window_first_key(int i, int window) {
    return window < 0 ? 0 : max(0, i - window);
}

inline int window_last_query(int j, int window, int L) {
    return window < 0 ? L - 1 : min(L - 1, j + window);
}

// range {B*L, H}. qkv (B*L, 3D) = [q|k|v], out (B*L, D), lse (B*L*H)
__kernel void window_attention_forward(__global const float* qkv, __global float* out, __global float* lse,
                                       int B, int L, int H, int hd, int window, float dropP, int seed) {
    int row = get_global_id(0), h = get_global_id(1);
    if (row >= B * L || h >= H) return;
    int D = H * hd, b = row / L, i = row % L;
    const __global float* sample = qkv + (long) b * L * 3 * D + h * hd;
    lse[row * H + h] = attend_forward(qkv + (long) row * 3 * D + h * hd, sample + D, sample + 2 * D, 3 * D,
                                      window_first_key(i, window), i, attention_scale(hd),
                                      out + (long) row * D + h * hd, hd, dropP, seed,
                                      attention_drop_index(b * H + h, L, i, L, 0));
}

// range {rows, H}: delta[r*H+h] = sum_d out*dout over head h
__kernel void attention_delta(__global const float* out, __global const float* dout, __global float* delta,
                              int rows, int H, int hd) {
    int row = get_global_id(0), h = get_global_id(1);
    if (row >= rows || h >= H) return;
    long o = (long) row * H * hd + h * hd;
    delta[row * H + h] = head_dot(out + o, dout + o, hd);
}

// range {B*L, H}: dq += into the q part of dqkv
__kernel void window_attention_backward_query(__global const float* qkv, __global const float* dout,
                                              __global const float* lse, __global const float* delta,
                                              __global float* dqkv, int B, int L, int H, int hd, int window,
                                              float dropP, int seed) {
    int row = get_global_id(0), h = get_global_id(1);
    if (row >= B * L || h >= H) return;
    int D = H * hd, b = row / L, i = row % L;
    const __global float* sample = qkv + (long) b * L * 3 * D + h * hd;
    long qo = (long) row * 3 * D + h * hd;
    attend_backward_query(qkv + qo, sample + D, sample + 2 * D, 3 * D, window_first_key(i, window), i,
                          attention_scale(hd), dout + (long) row * D + h * hd, lse[row * H + h], delta[row * H + h],
                          dqkv + qo, hd, dropP, seed, attention_drop_index(b * H + h, L, i, L, 0));
}

// range {B*L, H}: for key j, dk and dv += into the k and v parts of dqkv over queries j .. j+window
__kernel void window_attention_backward_key(__global const float* qkv, __global const float* dout,
                                            __global const float* lse, __global const float* delta,
                                            __global float* dqkv, int B, int L, int H, int hd, int window,
                                            float dropP, int seed) {
    int row = get_global_id(0), h = get_global_id(1);
    if (row >= B * L || h >= H) return;
    int D = H * hd, b = row / L, j = row % L;
    long ko = (long) row * 3 * D + D + h * hd;
    long first = (long) b * L;
    attend_backward_key(qkv + ko, qkv + ko + D, qkv + first * 3 * D + h * hd, 3 * D, dout + first * D + h * hd, D,
                        lse + first * H + h, delta + first * H + h, H, j, window_last_query(j, window, L),
                        attention_scale(hd), dqkv + ko, dqkv + ko + D, hd, dropP, seed,
                        attention_drop_index(b * H + h, L, 0, L, j), L);
}

// range {B, H}: one query per sample over cache slots [0, count); q, out (B, D), caches (B, slots, D)
__kernel void window_attention_decode(__global const float* q, __global const float* kcache,
                                      __global const float* vcache, __global float* out, int B, int H, int hd,
                                      int slots, int count) {
    int b = get_global_id(0), h = get_global_id(1);
    if (b >= B || h >= H) return;
    int D = H * hd;
    long cache = (long) b * slots * D + h * hd;
    attend_forward(q + (long) b * D + h * hd, kcache + cache, vcache + cache, D, 0, count - 1, attention_scale(hd),
                   out + (long) b * D + h * hd, hd, 0.0f, 0, 0);
}

// range {B*L, H}. q (B*L, D), k and v (B*S, D), out (B*L, D), lse (B*L*H)
__kernel void cross_attention_forward(__global const float* q, __global const float* k, __global const float* v,
                                      __global float* out, __global float* lse, int B, int L, int S, int H, int hd,
                                      float dropP, int seed) {
    int row = get_global_id(0), h = get_global_id(1);
    if (row >= B * L || h >= H) return;
    int D = H * hd, b = row / L, i = row % L;
    long o = (long) row * D + h * hd, kv = (long) b * S * D + h * hd;
    lse[row * H + h] = attend_forward(q + o, k + kv, v + kv, D, 0, S - 1, attention_scale(hd), out + o, hd, dropP,
                                      seed, attention_drop_index(b * H + h, L, i, S, 0));
}

// range {B*L, H}: dq +=
__kernel void cross_attention_backward_query(__global const float* q, __global const float* k,
                                             __global const float* v, __global const float* dout,
                                             __global const float* lse, __global const float* delta,
                                             __global float* dq, int B, int L, int S, int H, int hd, float dropP,
                                             int seed) {
    int row = get_global_id(0), h = get_global_id(1);
    if (row >= B * L || h >= H) return;
    int D = H * hd, b = row / L, i = row % L;
    long o = (long) row * D + h * hd, kv = (long) b * S * D + h * hd;
    attend_backward_query(q + o, k + kv, v + kv, D, 0, S - 1, attention_scale(hd), dout + o, lse[row * H + h],
                          delta[row * H + h], dq + o, hd, dropP, seed, attention_drop_index(b * H + h, L, i, S, 0));
}

// range {B*S, H}: dk +=, dv += for buffer token s over the L queries of its sample
__kernel void cross_attention_backward_kv(__global const float* q, __global const float* k, __global const float* v,
                                          __global const float* dout, __global const float* lse,
                                          __global const float* delta, __global float* dk, __global float* dv, int B,
                                          int L, int S, int H, int hd, float dropP, int seed) {
    int row = get_global_id(0), h = get_global_id(1);
    if (row >= B * S || h >= H) return;
    int D = H * hd, b = row / S, s = row % S;
    long o = (long) row * D + h * hd, first = (long) b * L;
    attend_backward_key(k + o, v + o, q + first * D + h * hd, D, dout + first * D + h * hd, D, lse + first * H + h,
                        delta + first * H + h, H, 0, L - 1, attention_scale(hd), dk + o, dv + o, hd, dropP, seed,
                        attention_drop_index(b * H + h, L, 0, S, s), S);
}
