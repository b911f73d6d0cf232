package eim.bench;

import eim.tasks.FloatArray;
import eim.tasks.kernels.LayerNorm;
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
 * {@code layernorm_forward} with affine weights, eps 1e-6. Shape "rowsxD": the small preset's
 * transformer (8 x 32 positions x 512) and a large one (4096 x 1024).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LayerNormBench {
    @Param({"java", "tornado"})
    public String backend;

    @Param({"256x512", "4096x1024"})
    public String shape;

    private KernelRig rig;

    @Setup
    public void setup() {
        int[] d = KernelRig.dims(shape, 2, "rowsxD");
        int rows = d[0], dim = d[1];
        FloatArray x = KernelRig.randn("x", rows * dim, 1), w = KernelRig.randn("w", dim, 2);
        FloatArray b = KernelRig.randn("b", dim, 3), y = new FloatArray("y", rows * dim);
        FloatArray mean = new FloatArray("mean", rows), rstd = new FloatArray("rstd", rows);
        rig = new KernelRig(backend, "layernorm_", shape, KernelRig.graph("forward", x, w, b)
                .task("layernorm", LayerNorm.FORWARD, rows, x, w, b, y, mean, rstd, rows, dim, 1e-6f, 1));
    }

    @Benchmark
    public void layernorm_forward() {
        rig.run("forward");
    }

    @TearDown
    public void tearDown() {
        rig.close();
    }
}
