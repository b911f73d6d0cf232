package eim.tasks.kernels;

import eim.tasks.Kernel;
import eim.tasks.Parallel;

/**
 * Sinusoidal timestep embedding of the flow head ({@code TimestepEmbedder.timestep_embedding} in
 * the authors' generator/diffloss.py, from GLIDE): with half = dim/2 and
 * freq_i = exp(−ln(maxPeriod)·i/half), out[n] = [cos(t_n·freq_0..half−1), sin(t_n·freq_0..half−1)]
 * and a zero last column when dim is odd. t is the flow time itself (in [0, 1], not scaled).
 * The frequencies are computed in float32 step by step, as torch does.
 */
public final class Timestep {
    private static final String CL = "timestep.cl";

    /** range {N, dim/2}: t (N), out (N, dim). Args: t, out, N, dim, maxPeriod (int, 10000 in the paper). */
    public static final Kernel EMBEDDING = Kernel.javaOnly("timestep_embedding", CL,
            (from, to, a) -> embedding(from, to, a.f(0), a.f(1), a.i(2), a.i(3), a.i(4)));

    private Timestep() {}

    public static void embedding(int from, int to, float[] t, float[] out, int N, int dim, int maxPeriod) {
        int half = dim / 2;
        float[] freqs = frequencies(half, maxPeriod);
        for (@Parallel int n = from; n < to; n++) {
            int o = n * dim;
            for (int i = 0; i < half; i++) {
                float arg = t[n] * freqs[i];
                out[o + i] = (float) Math.cos(arg);
                out[o + half + i] = (float) Math.sin(arg);
            }
            if (dim % 2 != 0) {
                out[o + dim - 1] = 0f;
            }
        }
    }

    /** freq_i = exp((−ln(maxPeriod)·i) / half), each step rounded to float as in torch. */
    public static float[] frequencies(int half, int maxPeriod) {
        float negLog = (float) -Math.log(maxPeriod);
        float[] f = new float[half];
        for (int i = 0; i < half; i++) {
            f[i] = (float) Math.exp(negLog * i / half);
        }
        return f;
    }
}
