package eim.bench;

import eim.tasks.FloatArray;
import eim.tasks.kernels.WindowedCausalAttention;
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
 * {@code window_attention_forward} with the generator's window ω = 3, no dropout. Shape "BxLxHxhd"
 * (small preset heads: 8 x 64) at L = 16, 64, 256, 1024: the cost per token should stay flat
 * (linear in L), while the authors' masked full attention grows with L.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class WindowedAttentionBench {
    /** ω = cond_length of the paper. */
    static final int WINDOW = 3;

    @Param({"java", "tornado"})
    public String backend;

    @Param({"4x16x8x64", "4x64x8x64", "4x256x8x64", "4x1024x8x64"})
    public String shape;

    private KernelRig rig;

    @Setup
    public void setup() {
        int[] d = KernelRig.dims(shape, 4, "BxLxHxhd");
        int b = d[0], l = d[1], h = d[2], hd = d[3];
        FloatArray qkv = KernelRig.randn("qkv", b * l * 3 * h * hd, 1);
        FloatArray out = new FloatArray("out", b * l * h * hd), lse = new FloatArray("lse", b * l * h);
        rig = new KernelRig(backend, "window_attention_", shape, KernelRig.graph("forward", qkv)
                .task2d("attention", WindowedCausalAttention.FORWARD, b * l, h, qkv, out, lse, b, l, h, hd, WINDOW,
                        0f, 0));
    }

    @Benchmark
    public void window_attention_forward() {
        rig.run("forward");
    }

    @TearDown
    public void tearDown() {
        rig.close();
    }
}
