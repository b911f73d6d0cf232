package eim.tasks.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The per-(query, head) and per-(key, head) loops shared by {@link WindowedCausalAttention} and
 * {@link CrossAttention} (their portable twins are the {@code attend*} methods below).
 * The mask is the key range {@code [from, to]}: nothing outside it is read.
 *
 * <p>Math, for one head: s_ij = scale · q_i·k_j, P_ij = exp(s_ij − lse_i), dropout factor
 * F_ij ∈ {0, 1/(1−p)}, out_i = Σ_j P_ij F_ij v_j. Backward with δ_i = out_i·dout_i
 * (= Σ_j P_ij F_ij (dout_i·v_j), so it stays exact under dropout):
 * dv_j += Σ_i P_ij F_ij dout_i, dS_ij = P_ij (F_ij dout_i·v_j − δ_i), dq_i += scale Σ_j dS_ij k_j,
 * dk_j += scale Σ_i dS_ij q_i.
 */
final class AttentionHeads {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    private AttentionHeads() {}

    /** One head's column block of a row-major matrix: row j of it starts at {@code base + j*stride}. */
    record HeadRows(float[] data, int base, int stride) {
        int at(int j) {
            return base + j * stride;
        }

        float get(int j) {
            return data[at(j)];
        }
    }

    /**
     * Attention dropout on the probabilities: keep iff uniform(seed, index) >= p, kept scaled 1/(1-p).
     * {@code sampleOffset} is the global index of the replica's sample 0 (the seed's slot [1], 0 when
     * absent), so that sample b draws as sample b + sampleOffset of the whole batch.
     */
    record Dropout(float p, int seed, int sampleOffset) {
        static final Dropout NONE = new Dropout(0f, 0, 0);

        float factor(int index) {
            if (p == 0f) {
                return 1f;
            }
            return Rng.uniform(seed, index) >= p ? 1f / (1f - p) : 0f;
        }
    }

    /** timm's scale, head_dim ** -0.5, rounded to float32. */
    static float scale(int hd) {
        return (float) (1.0 / Math.sqrt(hd));
    }

    /** Index of the dropout draw for (sample·heads + head, query i, key j), as in timm's attn tensor. */
    static int dropIndex(int sampleHead, int queries, int i, int keys, int j) {
        return (sampleHead * queries + i) * keys + j;
    }

    /**
     * One query over keys [from, to]: overwrites out[oo .. oo+hd) and returns the log-sum-exp of the
     * scaled scores. Key j's dropout draw is {@code dropBase + j}.
     */
    static float forward(float[] q, int qo, HeadRows keys, HeadRows values, int from, int to, float scale,
                         float[] out, int oo, int hd, Dropout drop, int dropBase) {
        // pass 1: running max and sum of exponentials; the scores are kept for pass 2 (recomputing
        // them cost a second dot product per key: a third of cross-attention's forward)
        float[] scores = Scratch.floats(Scratch.ATTENTION_SCORES, to - from + 1);
        float max = Float.NEGATIVE_INFINITY;
        float sum = 0f;
        for (int j = from; j <= to; j++) {
            float s = scale * Linear.dot(q, qo, keys.data(), keys.at(j), hd);
            scores[j - from] = s;
            if (s > max) {
                sum = sum * (float) Math.exp(max - s) + 1f;
                max = s;
            } else {
                sum += (float) Math.exp(s - max);
            }
        }
        float lse = max + (float) Math.log(sum);
        // pass 2: out = Σ_j P_ij F_ij v_j
        Arrays.fill(out, oo, oo + hd, 0f);
        for (int j = from; j <= to; j++) {
            float f = drop.factor(dropBase + j);
            if (f == 0f) {
                continue;
            }
            float p = (float) Math.exp(scores[j - from] - lse) * f;
            axpy(out, oo, p, values.data(), values.at(j), hd);
        }
        return lse;
    }

    /** dq[dqo ..] += scale Σ_j dS_ij k_j over keys [from, to] of one query. */
    static void backwardQuery(float[] q, int qo, HeadRows keys, HeadRows values, int from, int to, float scale,
                              float[] dout, int doo, float lse, float delta, float[] dq, int dqo, int hd,
                              Dropout drop, int dropBase) {
        for (int j = from; j <= to; j++) {
            float p = (float) Math.exp(scale * Linear.dot(q, qo, keys.data(), keys.at(j), hd) - lse);
            float dp = drop.factor(dropBase + j) * Linear.dot(dout, doo, values.data(), values.at(j), hd);
            float ds = p * (dp - delta);
            axpy(dq, dqo, scale * ds, keys.data(), keys.at(j), hd);
        }
    }

    /**
     * For one key/value pair and the queries [from, to] that see it: dk += scale Σ_i dS_ij q_i,
     * dv += Σ_i P_ij F_ij dout_i. lse and delta are indexed by query like the queries are; query i's
     * dropout draw is {@code dropBase + i*dropStride}.
     */
    static void backwardKey(float[] k, int ko, float[] v, int vo, HeadRows queries, HeadRows douts, HeadRows lse,
                            HeadRows delta, int from, int to, float scale, float[] dk, int dko, float[] dv, int dvo,
                            int hd, Dropout drop, int dropBase, int dropStride) {
        for (int i = from; i <= to; i++) {
            float p = (float) Math.exp(scale * Linear.dot(queries.data(), queries.at(i), k, ko, hd) - lse.get(i));
            float f = drop.factor(dropBase + i * dropStride);
            float dp = f * Linear.dot(douts.data(), douts.at(i), v, vo, hd);
            float ds = p * (dp - delta.get(i));
            axpy(dk, dko, scale * ds, queries.data(), queries.at(i), hd);
            if (f != 0f) {
                axpy(dv, dvo, p * f, douts.data(), douts.at(i), hd);
            }
        }
    }

    /** δ = Σ_d out·dout over one head. */
    static float delta(float[] out, float[] dout, int o, int hd) {
        return Linear.dot(out, o, dout, o, hd);
    }

    // ---- Portable helpers (TornadoVM-compilable: scalar loops, no objects, no >>>) ----

    /** Dropout's mask as a factor: keep iff {@link Rng#uniform} >= p, kept scaled 1/(1-p); 1 when p == 0. */
    static float dropFactor(float p, int seed, int index) {
        float f = 1f;
        if (p != 0f) {
            f = Rng.uniform(seed, index) >= p ? 1f / (1f - p) : 0f;
        }
        return f;
    }

    /** Σ_d a[ao+d]·b[bo+d], a plain loop. */
    static float dotPortable(float[] a, int ao, float[] b, int bo, int n) {
        float s = 0f;
        for (int d = 0; d < n; d++) {
            s += a[ao + d] * b[bo + d];
        }
        return s;
    }

    /**
     * Portable twin of {@link #forward}: one query (q at qo) over keys [from, to], key j at
     * k[ko + j·kStride], value j at v[vo + j·kStride]; overwrites out[oo .. oo+hd), returns lse.
     */
    static float attendForward(float[] q, int qo, float[] k, int ko, float[] v, int vo, int kStride, int from,
                               int to, float scale, float[] out, int oo, int hd, float dropP, int seed,
                               int dropBase) {
        // -MAX_VALUE, not -infinity: with an infinite start the TornadoVM-compiled kernel gave NaN on
        // PoCL; exp(-MAX_VALUE - s) is 0 as exp(-inf) is, so the sums are bit-identical
        float max = -Float.MAX_VALUE;
        float sum = 0f;
        for (int j = from; j <= to; j++) {
            float s = scale * dotPortable(q, qo, k, ko + j * kStride, hd);
            if (s > max) {
                sum = sum * (float) Math.exp(max - s) + 1f;
                max = s;
            } else {
                sum += (float) Math.exp(s - max);
            }
        }
        float lse = max + (float) Math.log(sum);
        for (int d = 0; d < hd; d++) {
            out[oo + d] = 0f;
        }
        for (int j = from; j <= to; j++) {
            float f = dropFactor(dropP, seed, dropBase + j);
            if (f != 0f) {
                float p = (float) Math.exp(scale * dotPortable(q, qo, k, ko + j * kStride, hd) - lse) * f;
                int vj = vo + j * kStride;
                for (int d = 0; d < hd; d++) {
                    out[oo + d] += p * v[vj + d];
                }
            }
        }
        return lse;
    }

    /** Portable twin of {@link #backwardQuery}: dq[dqo ..] += scale Σ_j dS_ij k_j over keys [from, to]. */
    static void attendBackwardQuery(float[] q, int qo, float[] k, int ko, float[] v, int vo, int kStride, int from,
                                    int to, float scale, float[] dout, int doo, float lse, float delta, float[] dq,
                                    int dqo, int hd, float dropP, int seed, int dropBase) {
        for (int j = from; j <= to; j++) {
            int kj = ko + j * kStride;
            float p = (float) Math.exp(scale * dotPortable(q, qo, k, kj, hd) - lse);
            float dp = dropFactor(dropP, seed, dropBase + j) * dotPortable(dout, doo, v, vo + j * kStride, hd);
            float g = scale * (p * (dp - delta));
            for (int d = 0; d < hd; d++) {
                dq[dqo + d] += g * k[kj + d];
            }
        }
    }

    /**
     * Portable twin of {@link #backwardKey}: for the key at k[ko] / value at v[vo] and the queries
     * [from, to] (query i at q[qo + i·qStride], dout at dout[doo + i·doStride], lse/delta at
     * [lo + i·lStride]): dk += scale Σ_i dS_ij q_i, dv += Σ_i P_ij F_ij dout_i.
     */
    static void attendBackwardKey(float[] k, int ko, float[] v, int vo, float[] q, int qo, int qStride, float[] dout,
                                  int doo, int doStride, float[] lse, float[] delta, int lo, int lStride, int from,
                                  int to, float scale, float[] dk, int dko, float[] dv, int dvo, int hd, float dropP,
                                  int seed, int dropBase, int dropStride) {
        for (int i = from; i <= to; i++) {
            int qi = qo + i * qStride;
            int di = doo + i * doStride;
            float p = (float) Math.exp(scale * dotPortable(q, qi, k, ko, hd) - lse[lo + i * lStride]);
            float f = dropFactor(dropP, seed, dropBase + i * dropStride);
            float dp = f * dotPortable(dout, di, v, vo, hd);
            float g = scale * (p * (dp - delta[lo + i * lStride]));
            for (int d = 0; d < hd; d++) {
                dk[dko + d] += g * q[qi + d];
            }
            if (f != 0f) {
                float pf = p * f;
                for (int d = 0; d < hd; d++) {
                    dv[dvo + d] += pf * dout[di + d];
                }
            }
        }
    }

    /** y[yo .. yo+n) += alpha · x[xo .. xo+n) with the Vector API. */
    static void axpy(float[] y, int yo, float alpha, float[] x, int xo, int n) {
        int upper = S.loopBound(n);
        FloatVector a = FloatVector.broadcast(S, alpha);
        int d = 0;
        for (; d < upper; d += S.length()) {
            a.fma(FloatVector.fromArray(S, x, xo + d), FloatVector.fromArray(S, y, yo + d)).intoArray(y, yo + d);
        }
        for (; d < n; d++) {
            y[yo + d] += alpha * x[xo + d];
        }
    }
}
