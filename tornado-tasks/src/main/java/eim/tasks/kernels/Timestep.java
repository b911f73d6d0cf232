package eim.tasks.kernels;

import eim.tasks.Kernel;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Sinusoidal timestep embedding of the flow head ({@code TimestepEmbedder.timestep_embedding} in
 * the authors' generator/diffloss.py, from GLIDE): with half = dim/2 and
 * freq_i = exp(−ln(maxPeriod)·i/half), out[n] = [cos(t_n·freq_0..half−1), sin(t_n·freq_0..half−1)]
 * and a zero last column when dim is odd. t is the flow time itself (in [0, 1], not scaled).
 * The frequencies are computed in float32 step by step, as torch does.
 */
public final class Timestep {

    /** range {N, dim/2}: t (N), out (N, dim). Args: t, out, N, dim, maxPeriod (int, 10000 in the paper). */
    public static final Kernel EMBEDDING = Kernel.of("timestep_embedding", Timestep::embedding);

    private Timestep() {}

    /** Item (n, i) writes out[n, i] and out[n, half + i]; item (n, 0) also zeroes the pad column of an odd dim. */
    public static void embedding(int from, int to, float[] t, float[] out, int N, int dim, int maxPeriod) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int i = 0; i < dim / 2; i++) {
                int n = from + k;
                int half = dim / 2;
                int o = n * dim;
                float arg = t[n] * frequency(i, half, maxPeriod);
                out[o + i] = (float) Math.cos(arg);
                out[o + half + i] = (float) Math.sin(arg);
                if ((dim & 1) != 0 && i == 0) {
                    out[o + dim - 1] = 0f;
                }
            }
        }
    }

    /** freq_i = exp((−ln(maxPeriod)·i) / half), each step rounded to float as in torch. */
    public static float frequency(int i, int half, int maxPeriod) {
        float negLog = (float) -Math.log(maxPeriod);
        return (float) Math.exp(negLog * i / half);
    }
}
