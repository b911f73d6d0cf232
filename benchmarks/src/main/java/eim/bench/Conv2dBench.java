package eim.bench;

import eim.tasks.FloatArray;
import eim.tasks.kernels.Conv2d;
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
 * {@code conv2d_forward}, reflect-padded as the authors' tokenizer convolutions. Shape
 * "BxCinxCoutxHxWxK" (square K x K kernel): the small tokenizer preset at batch 8 - its three
 * levels' 3x3 convolutions (32 channels at 64x64, 64 at 32x32 and 16x16), conv_in (3 -> 32),
 * a conv_out to RGB (32 -> 3) and the attention's 1x1 projections (64 at 16x16) - and the official
 * preset at batch 1: its first level (128 channels at 256x256, the largest share of an encode),
 * 256 at 64x64, 512 at 32x32, two of the decoder's upsampling convolutions (128 -> 512 at 128x128,
 * 256 -> 1024 at 64x64; Winograd on the java backend with AVX-512) and its last level (512 at 16x16,
 * direct).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class Conv2dBench {
    @Param({"java", "tornado"})
    public String backend;

    @Param({"8x32x32x64x64x3", "8x64x64x32x32x3", "8x64x64x16x16x3", "8x3x32x64x64x3", "8x32x3x64x64x3",
            "8x64x64x16x16x1", "1x128x128x256x256x3", "1x256x256x64x64x3", "1x512x512x32x32x3", "1x128x512x128x128x3",
            "1x256x1024x64x64x3", "1x512x512x16x16x3"})
    public String shape;

    private KernelRig rig;

    @Setup
    public void setup() {
        int[] d = KernelRig.dims(shape, 6, "BxCinxCoutxHxWxK");
        int b = d[0], cin = d[1], cout = d[2], h = d[3], w = d[4], k = d[5];
        FloatArray x = KernelRig.randn("x", b * cin * h * w, 1), weight = KernelRig.randn("w", cout * cin * k * k, 2);
        FloatArray bias = KernelRig.randn("b", cout, 3), y = new FloatArray("y", b * cout * h * w);
        rig = new KernelRig(backend, "conv2d_", shape, KernelRig.graph("forward", x, weight, bias)
                .task2d("conv", Conv2d.FORWARD, b * cout, h * w, x, weight, bias, y, b, cin, cout, h, w, k, k));
    }

    @Benchmark
    public void conv2d_forward() {
        rig.run("forward");
    }

    @TearDown
    public void tearDown() {
        rig.close();
    }
}
