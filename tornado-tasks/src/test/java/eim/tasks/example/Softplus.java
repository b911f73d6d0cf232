package eim.tasks.example;

import eim.tasks.Kernel;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/** The worked example of KERNELS.md: a new kernel in one Java method, no C. */
public final class Softplus {
    /** range {n}: y[i] = log(1 + exp(beta·x[i])) / beta. Args: x, y, beta, n. */
    public static final Kernel FORWARD = Kernel.of("softplus_forward", Softplus::forward);

    private Softplus() {}

    public static void forward(int from, int to, float[] x, float[] y, float beta, int n) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            float z = beta * x[i];
            // log1p(exp(z)) without overflow: z + log1p(exp(-z)) for large z
            y[i] = z > 20f ? x[i] : (float) Math.log(1.0f + (float) Math.exp(z)) / beta;
        }
    }
}
