// Twins of eim.model.tokenizer.BufferKernels (stand-ins for Elementwise fill / add_inplace).

__kernel void tokenizer_fill(__global float* x, float value, int n) {
    int i = get_global_id(0);
    if (i < n) x[i] = value;
}

__kernel void tokenizer_add_inplace(__global float* y, __global const float* x, int n) {
    int i = get_global_id(0);
    if (i < n) y[i] += x[i];
}
