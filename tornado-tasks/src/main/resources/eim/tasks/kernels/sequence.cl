// Twins of eim.tasks.kernels.Sequence.

__kernel void shift_right_gather(__global const float* xc, __global const float* xi, __global float* z,
                                 int B, int S, int L, int D) {
    int row = get_global_id(0), c = get_global_id(1);
    if (row >= B * L || c >= D) return;
    int b = row / L, l = row % L;
    z[(long) row * D + c] = l == 0 ? xc[(long) (b * S + S - 1) * D + c] : xi[(long) (row - 1) * D + c];
}

__kernel void shift_right_scatter(__global const float* dz, __global float* dxc, __global float* dxi,
                                  int B, int S, int L, int D) {
    int row = get_global_id(0), c = get_global_id(1);
    if (row >= B * L || c >= D) return;
    int b = row / L, l = row % L;
    if (l == 0) dxc[(long) (b * S + S - 1) * D + c] += dz[(long) row * D + c];
    else dxi[(long) (row - 1) * D + c] += dz[(long) row * D + c];
}

__kernel void kv_cache_write(__global const float* qkv, __global float* q, __global float* kc, __global float* vc,
                             int R, int D, int slots, int slot) {
    int r = get_global_id(0), c = get_global_id(1);
    if (r >= R || c >= D) return;
    long src = (long) r * 3 * D + c;
    long dst = ((long) r * slots + slot) * D + c;
    q[(long) r * D + c] = qkv[src];
    kc[dst] = qkv[src + D];
    vc[dst] = qkv[src + 2 * D];
}
