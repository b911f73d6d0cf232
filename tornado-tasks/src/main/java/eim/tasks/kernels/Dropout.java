package eim.tasks.kernels;

import eim.tasks.Kernel;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Inverted dropout with a stateless mask: element i is kept when {@code Rng.uniform(seed, i) >= p},
 * and kept elements are scaled by 1/(1−p). The backward pass recomputes the same mask from
 * (seed, i), so nothing is stored. With p = 0 the forward is an exact copy. Range {n}.
 *
 * <p>A seed IntParam with a second slot ({@code IntParam.of(seed, offset)}) draws element i as
 * element offset + i: a data-parallel shard whose tensor is elements [offset, offset+n) of the
 * whole batch's gets exactly the whole batch's mask there. A one-slot seed (or a plain int) is
 * offset 0. (TornadoVM specialises {@code seed.length} per compiled task, checked by DropoutTest.)
 */
public final class Dropout {

    /** y = keep ? x/(1−p) : 0. Args: x, y, n, p (float), seed (int, or an IntParam). */
    public static final Kernel FORWARD = Kernel.of("dropout_forward", Dropout::forward);

    /** dx += keep ? dy/(1−p) : 0, with the forward's mask. Args: dy, dx, n, p (float), seed (int, or an IntParam). */
    public static final Kernel BACKWARD = Kernel.of("dropout_backward", Dropout::backward);

    private Dropout() {}

    public static void forward(int from, int to, float[] x, float[] y, int n, float p, int[] seed) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            float scale = 1f / (1f - p);
            int offset = Rng.offset(seed);
            y[i] = Rng.uniform(seed[0], offset + i) >= p ? x[i] * scale : 0f;
        }
    }

    public static void backward(int from, int to, float[] dy, float[] dx, int n, float p, int[] seed) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int i = from + k;
            float scale = 1f / (1f - p);
            int offset = Rng.offset(seed);
            if (Rng.uniform(seed[0], offset + i) >= p) {
                dx[i] += dy[i] * scale;
            }
        }
    }
}
