package eim.tasks.kernels;

import eim.tasks.Kernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
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
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;

    /** y = keep ? x/(1−p) : 0. Args: x, y, n, p (float), seed (int, or an IntParam). */
    public static final Kernel FORWARD = Kernel.of("dropout_forward", Dropout::forward)
            .withFast((from, to, a) -> fast(from, to, a.f(0), a.f(1), false, a.x(3), a.i(4), a.i(4, 1)));

    /** dx += keep ? dy/(1−p) : 0, with the forward's mask. Args: dy, dx, n, p (float), seed (int, or an IntParam). */
    public static final Kernel BACKWARD = Kernel.of("dropout_backward", Dropout::backward)
            .withFast((from, to, a) -> fast(from, to, a.f(0), a.f(1), true, a.x(3), a.i(4), a.i(4, 1)));

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

    /**
     * Fast path of both directions: forward out = keep ? in/(1−p) : 0, backward out += the same
     * of dy; {@link VectorMath#uniform}: the hash in int lanes (bit-identical masks).
     */
    static void fast(int from, int to, float[] in, float[] out, boolean accumulate, float p, int seed, int offset) {
        float scale = 1f / (1f - p);
        boolean sameShape = S.length() == I.length();
        IntVector iota = IntVector.zero(I).addIndex(1);
        int i = from;
        for (int upper = sameShape ? from + S.loopBound(to - from) : from; i < upper; i += S.length()) {
            FloatVector u = VectorMath.uniform(seed, iota.add(offset + i));
            VectorMask<Float> keep = u.compare(VectorOperators.GE, p);
            FloatVector kept = FloatVector.fromArray(S, in, i).mul(scale);
            FloatVector y = FloatVector.zero(S).blend(kept, keep);
            if (accumulate) {
                y = y.add(FloatVector.fromArray(S, out, i));
            }
            y.intoArray(out, i);
        }
        for (; i < to; i++) {
            float y = Rng.uniform(seed, offset + i) >= p ? in[i] * scale : 0f;
            out[i] = accumulate ? out[i] + y : y;
        }
    }
}
