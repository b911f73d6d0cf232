// Twins of eim.tasks.kernels.Optimizer: AdamW (torch.optim.AdamW), gradient-norm partial sums
// (for clip_grad_norm_) and the EMA of weights.

// range {n}: p *= 1 - lr*wd; g' = g*gscale; m, v moments; p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
__kernel void adamw_step(__global float* p, __global const float* g, __global float* m, __global float* v,
                         int n, float lr, float beta1, float beta2, float eps, float wd, float bc1, float bc2,
                         float gscale) {
    int i = get_global_id(0);
    if (i >= n) return;
    float decay = 1.0f - lr * wd;
    float step_size = lr / bc1;
    float bc2_sqrt = sqrt(bc2);
    float grad = g[i] * gscale;
    float mi = beta1 * m[i] + (1.0f - beta1) * grad;
    float vi = beta2 * v[i] + (1.0f - beta2) * grad * grad;
    m[i] = mi;
    v[i] = vi;
    float denom = sqrt(vi) / bc2_sqrt + eps;
    p[i] = p[i] * decay - step_size * (mi / denom);
}

// range {chunks}: partial[c] = sum of x^2 over slice c of [0, n), Kahan-compensated
__kernel void sum_squares(__global const float* x, __global float* partial, int n, int chunks) {
    int c = get_global_id(0);
    if (c >= chunks) return;
    int lo = (int) ((long) n * c / chunks);
    int hi = (int) ((long) n * (c + 1) / chunks);
    float sum = 0.0f, comp = 0.0f;
    for (int i = lo; i < hi; i++) {
        float y = x[i] * x[i] - comp;
        float t = sum + y;
        comp = (t - sum) - y;
        sum = t;
    }
    partial[c] = sum - comp;
}

// range {n}: ema = rate*ema + (1-rate)*p
__kernel void ema_update(__global float* ema, __global const float* p, int n, float rate) {
    int i = get_global_id(0);
    if (i >= n) return;
    ema[i] = rate * ema[i] + (1.0f - rate) * p[i];
}
