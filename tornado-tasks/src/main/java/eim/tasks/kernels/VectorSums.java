package eim.tasks.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Row reductions shared by the normalisation and convolution kernels' Java bodies (Vector API). */
final class VectorSums {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private VectorSums() {}

    /** Σ a[o .. o+len). */
    static float sum(float[] a, int o, int len) {
        int upper = S.loopBound(len);
        FloatVector acc = FloatVector.zero(S);
        int k = 0;
        for (; k < upper; k += S.length()) {
            acc = acc.add(FloatVector.fromArray(S, a, o + k));
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; k < len; k++) {
            s += a[o + k];
        }
        return s;
    }

    /** Σ (a − mu)² over a[o .. o+len): the second pass of a two-pass variance (no cancellation). */
    static float centredSquares(float[] a, int o, int len, float mu) {
        int upper = S.loopBound(len);
        FloatVector muV = FloatVector.broadcast(S, mu);
        FloatVector acc = FloatVector.zero(S);
        int k = 0;
        for (; k < upper; k += S.length()) {
            FloatVector c = FloatVector.fromArray(S, a, o + k).sub(muV);
            acc = c.fma(c, acc);
        }
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; k < len; k++) {
            float c = a[o + k] - mu;
            s += c * c;
        }
        return s;
    }
}
