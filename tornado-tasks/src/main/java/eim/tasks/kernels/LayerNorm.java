package eim.tasks.kernels;

import eim.tasks.Kernel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Layer normalisation over the last dimension, PyTorch's {@code F.layer_norm}: biased variance,
 * {@code rstd = 1/sqrt(var + eps)}, optional elementwise affine. Shapes: x, y, dy, dx (rows, D);
 * w, b, dw, db (D); mean, rstd (rows) saved by the forward pass for the backward pass.
 * {@code affine} is an int flag (0/1); with 0 the w and b arguments are ignored dummies.
 */
public final class LayerNorm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

    /** range {rows}: y = (x − mean)·rstd·w + b. Args: x, w, b, y, mean, rstd, rows, D, eps (float), affine. */
    public static final Kernel FORWARD = Kernel.of("layernorm_forward", LayerNorm::forward)
            .withFast((from, to, a) -> forwardFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.f(5),
                    a.i(6), a.i(7), a.x(8), a.i(9) != 0))
            .withItemCost(256); // an item is a row

    /**
     * range {rows}: dx += rstd·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·w (dy when not affine).
     * Args: dy, x, w, mean, rstd, dx, rows, D, affine.
     */
    public static final Kernel BACKWARD_INPUT = Kernel.of("layernorm_backward_input", LayerNorm::backwardInput)
            .withFast((from, to, a) -> backwardInputFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.f(5),
                    a.i(6), a.i(7), a.i(8) != 0))
            .withItemCost(256); // an item is a row

    /** range {D}: dw += Σ_rows dy·x̂; db += Σ_rows dy. Args: dy, x, mean, rstd, dw, db, rows, D. */
    public static final Kernel BACKWARD_PARAMS = Kernel.of("layernorm_backward_params", LayerNorm::backwardParams)
            .withFast((from, to, a) -> backwardParamsFast(from, to, a.f(0), a.f(1), a.f(2), a.f(3), a.f(4), a.f(5),
                    a.i(6), a.i(7)));

    private LayerNorm() {}

    public static void forward(int from, int to, float[] x, float[] w, float[] b, float[] y, float[] mean,
                               float[] rstd, int rows, int D, float eps, int affine) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int r = from + k;
            int o = r * D;
            float mu = Moments.mean(x, o, D);
            float rs = Moments.rstd(x, o, D, mu, eps);
            mean[r] = mu;
            rstd[r] = rs;
            for (int d = 0; d < D; d++) {
                float xhat = (x[o + d] - mu) * rs;
                if (affine != 0) {
                    y[o + d] = xhat * w[d] + b[d];
                } else {
                    y[o + d] = xhat;
                }
            }
        }
    }

    public static void backwardInput(int from, int to, float[] dy, float[] x, float[] w, float[] mean,
                                     float[] rstd, float[] dx, int rows, int D, int affine) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int r = from + k;
            int o = r * D;
            float mu = mean[r];
            float rs = rstd[r];
            float gMean = 0f;
            float gxMean = 0f;
            for (int d = 0; d < D; d++) {
                float g = dy[o + d];
                if (affine != 0) {
                    g = g * w[d];
                }
                gMean += g;
                gxMean += g * ((x[o + d] - mu) * rs);
            }
            gMean = gMean / D;
            gxMean = gxMean / D;
            for (int d = 0; d < D; d++) {
                float g = dy[o + d];
                if (affine != 0) {
                    g = g * w[d];
                }
                float xhat = (x[o + d] - mu) * rs;
                dx[o + d] += (g - gMean - xhat * gxMean) * rs;
            }
        }
    }

    /** Item d of range {D} sums column d over all rows. */
    public static void backwardParams(int from, int to, float[] dy, float[] x, float[] mean, float[] rstd,
                                      float[] dw, float[] db, int rows, int D) {
        for (@Parallel int k = 0; k < to - from; k++) {
            int d = from + k;
            float sw = 0f;
            float sb = 0f;
            for (int r = 0; r < rows; r++) {
                float g = dy[r * D + d];
                sw += g * ((x[r * D + d] - mean[r]) * rstd[r]);
                sb += g;
            }
            dw[d] += sw;
            db[d] += sb;
        }
    }

    static void forwardFast(int from, int to, float[] x, float[] w, float[] b, float[] y, float[] mean,
                               float[] rstd, int rows, int D, float eps, boolean affine) {
        int upper = S.loopBound(D);
        for (int r = from; r < to; r++) {
            int o = r * D;
            float mu = VectorSums.sum(x, o, D) / D;
            float var = VectorSums.centredSquares(x, o, D, mu) / D;
            float rs = (float) (1.0 / Math.sqrt(var + eps));
            mean[r] = mu;
            rstd[r] = rs;
            FloatVector muV = FloatVector.broadcast(S, mu), rsV = FloatVector.broadcast(S, rs);
            int d = 0;
            for (; d < upper; d += S.length()) {
                FloatVector xhat = FloatVector.fromArray(S, x, o + d).sub(muV).mul(rsV);
                if (affine) {
                    xhat = xhat.fma(FloatVector.fromArray(S, w, d), FloatVector.fromArray(S, b, d));
                }
                xhat.intoArray(y, o + d);
            }
            for (; d < D; d++) {
                float xhat = (x[o + d] - mu) * rs;
                y[o + d] = affine ? xhat * w[d] + b[d] : xhat;
            }
        }
    }

    static void backwardInputFast(int from, int to, float[] dy, float[] x, float[] w, float[] mean,
                                     float[] rstd, float[] dx, int rows, int D, boolean affine) {
        int upper = S.loopBound(D);
        for (int r = from; r < to; r++) {
            int o = r * D;
            float mu = mean[r], rs = rstd[r];
            FloatVector muV = FloatVector.broadcast(S, mu), rsV = FloatVector.broadcast(S, rs);
            // pass 1: the row means of g and g·x̂
            FloatVector gSum = FloatVector.zero(S), gxSum = FloatVector.zero(S);
            int d = 0;
            for (; d < upper; d += S.length()) {
                FloatVector g = FloatVector.fromArray(S, dy, o + d);
                if (affine) {
                    g = g.mul(FloatVector.fromArray(S, w, d));
                }
                FloatVector xhat = FloatVector.fromArray(S, x, o + d).sub(muV).mul(rsV);
                gSum = gSum.add(g);
                gxSum = g.fma(xhat, gxSum);
            }
            float gMean = gSum.reduceLanes(VectorOperators.ADD), gxMean = gxSum.reduceLanes(VectorOperators.ADD);
            for (; d < D; d++) {
                float g = affine ? dy[o + d] * w[d] : dy[o + d];
                gMean += g;
                gxMean += g * (x[o + d] - mu) * rs;
            }
            gMean /= D;
            gxMean /= D;
            // pass 2: dx += rstd·(g − mean(g) − x̂·mean(g·x̂))
            FloatVector gMeanV = FloatVector.broadcast(S, gMean), gxMeanV = FloatVector.broadcast(S, gxMean);
            d = 0;
            for (; d < upper; d += S.length()) {
                FloatVector g = FloatVector.fromArray(S, dy, o + d);
                if (affine) {
                    g = g.mul(FloatVector.fromArray(S, w, d));
                }
                FloatVector xhat = FloatVector.fromArray(S, x, o + d).sub(muV).mul(rsV);
                FloatVector delta = g.sub(gMeanV).sub(xhat.mul(gxMeanV)).mul(rsV);
                FloatVector.fromArray(S, dx, o + d).add(delta).intoArray(dx, o + d);
            }
            for (; d < D; d++) {
                float g = affine ? dy[o + d] * w[d] : dy[o + d];
                float xhat = (x[o + d] - mu) * rs;
                dx[o + d] += (g - gMean - xhat * gxMean) * rs;
            }
        }
    }

    /** Parallel over columns [from, to); walks the rows in order so the column slice is contiguous. */
    static void backwardParamsFast(int from, int to, float[] dy, float[] x, float[] mean, float[] rstd,
                                      float[] dw, float[] db, int rows, int D) {
        int width = to - from;
        int upper = from + S.loopBound(width);
        for (int r = 0; r < rows; r++) {
            int o = r * D;
            float mu = mean[r], rs = rstd[r];
            FloatVector muV = FloatVector.broadcast(S, mu), rsV = FloatVector.broadcast(S, rs);
            int d = from;
            for (; d < upper; d += S.length()) {
                FloatVector g = FloatVector.fromArray(S, dy, o + d);
                FloatVector xhat = FloatVector.fromArray(S, x, o + d).sub(muV).mul(rsV);
                g.fma(xhat, FloatVector.fromArray(S, dw, d)).intoArray(dw, d);
                g.add(FloatVector.fromArray(S, db, d)).intoArray(db, d);
            }
            for (; d < to; d++) {
                float g = dy[o + d];
                dw[d] += g * (x[o + d] - mu) * rs;
                db[d] += g;
            }
        }
    }
}
