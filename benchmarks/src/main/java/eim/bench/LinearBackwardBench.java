package eim.bench;

import eim.tasks.FloatArray;
import eim.tasks.Task;
import eim.tasks.kernels.Linear;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The two Linear backward kernels (2/3 of a training step's matmul FLOPs): dx += dy W and
 * dW += dyᵀ x, db += Σ dy. Shapes "MxNxK" as {@link LinearBench} without 2048³ (the tornado backend on PoCL
 * takes seconds per call there).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LinearBackwardBench {
    @Param({"java", "tornado"})
    public String backend;

    @Param({"256x256x256", "512x512x512", "1024x1024x1024",
            "128x1536x512", "256x2048x512", "256x512x2048", "512x1536x512", "512x2880x960"})
    public String shape;

    private KernelRig rig;

    @Setup
    public void setup() {
        int[] d = KernelRig.dims(shape, 3, "MxNxK");
        int m = d[0], n = d[1], k = d[2];
        FloatArray x = KernelRig.randn("x", m * k, 1), w = KernelRig.randn("w", n * k, 2);
        FloatArray dy = KernelRig.randn("dy", m * n, 3);
        FloatArray dx = new FloatArray("dx", m * k), dw = new FloatArray("dw", n * k), db = new FloatArray("db", n);
        rig = new KernelRig(backend, "linear_backward_", shape,
                KernelRig.graph("input", dy, w).add(new Task("input.dx", Linear.BACKWARD_INPUT, new int[] {m, k},
                        new Object[] {dy, w, dx, m, n, k})),
                KernelRig.graph("weight", dy, x).add(new Task("weight.dw", Linear.BACKWARD_WEIGHT, new int[] {n, k},
                        new Object[] {dy, x, dw, db, m, n, k})));
    }

    @Benchmark
    public void linear_backward_input() {
        rig.run("input");
    }

    @Benchmark
    public void linear_backward_weight() {
        rig.run("weight");
    }

    @TearDown
    public void tearDown() {
        rig.close();
    }
}
