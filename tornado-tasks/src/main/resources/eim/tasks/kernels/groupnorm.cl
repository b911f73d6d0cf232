// Twins of eim.tasks.kernels.GroupNorm: GroupNorm(G, C, eps), then swish when silu != 0.
// x, y (B,C,HW); gamma, beta (C); mean, rstd (B*G).

// range {B*G}
__kernel void groupnorm_forward(__global const float* x, __global const float* gamma, __global const float* beta,
                                __global float* y, __global float* mean, __global float* rstd,
                                int B, int C, int HW, int G, float eps, int silu) {
    int item = get_global_id(0);
    if (item >= B * G) return;
    int cpg = C / G, g = item % G, len = cpg * HW;
    long base = ((long) (item / G) * C + g * cpg) * HW;
    float s = 0.0f;
    for (int i = 0; i < len; i++) s += x[base + i];
    float m = s / len;
    float v = 0.0f;
    for (int i = 0; i < len; i++) { float d = x[base + i] - m; v = fma(d, d, v); }
    float r = 1.0f / sqrt(v / len + eps);
    mean[item] = m;
    rstd[item] = r;
    for (int c = 0; c < cpg; c++) {
        int ch = g * cpg + c;
        float scale = r * gamma[ch], shift = beta[ch] - m * scale;
        long off = base + (long) c * HW;
        for (int p = 0; p < HW; p++) {
            float n = fma(x[off + p], scale, shift);
            y[off + p] = silu != 0 ? n / (1.0f + exp(-n)) : n;
        }
    }
}

// gradient at n = xhat*gamma + beta, through swish when silu != 0
inline float gn_norm_grad(float dy, float xhat, float gamma, float beta, int silu) {
    if (silu == 0) return dy;
    float n = xhat * gamma + beta;
    float s = 1.0f / (1.0f + exp(-n));
    return dy * s * (1.0f + n * (1.0f - s));
}

// range {B*G}: dx += d/dx
__kernel void groupnorm_backward_input(__global const float* dy, __global const float* x, __global const float* gamma,
                                       __global const float* beta, __global const float* mean,
                                       __global const float* rstd, __global float* dx,
                                       int B, int C, int HW, int G, int silu) {
    int item = get_global_id(0);
    if (item >= B * G) return;
    int cpg = C / G, g = item % G, len = cpg * HW;
    long base = ((long) (item / G) * C + g * cpg) * HW;
    float m = mean[item], r = rstd[item];
    float sumD = 0.0f, sumDX = 0.0f;
    for (int c = 0; c < cpg; c++) {
        int ch = g * cpg + c;
        long off = base + (long) c * HW;
        for (int p = 0; p < HW; p++) {
            float xhat = (x[off + p] - m) * r;
            float dxhat = gn_norm_grad(dy[off + p], xhat, gamma[ch], beta[ch], silu) * gamma[ch];
            sumD += dxhat;
            sumDX += dxhat * xhat;
        }
    }
    float meanD = sumD / len, meanDX = sumDX / len;
    for (int c = 0; c < cpg; c++) {
        int ch = g * cpg + c;
        long off = base + (long) c * HW;
        for (int p = 0; p < HW; p++) {
            float xhat = (x[off + p] - m) * r;
            float dxhat = gn_norm_grad(dy[off + p], xhat, gamma[ch], beta[ch], silu) * gamma[ch];
            dx[off + p] += r * (dxhat - meanD - xhat * meanDX);
        }
    }
}

// range {C}: dgamma, dbeta += ...
__kernel void groupnorm_backward_params(__global const float* dy, __global const float* x,
                                        __global const float* gamma, __global const float* beta,
                                        __global const float* mean, __global const float* rstd,
                                        __global float* dgamma, __global float* dbeta,
                                        int B, int C, int HW, int G, int silu) {
    int ch = get_global_id(0);
    if (ch >= C) return;
    int g = ch / (C / G);
    float sg = 0.0f, sb = 0.0f;
    for (int bi = 0; bi < B; bi++) {
        float m = mean[bi * G + g], r = rstd[bi * G + g];
        long off = ((long) bi * C + ch) * HW;
        for (int p = 0; p < HW; p++) {
            float xhat = (x[off + p] - m) * r;
            float dn = gn_norm_grad(dy[off + p], xhat, gamma[ch], beta[ch], silu);
            sg += dn * xhat;
            sb += dn;
        }
    }
    dgamma[ch] += sg;
    dbeta[ch] += sb;
}
