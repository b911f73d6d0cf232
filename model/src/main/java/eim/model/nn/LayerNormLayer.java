package eim.model.nn;

import eim.model.Parameters;
import eim.tasks.FloatArray;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.LayerNorm;

/**
 * nn.LayerNorm(D, eps), affine ({@code <name>.weight}, {@code <name>.bias}) or not. The forward
 * saves mean and rstd per row in arrays the caller owns, for the backward.
 */
public final class LayerNormLayer {
    private static final FloatArray NONE = new FloatArray("layernorm.none", 1);

    public final String name;
    public final int dim;
    public final float eps;
    public final FloatArray w, b;
    private final Parameters.Param wp, bp;

    /** Affine LayerNorm with parameters in {@code p}. */
    public LayerNormLayer(Parameters p, String name, int dim, float eps) {
        this.name = name;
        this.dim = dim;
        this.eps = eps;
        this.w = p.add(name + ".weight", dim);
        this.b = p.add(name + ".bias", dim);
        this.w.fill(1f);
        this.wp = p.param(name + ".weight");
        this.bp = p.param(name + ".bias");
    }

    /** LayerNorm without affine parameters. */
    public LayerNormLayer(String name, int dim, float eps) {
        this.name = name;
        this.dim = dim;
        this.eps = eps;
        this.w = this.b = null;
        this.wp = this.bp = null;
    }

    public boolean affine() {
        return w != null;
    }

    public void forward(TaskGraph g, FloatArray x, FloatArray y, FloatArray mean, FloatArray rstd, int rows) {
        g.task(name, LayerNorm.FORWARD, rows, x, affine() ? w : NONE, affine() ? b : NONE, y, mean, rstd, rows, dim, eps,
                affine() ? 1 : 0);
    }

    /** dx += ...; dw, db += ... when affine. */
    public void backward(TaskGraph g, FloatArray dy, FloatArray x, FloatArray mean, FloatArray rstd, FloatArray dx,
                         int rows) {
        g.task(name + ".bw_in", LayerNorm.BACKWARD_INPUT, rows, dy, x, affine() ? w : NONE, mean, rstd, dx, rows, dim,
                affine() ? 1 : 0);
        if (affine()) {
            g.task(name + ".bw_w", LayerNorm.BACKWARD_PARAMS, dim, dy, x, mean, rstd, wp.grad(), bp.grad(), rows, dim);
        }
    }

    /** Scratch for a forward over {@code rows}: output, mean, rstd. */
    public record Saved(FloatArray y, FloatArray mean, FloatArray rstd) {
        public static Saved of(String name, int rows, int dim) {
            return new Saved(new FloatArray(name, rows * dim), new FloatArray(name + ".mean", rows),
                    new FloatArray(name + ".rstd", rows));
        }
    }

    public void forward(TaskGraph g, FloatArray x, Saved s, int rows) {
        forward(g, x, s.y(), s.mean(), s.rstd(), rows);
    }

    public void backward(TaskGraph g, FloatArray dy, FloatArray x, Saved s, FloatArray dx, int rows) {
        backward(g, dy, x, s.mean(), s.rstd(), dx, rows);
    }
}
