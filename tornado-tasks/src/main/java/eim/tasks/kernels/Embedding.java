package eim.tasks.kernels;

import eim.tasks.Kernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Table look-ups: a plain embedding ({@code F.embedding}) and the generator's class-condition
 * buffer, {@code out[b, s] = (drop[b] ? fake_latent : class_emb[labels[b]]) + pos[s]}. Ids, labels
 * and the drop flags are {@code IntArray}s. The backward kernels are parallel over columns, so no
 * two work items ever add into one table element even when ids repeat.
 */
public final class Embedding {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    /** range {N, D}: out[n] = table[ids[n]]. ids (N) int, table (V, D), out (N, D). Args: ids, table, out, N, D. */
    public static final Kernel FORWARD = Kernel.of("embedding_forward", Embedding::forwardPortable)
            .withFast((from, to, a) -> forward(from, to, a.n(0), a.f(1), a.f(2), a.i(3), a.i(4)));

    /**
     * range {D}: dtable[ids[n]] += dout[n] for every n. Args: ids, dout, dtable, N, D, V. Ids outside
     * [0, V) throw in the java fast path; the portable body skips them.
     */
    public static final Kernel BACKWARD = Kernel.of("embedding_backward", Embedding::backwardPortable)
            .withFast((from, to, a) -> backward(from, to, a.n(0), a.f(1), a.f(2), a.i(3), a.i(4), a.i(5)));

    /**
     * range {B·S, D}: out[b·S+s] = (drop[b] != 0 ? fake : classEmb[labels[b]]) + pos[s].
     * labels, drop (B) int; classEmb (numClasses, D); fake (D); pos (S, D); out (B·S, D).
     * Args: labels, drop, classEmb, fake, pos, out, B, S, D.
     */
    public static final Kernel CLASS_CONDITION_FORWARD = Kernel.of("class_condition_forward", Embedding::classConditionForwardPortable)
            .withFast((from, to, a) -> classConditionForward(from, to, a.n(0), a.n(1), a.f(2), a.f(3), a.f(4), a.f(5),
                    a.i(6), a.i(7), a.i(8)));

    /**
     * range {D}: the transpose of the forward: dPos[s] += Σ_b dout[b·S+s]; dFake += Σ dout of dropped
     * samples; dClassEmb[labels[b]] += Σ_s dout[b·S+s] of kept ones. Labels outside [0, numClasses)
     * throw in the java fast path; the portable body skips them.
     * Args: labels, drop, dout, dClassEmb, dFake, dPos, B, S, D, numClasses.
     */
    public static final Kernel CLASS_CONDITION_BACKWARD = Kernel.of("class_condition_backward", Embedding::classConditionBackwardPortable)
            .withFast((from, to, a) -> classConditionBackward(from, to, a.n(0), a.n(1), a.f(2), a.f(3), a.f(4), a.f(5),
                    a.i(6), a.i(7), a.i(8), a.i(9)));

    private Embedding() {}

    public static void forward(int from, int to, int[] ids, float[] table, float[] out, int N, int D) {
        for (int n = from; n < to; n++) {
            System.arraycopy(table, ids[n] * D, out, n * D, D);
        }
    }

    public static void backward(int from, int to, int[] ids, float[] dout, float[] dtable, int N, int D, int V) {
        for (int n = 0; n < N; n++) {
            addSlice(dout, n * D, dtable, checkedRow("embedding_backward: ids", n, ids[n], V) * D, from, to);
        }
    }

    public static void classConditionForward(int from, int to, int[] labels, int[] drop, float[] classEmb,
                                             float[] fake, float[] pos, float[] out, int B, int S, int D) {
        int upper = SPECIES.loopBound(D);
        for (int row = from; row < to; row++) {
            int b = row / S, s = row % S;
            float[] src = drop[b] != 0 ? fake : classEmb;
            int so = drop[b] != 0 ? 0 : labels[b] * D, po = s * D, o = row * D;
            int d = 0;
            for (; d < upper; d += SPECIES.length()) {
                FloatVector.fromArray(SPECIES, src, so + d).add(FloatVector.fromArray(SPECIES, pos, po + d))
                        .intoArray(out, o + d);
            }
            for (; d < D; d++) {
                out[o + d] = src[so + d] + pos[po + d];
            }
        }
    }

    public static void classConditionBackward(int from, int to, int[] labels, int[] drop, float[] dout,
                                              float[] dClassEmb, float[] dFake, float[] dPos, int B, int S, int D,
                                              int numClasses) {
        for (int b = 0; b < B; b++) {
            boolean dropped = drop[b] != 0;
            int target = dropped ? 0 : checkedRow("class_condition_backward: labels", b, labels[b], numClasses) * D;
            float[] dst = dropped ? dFake : dClassEmb;
            for (int s = 0; s < S; s++) {
                int o = (b * S + s) * D;
                addSlice(dout, o, dst, target, from, to);
                addSlice(dout, o, dPos, s * D, from, to);
            }
        }
    }

    // ---- portable bodies (TornadoVM)

    public static void forwardPortable(int from, int to, int[] ids, float[] table, float[] out, int N, int D) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int d = 0; d < D; d++) {
                int n = from + k;
                out[n * D + d] = table[ids[n] * D + d];
            }
        }
    }

    /** One work item per column d, looping over the rows: repeated ids never race. */
    public static void backwardPortable(int from, int to, int[] ids, float[] dout, float[] dtable, int N, int D,
                                        int V) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int d = from + k;
            for (int n = 0; n < N; n++) {
                int id = ids[n];
                if (id >= 0 && id < V) {
                    dtable[id * D + d] += dout[n * D + d];
                }
            }
        }
    }

    public static void classConditionForwardPortable(int from, int to, int[] labels, int[] drop, float[] classEmb,
                                                     float[] fake, float[] pos, float[] out, int B, int S, int D) {
        for (@Parallel int k = 0; k < to - from; k++) {
            for (@Parallel int d = 0; d < D; d++) {
                int row = from + k;
                int b = row / S, s = row % S;
                float c;
                if (drop[b] != 0) {
                    c = fake[d];
                } else {
                    c = classEmb[labels[b] * D + d];
                }
                out[row * D + d] = c + pos[s * D + d];
            }
        }
    }

    public static void classConditionBackwardPortable(int from, int to, int[] labels, int[] drop, float[] dout,
                                                      float[] dClassEmb, float[] dFake, float[] dPos, int B, int S,
                                                      int D, int numClasses) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int d = from + k;
            for (int b = 0; b < B; b++) {
                float acc = 0f;
                for (int s = 0; s < S; s++) {
                    float g = dout[(b * S + s) * D + d];
                    acc += g;
                    dPos[s * D + d] += g;
                }
                int label = labels[b];
                if (drop[b] != 0) {
                    dFake[d] += acc;
                } else if (label >= 0 && label < numClasses) {
                    dClassEmb[label * D + d] += acc;
                }
            }
        }
    }

    /** dst[dstOff+d] += src[srcOff+d] for the column slice d in [from, to) of the parallel loop. */
    private static void addSlice(float[] src, int srcOff, float[] dst, int dstOff, int from, int to) {
        int upper = from + SPECIES.loopBound(to - from);
        int d = from;
        for (; d < upper; d += SPECIES.length()) {
            FloatVector.fromArray(SPECIES, src, srcOff + d).add(FloatVector.fromArray(SPECIES, dst, dstOff + d))
                    .intoArray(dst, dstOff + d);
        }
        for (; d < to; d++) {
            dst[dstOff + d] += src[srcOff + d];
        }
    }

    private static int checkedRow(String what, int at, int id, int count) {
        if (id < 0 || id >= count) {
            throw new IllegalArgumentException(what + "[" + at + "] = " + id + " is outside [0, " + count + ")");
        }
        return id;
    }
}
