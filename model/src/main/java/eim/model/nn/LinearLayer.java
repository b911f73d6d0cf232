package eim.model.nn;

import eim.model.Parameters;
import eim.tasks.FloatArray;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.Linear;

/** nn.Linear(in, out) with bias: parameters {@code <name>.weight} (out, in) and {@code <name>.bias} (out). */
public final class LinearLayer {
    public final String name;
    public final int in, out;
    public final FloatArray w, b;
    private final Parameters params;
    private final Parameters.Param wp, bp;

    public LinearLayer(Parameters p, String name, int in, int out) {
        this.params = p;
        this.name = name;
        this.in = in;
        this.out = out;
        this.w = p.add(name + ".weight", out, in);
        this.b = p.add(name + ".bias", out);
        this.wp = p.param(name + ".weight");
        this.bp = p.param(name + ".bias");
    }

    /** y (rows, out) = x (rows, in) Wᵀ + b. */
    public void forward(TaskGraph g, FloatArray x, FloatArray y, int rows) {
        g.task2d(name, Linear.FORWARD, rows, out, x, w, b, y, rows, out, in);
    }

    /**
     * dW, db += ... (= where this is their first task in a recorded backward pass,
     * {@link Parameters#firstGradientWrite}); dx += dy W unless dx is null.
     */
    public void backward(TaskGraph g, FloatArray dy, FloatArray x, FloatArray dx, int rows) {
        backward(g, dy, x, dx, rows, false);
    }

    /** {@link #backward} with dx = dy W: dx's first writer in the pass, which then needs no zeroing. */
    public void backwardOverwritingInput(TaskGraph g, FloatArray dy, FloatArray x, FloatArray dx, int rows) {
        backward(g, dy, x, dx, rows, true);
    }

    private void backward(TaskGraph g, FloatArray dy, FloatArray x, FloatArray dx, int rows, boolean overwriteDx) {
        if (dx != null) {
            g.task2d(name + ".bw_in", overwriteDx ? Linear.BACKWARD_INPUT_SET : Linear.BACKWARD_INPUT, rows, in, dy, w,
                    dx, rows, out, in);
        }
        boolean overwrite = params.firstGradientWrite(wp);
        if (params.firstGradientWrite(bp) != overwrite) {
            throw new IllegalStateException(name + ": weight and bias gradients written by different tasks");
        }
        g.task2d(name + ".bw_w", overwrite ? Linear.BACKWARD_WEIGHT_SET : Linear.BACKWARD_WEIGHT, out, in, dy, x, dw(),
                db(), rows, out, in);
    }

    /** The weight's gradient (allocated when first asked for: training only). */
    public FloatArray dw() {
        return wp.grad();
    }

    /** The bias's gradient (allocated when first asked for: training only). */
    public FloatArray db() {
        return bp.grad();
    }
}
