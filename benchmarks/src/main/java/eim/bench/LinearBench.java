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
 * {@code linear_forward} y (M,N) = x (M,K) Wᵀ + b. Shape "MxNxK": the squares 256..2048 and the
 * transformer's real shapes for the small preset at batch 8 (16 image tokens, 16 buffer tokens,
 * diffusion_batch_mul 4): attention qkv 128x1536x512, MLP fc1 256x2048x512, MLP fc2 256x512x2048,
 * flow-head adaLN modulation 512x1536x512; and the S preset's flow-head adaLN modulation
 * 512x2880x960 at batch 8. Benchmark methods are named after the kernels.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LinearBench {
    @Param({"java", "tornado"})
    public String backend;

    @Param({"256x256x256", "512x512x512", "1024x1024x1024", "2048x2048x2048",
            "128x1536x512", "256x2048x512", "256x512x2048", "512x1536x512", "512x2880x960"})
    public String shape;

    private KernelRig rig;

    @Setup
    public void setup() {
        int[] d = KernelRig.dims(shape, 3, "MxNxK");
        int m = d[0], n = d[1], k = d[2];
        FloatArray x = KernelRig.randn("x", m * k, 1), w = KernelRig.randn("w", n * k, 2);
        FloatArray b = KernelRig.randn("b", n, 3), y = new FloatArray("y", m * n);
        rig = new KernelRig(backend, "linear_", shape, KernelRig.graph("forward", x, w, b)
                .add(new Task("forward.linear", Linear.FORWARD, new int[] {m, n}, new Object[] {x, w, b, y, m, n, k})));
    }

    @Benchmark
    public void linear_forward() {
        rig.run("forward");
    }

    @TearDown
    public void tearDown() {
        rig.close();
    }
}
