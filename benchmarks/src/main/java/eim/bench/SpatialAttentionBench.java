package eim.bench;

import eim.tasks.FloatArray;
import eim.tasks.kernels.SpatialAttention;
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
 * {@code spatial_attention_forward}: the tokenizer's single-head attention over the N = H·W pixels
 * of a plane (q, k, v channels-first). Shape "BxCxN": the small preset at batch 8 (64 channels,
 * 16x16), the official preset at batch 1 and 8 (512 channels, 16x16), and a 32x32 plane.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class SpatialAttentionBench {
    @Param({"java", "tornado"})
    public String backend;

    @Param({"8x64x256", "1x512x256", "8x512x256", "8x64x1024"})
    public String shape;

    private KernelRig rig;

    @Setup
    public void setup() {
        int[] d = KernelRig.dims(shape, 3, "BxCxN");
        int b = d[0], c = d[1], n = d[2];
        FloatArray q = KernelRig.randn("q", b * c * n, 1), k = KernelRig.randn("k", b * c * n, 2);
        FloatArray v = KernelRig.randn("v", b * c * n, 3);
        FloatArray out = new FloatArray("out", b * c * n), lse = new FloatArray("lse", b * n);
        rig = new KernelRig(backend, "spatial_attention_", shape, KernelRig.graph("forward", q, k, v)
                .task("attention", SpatialAttention.FORWARD, b * n, q, k, v, out, lse, b, c, n));
    }

    @Benchmark
    public void spatial_attention_forward() {
        rig.run("forward");
    }

    @TearDown
    public void tearDown() {
        rig.close();
    }
}
