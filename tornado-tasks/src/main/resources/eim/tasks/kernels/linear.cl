// Twins of eim.tasks.kernels.Linear. y = x W^T + b; x (M,K), W (N,K), b (N), y (M,N).
//
// Each kernel has two paths. Launched with work groups of LINEAR_TILE x LINEAR_TILE
// (eim.tasks.WorkGroups.linear()), a group stages 16x16 tiles of both operands in local memory, so
// every global value is read once per tile instead of once per output. With any other work-group
// size (or none: the driver chooses) it falls back to one plain dot product per work item. Both
// paths add the products in the same order (ascending reduction index, fma), so they agree bit for
// bit. The branch depends only on the work-group size, so all items of a group take the same one.

#define LINEAR_TILE 16

inline bool linear_tiled(void) {
    return get_local_size(0) == LINEAR_TILE && get_local_size(1) == LINEAR_TILE;
}

// range {M, N}: y = x W^T + b
__kernel void linear_forward(__global const float* x, __global const float* w, __global const float* b,
                             __global float* y, int M, int N, int K) {
    __local float xs[LINEAR_TILE][LINEAR_TILE + 1]; // x[m0 + i][k0 + j]
    __local float ws[LINEAR_TILE][LINEAR_TILE + 1]; // w[n0 + i][k0 + j]
    int m = get_global_id(0), n = get_global_id(1);
    if (linear_tiled()) {
        int lm = get_local_id(0), ln = get_local_id(1);
        int m0 = m - lm, n0 = n - ln;
        float s = 0.0f;
        for (int k0 = 0; k0 < K; k0 += LINEAR_TILE) {
            int k = k0 + ln;
            xs[lm][ln] = (m0 + lm < M && k < K) ? x[(long) (m0 + lm) * K + k] : 0.0f;
            ws[lm][ln] = (n0 + lm < N && k < K) ? w[(long) (n0 + lm) * K + k] : 0.0f;
            barrier(CLK_LOCAL_MEM_FENCE);
            int kn = min(LINEAR_TILE, K - k0);
            for (int j = 0; j < kn; j++) s = fma(xs[lm][j], ws[ln][j], s);
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (m < M && n < N) y[(long) m * N + n] = b[n] + s;
        return;
    }
    if (m >= M || n >= N) return;
    const __global float* xr = x + (long) m * K;
    const __global float* wr = w + (long) n * K;
    float s = 0.0f;
    for (int k = 0; k < K; k++) s = fma(xr[k], wr[k], s);
    y[(long) m * N + n] = b[n] + s;
}

// range {M, K}: dx += dy W
__kernel void linear_backward_input(__global const float* dy, __global const float* w, __global float* dx,
                                    int M, int N, int K) {
    __local float gs[LINEAR_TILE][LINEAR_TILE + 1]; // dy[m0 + i][n0 + j]
    __local float ws[LINEAR_TILE][LINEAR_TILE + 1]; // w[n0 + i][k0 + j]
    int m = get_global_id(0), k = get_global_id(1);
    if (linear_tiled()) {
        int lm = get_local_id(0), lk = get_local_id(1);
        int m0 = m - lm, k0 = k - lk;
        float s = 0.0f;
        for (int n0 = 0; n0 < N; n0 += LINEAR_TILE) {
            gs[lm][lk] = (m0 + lm < M && n0 + lk < N) ? dy[(long) (m0 + lm) * N + n0 + lk] : 0.0f;
            ws[lm][lk] = (n0 + lm < N && k0 + lk < K) ? w[(long) (n0 + lm) * K + k0 + lk] : 0.0f;
            barrier(CLK_LOCAL_MEM_FENCE);
            int nn = min(LINEAR_TILE, N - n0);
            for (int j = 0; j < nn; j++) s = fma(gs[lm][j], ws[j][lk], s);
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (m < M && k < K) dx[(long) m * K + k] += s;
        return;
    }
    if (m >= M || k >= K) return;
    float s = 0.0f;
    for (int n = 0; n < N; n++) s = fma(dy[(long) m * N + n], w[(long) n * K + k], s);
    dx[(long) m * K + k] += s;
}

// range {N, K}: dW += dy^T x; the k == 0 item also does db += sum_m dy
__kernel void linear_backward_weight(__global const float* dy, __global const float* x, __global float* dw,
                                     __global float* db, int M, int N, int K) {
    __local float gs[LINEAR_TILE][LINEAR_TILE + 1]; // dy[m0 + j][n0 + i], i.e. a tile of dy^T
    __local float xs[LINEAR_TILE][LINEAR_TILE + 1]; // x[m0 + i][k0 + j]
    int n = get_global_id(0), k = get_global_id(1);
    if (linear_tiled()) {
        int ln = get_local_id(0), lk = get_local_id(1);
        int n0 = n - ln, k0 = k - lk;
        float s = 0.0f, sb = 0.0f;
        for (int m0 = 0; m0 < M; m0 += LINEAR_TILE) {
            gs[ln][lk] = (m0 + lk < M && n0 + ln < N) ? dy[(long) (m0 + lk) * N + n0 + ln] : 0.0f;
            xs[ln][lk] = (m0 + ln < M && k0 + lk < K) ? x[(long) (m0 + ln) * K + k0 + lk] : 0.0f;
            barrier(CLK_LOCAL_MEM_FENCE);
            int mm = min(LINEAR_TILE, M - m0);
            for (int j = 0; j < mm; j++) {
                s = fma(gs[ln][j], xs[j][lk], s);
                sb += gs[ln][j];
            }
            barrier(CLK_LOCAL_MEM_FENCE);
        }
        if (n < N && k < K) {
            dw[(long) n * K + k] += s;
            if (k == 0) db[n] += sb;
        }
        return;
    }
    if (n >= N || k >= K) return;
    float s = 0.0f;
    for (int m = 0; m < M; m++) s = fma(dy[(long) m * N + n], x[(long) m * K + k], s);
    dw[(long) n * K + k] += s;
    if (k == 0) {
        float sb = 0.0f;
        for (int m = 0; m < M; m++) sb += dy[(long) m * N + n];
        db[n] += sb;
    }
}
