// Twins of eim.tasks.kernels.Conv2d: stride-1 convolution with reflect padding (KH/2, KW/2).
// x (B,Cin,H,W), w (Cout,Cin,KH,KW), b (Cout), y (B,Cout,H,W). Conv1d k=3 = H 1, KH 1, KW 3.

inline int conv_reflect(int i, int n) {
    if (i < 0) return -i;
    return i >= n ? 2 * (n - 1) - i : i;
}

// range {B*Cout, H*W}: y = conv(x) + b
__kernel void conv2d_forward(__global const float* x, __global const float* w, __global const float* b,
                             __global float* y, int B, int Cin, int Cout, int H, int W, int KH, int KW) {
    int bc = get_global_id(0), p = get_global_id(1);
    if (bc >= B * Cout || p >= H * W) return;
    int bi = bc / Cout, co = bc % Cout, h = p / W, c = p % W, ph = KH / 2, pw = KW / 2;
    float s = b[co];
    for (int ci = 0; ci < Cin; ci++) {
        const __global float* xp = x + (long) (bi * Cin + ci) * H * W;
        const __global float* wp = w + (long) (co * Cin + ci) * KH * KW;
        for (int kh = 0; kh < KH; kh++) {
            int r = conv_reflect(h + kh - ph, H);
            for (int kw = 0; kw < KW; kw++) {
                s = fma(xp[r * W + conv_reflect(c + kw - pw, W)], wp[kh * KW + kw], s);
            }
        }
    }
    y[(long) bc * H * W + p] = s;
}

// Output positions o in [0, n) with reflect(o + k - pad) == i, for one kernel tap k: at most two.
// Candidates for the unpadded position q = o + k - pad: i itself, its mirror -i (only for i >= 1)
// and its mirror 2(n-1)-i (only for i <= n-2); q must lie within the padding.
inline int conv_preimages(int i, int k, int pad, int n, int* out) {
    int count = 0;
    int q[3] = {i, -i, 2 * (n - 1) - i};
    for (int t = 0; t < 3; t++) {
        if (t == 1 && i < 1) continue;
        if (t == 2 && i > n - 2) continue;
        if (q[t] < -pad || q[t] > n - 1 + pad) continue;
        int o = q[t] - k + pad;
        if (o >= 0 && o < n) out[count++] = o;
    }
    return count;
}

// range {B*Cin, H*W}: dx += conv^T(dy)
__kernel void conv2d_backward_input(__global const float* dy, __global const float* w, __global float* dx,
                                    int B, int Cin, int Cout, int H, int W, int KH, int KW) {
    int bc = get_global_id(0), p = get_global_id(1);
    if (bc >= B * Cin || p >= H * W) return;
    int bi = bc / Cin, ci = bc % Cin, ih = p / W, iw = p % W, ph = KH / 2, pw = KW / 2;
    float s = 0.0f;
    for (int kh = 0; kh < KH; kh++) {
        int hs[3];
        int nh = conv_preimages(ih, kh, ph, H, hs);
        for (int kw = 0; kw < KW; kw++) {
            int ws[3];
            int nw = conv_preimages(iw, kw, pw, W, ws);
            for (int co = 0; co < Cout; co++) {
                float wt = w[((long) (co * Cin + ci) * KH + kh) * KW + kw];
                const __global float* g = dy + (long) (bi * Cout + co) * H * W;
                for (int a = 0; a < nh; a++) {
                    for (int e = 0; e < nw; e++) {
                        s = fma(g[hs[a] * W + ws[e]], wt, s);
                    }
                }
            }
        }
    }
    dx[(long) bc * H * W + p] += s;
}

// range {Cout*Cin, KH*KW}: dw += sum_b dy[b,co] (*) pad(x[b,ci]); the (co, ci 0, tap 0) item does db
__kernel void conv2d_backward_weight(__global const float* dy, __global const float* x, __global float* dw,
                                     __global float* db, int B, int Cin, int Cout, int H, int W, int KH, int KW) {
    int oc = get_global_id(0), k = get_global_id(1);
    if (oc >= Cout * Cin || k >= KH * KW) return;
    int co = oc / Cin, ci = oc % Cin, kh = k / KW, kw = k % KW, ph = KH / 2, pw = KW / 2;
    float s = 0.0f;
    for (int bi = 0; bi < B; bi++) {
        const __global float* g = dy + (long) (bi * Cout + co) * H * W;
        const __global float* xp = x + (long) (bi * Cin + ci) * H * W;
        for (int h = 0; h < H; h++) {
            int r = conv_reflect(h + kh - ph, H);
            for (int c = 0; c < W; c++) {
                s = fma(g[h * W + c], xp[r * W + conv_reflect(c + kw - pw, W)], s);
            }
        }
    }
    dw[(long) oc * KH * KW + k] += s;
    if (ci == 0 && k == 0) {
        float sb = 0.0f;
        for (int bi = 0; bi < B; bi++) {
            const __global float* g = dy + (long) (bi * Cout + co) * H * W;
            for (int i = 0; i < H * W; i++) sb += g[i];
        }
        db[co] += sb;
    }
}
