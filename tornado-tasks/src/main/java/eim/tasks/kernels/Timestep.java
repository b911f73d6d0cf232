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
    public static final Kernel EMBEDDING = Kernel.of("timestep_embedding", Timestep::embedding)
            .withFast((from, to, a) -> embeddingFast(from, to, a.f(0), a.f(1), a.i(3), a.i(4)));

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

    /**
     * Fast path: the frequencies once per slice (the portable body recomputes a log and an exp per
     * element), and a row whose t equals the previous row's is a copy of it (the rows of one flow
     * step when the sampler batches its steps). cos and sin stay scalar: the Vector API's lanewise
     * COS and SIN give other bits once C2 has compiled the method than before (see
     * {@link VectorMath}), so the embedding, and with it a training step, would depend on how warm
     * the JIT is.
     */
    static void embeddingFast(int from, int to, float[] t, float[] out, int dim, int maxPeriod) {
        int half = dim / 2;
        float[] freq = new float[half];
        for (int i = 0; i < half; i++) {
            freq[i] = frequency(i, half, maxPeriod);
        }
        for (int n = from; n < to; n++) {
            int o = n * dim;
            float tn = t[n];
            if (n > from && Float.floatToRawIntBits(tn) == Float.floatToRawIntBits(t[n - 1])) {
                System.arraycopy(out, o - dim, out, o, dim); // the same t as the row before (a sampling step's rows)
                continue;
            }
            for (int i = 0; i < half; i++) {
                float arg = tn * freq[i];
                out[o + i] = (float) Math.cos(arg);
                out[o + half + i] = (float) Math.sin(arg);
            }
            if ((dim & 1) != 0) {
                out[o + dim - 1] = 0f;
            }
        }
    }

    /** freq_i = exp((−ln(maxPeriod)·i) / half), each step rounded to float as in torch. */
    public static float frequency(int i, int half, int maxPeriod) {
        float negLog = (float) -Math.log(maxPeriod);
        return (float) Math.exp(negLog * i / half);
    }
}
