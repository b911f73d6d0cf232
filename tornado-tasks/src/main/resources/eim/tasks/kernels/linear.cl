// Twins of eim.tasks.kernels.Linear. y = x W^T + b; x (M,K), W (N,K), b (N), y (M,N).

__kernel void linear_forward(__global const float* x, __global const float* w, __global const float* b,
                             __global float* y, int M, int N, int K) {
    int m = get_global_id(0), n = get_global_id(1);
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
    int m = get_global_id(0), k = get_global_id(1);
    if (m >= M || k >= K) return;
    float s = 0.0f;
    for (int n = 0; n < N; n++) s = fma(dy[(long) m * N + n], w[(long) n * K + k], s);
    dx[(long) m * K + k] += s;
}

// range {N, K}: dW += dy^T x; the k == 0 item also does db += sum_m dy
__kernel void linear_backward_weight(__global const float* dy, __global const float* x, __global float* dw,
                                     __global float* db, int M, int N, int K) {
    int n = get_global_id(0), k = get_global_id(1);
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
