package eim.model.nn;

import eim.tasks.FloatArray;
import eim.tasks.IntParam;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.Activations;
import eim.tasks.kernels.AdaLN;
import eim.tasks.kernels.Dropout;
import eim.tasks.kernels.Elementwise;
import eim.tasks.kernels.FlowMatching;
import eim.tasks.kernels.Timestep;

/**
 * Appends kernel launches to a task graph: the one place where the model code meets the kernels'
 * argument orders (see tornado-tasks/KERNELS.md). Sizes are taken from the arrays where they can be.
 */
public final class Ops {
    private Ops() {}

    public static void fill(TaskGraph g, FloatArray x, float value) {
        g.task("fill." + x.name(), Elementwise.FILL, x.size(), x, value, x.size());
    }

    /** Zeroes every array (gradients before a backward pass). */
    public static void zero(TaskGraph g, FloatArray... xs) {
        for (FloatArray x : xs) {
            fill(g, x, 0f);
        }
    }

    public static void copy(TaskGraph g, FloatArray src, int srcOff, FloatArray dst, int dstOff, int n) {
        g.task("copy." + dst.name(), Elementwise.COPY, n, src, srcOff, dst, dstOff, n);
    }

    /** y += x. */
    public static void addInPlace(TaskGraph g, FloatArray y, FloatArray x) {
        g.task("add." + y.name(), Elementwise.ADD_INPLACE, y.size(), y, x, y.size());
    }

    public static void gelu(TaskGraph g, FloatArray x, FloatArray y) {
        g.task("gelu." + y.name(), Activations.GELU_FORWARD, x.size(), x, y, x.size());
    }

    /** dx += dy · gelu'(x). */
    public static void geluBackward(TaskGraph g, FloatArray x, FloatArray dy, FloatArray dx) {
        g.task("gelu_bw." + dx.name(), Activations.GELU_BACKWARD, x.size(), x, dy, dx, x.size());
    }

    /** y = dropout(gelu(x)) in one pass; with p == 0 the GELU alone, written straight into y. */
    public static void geluDropout(TaskGraph g, FloatArray x, FloatArray y, float p, IntParam seed) {
        if (p == 0f) {
            gelu(g, x, y);
        } else {
            g.task("gelu_dropout." + y.name(), Activations.GELU_DROPOUT_FORWARD, x.size(), x, y, x.size(), p, seed);
        }
    }

    /** dx = gelu'(x) · dropout(dy), overwriting dx: the backward of {@link #geluDropout}, dx's only writer. */
    public static void geluDropoutBackward(TaskGraph g, FloatArray x, FloatArray dy, FloatArray dx, float p,
                                           IntParam seed) {
        g.task("gelu_dropout_bw." + dx.name(), Activations.GELU_DROPOUT_BACKWARD, x.size(), x, dy, dx, x.size(), p, seed);
    }

    public static void silu(TaskGraph g, FloatArray x, FloatArray y) {
        g.task("silu." + y.name(), Activations.SILU_FORWARD, x.size(), x, y, x.size());
    }

    /** dx += dy · silu'(x). */
    public static void siluBackward(TaskGraph g, FloatArray x, FloatArray dy, FloatArray dx) {
        g.task("silu_bw." + dx.name(), Activations.SILU_BACKWARD, x.size(), x, dy, dx, x.size());
    }

    /** y = dropout(x) with probability p and a per-execution seed; p == 0 copies. */
    public static void dropout(TaskGraph g, FloatArray x, FloatArray y, float p, IntParam seed) {
        if (p == 0f) {
            copy(g, x, 0, y, 0, x.size());
        } else {
            g.task("dropout." + y.name(), Dropout.FORWARD, x.size(), x, y, x.size(), p, seed);
        }
    }

    /**
     * dx = dropout mask · dy / (1-p), overwriting dx: its first writer in a backward pass, which
     * then needs no zeroing. The forward kernel on dy, since dropout's backward is the same masking.
     */
    public static void dropoutBackwardOverwriting(TaskGraph g, FloatArray dy, FloatArray dx, float p, IntParam seed) {
        if (p == 0f) {
            copy(g, dy, 0, dx, 0, dy.size());
        } else {
            g.task("dropout_bw." + dx.name(), Dropout.FORWARD, dy.size(), dy, dx, dy.size(), p, seed);
        }
    }

    /** h = xn·(1+scale) + shift with shift/scale at column offsets of mod (rows, modStride). */
    public static void modulate(TaskGraph g, FloatArray xn, FloatArray mod, FloatArray h, int rows, int w,
                                int modStride, int shiftOff, int scaleOff) {
        g.task2d("modulate." + h.name(), AdaLN.MODULATE_FORWARD, rows, w, xn, mod, h, rows, w, modStride, shiftOff, scaleOff);
    }

    public static void modulateBackward(TaskGraph g, FloatArray xn, FloatArray mod, FloatArray dh, FloatArray dxn,
                                        FloatArray dmod, int rows, int w, int modStride, int shiftOff, int scaleOff) {
        g.task2d("modulate_bw." + dxn.name(), AdaLN.MODULATE_BACKWARD, rows, w, xn, mod, dh, dxn, dmod, rows, w,
                modStride, shiftOff, scaleOff);
    }

    /** x += gate · h. */
    public static void gateAdd(TaskGraph g, FloatArray x, FloatArray h, FloatArray mod, int rows, int w, int modStride,
                               int gateOff) {
        g.task2d("gate_add." + x.name(), AdaLN.GATE_ADD_FORWARD, rows, w, x, h, mod, rows, w, modStride, gateOff);
    }

    public static void gateAddBackward(TaskGraph g, FloatArray dx, FloatArray h, FloatArray mod, FloatArray dh,
                                       FloatArray dmod, int rows, int w, int modStride, int gateOff) {
        g.task2d("gate_add_bw." + dh.name(), AdaLN.GATE_ADD_BACKWARD, rows, w, dx, h, mod, dh, dmod, rows, w, modStride,
                gateOff);
    }

    public static void timestepEmbedding(TaskGraph g, FloatArray t, FloatArray out, int n, int dim) {
        g.task2d("timestep." + out.name(), Timestep.EMBEDDING, n, dim / 2, t, out, n, dim, 10000);
    }

    /** dst[k·rows + r] = src[r] for k < times. */
    public static void repeatRows(TaskGraph g, FloatArray src, FloatArray dst, int rows, int d, int times) {
        g.task2d("repeat." + dst.name(), FlowMatching.REPEAT_ROWS, times * rows, d, src, dst, rows, d, times);
    }

    public static void repeatRowsBackward(TaskGraph g, FloatArray ddst, FloatArray dsrc, int rows, int d, int times) {
        g.task2d("repeat_bw." + dsrc.name(), FlowMatching.REPEAT_ROWS_BACKWARD, rows, d, ddst, dsrc, rows, d, times);
    }
}
