package eim.model.tokenizer;

import eim.tasks.Kernel;
import eim.tasks.Parallel;

/**
 * The two element-wise kernels the tokenizer's graphs need: zeroing gradients and adding a
 * residual. Stand-ins kept private to this package until eim.tasks.kernels.Elementwise
 * (fill, add_inplace) is merged; then the callers switch to it and this class goes.
 */
final class BufferKernels {
    private static final String CL = "tokenizer_buffers.cl";

    /** range {n}: x = value. Args: x, value, n. */
    static final Kernel FILL = Kernel.of("tokenizer_fill", CL, (from, to, a) -> {
        float[] x = a.f(0);
        float v = a.x(1);
        for (@Parallel int i = from; i < to; i++) {
            x[i] = v;
        }
    });

    /** range {n}: y += x. Args: y, x, n. */
    static final Kernel ADD = Kernel.of("tokenizer_add_inplace", CL, (from, to, a) -> {
        float[] y = a.f(0), x = a.f(1);
        for (@Parallel int i = from; i < to; i++) {
            y[i] += x[i];
        }
    });

    private BufferKernels() {}
}
