package eim.runtime.cli;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorImport;
import eim.tasks.Device;
import eim.tasks.Devices;
import eim.tasks.io.SafeTensors;
import eim.tasks.io.Tensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Runs the generator's transformer in inference mode on tokens (B,L,C) and writes the conditioning "
                + "vectors z (B,L,D) that predict each token (the authors' forward_encoder), to compare with PyTorch.")
final class ForwardCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "ours (.safetensors) or the authors' (.ckpt)") Path ckpt;
    @Option(names = "--tokens", required = true, description = "safetensors with tensor 'tokens' (B,L,C)") Path tokens;
    @Option(names = "--labels", split = ",", required = true, description = "one class per sequence (-1 = null class)")
    int[] labels;
    @Option(names = "--out", required = true) Path out;
    @Option(names = "--no-ema", description = "use the trained weights instead of the EMA") boolean noEma;
    @Option(names = "--heads") Integer heads;
    @Option(names = "--window") Integer window;
    @Mixin DeviceOption device;

    @Override
    public Integer call() throws Exception {
        eim.tasks.io.OutputPaths.requireWritableFile(out, 0);
        EquivariantGenerator m = GeneratorImport.load(ckpt, !noEma, heads, window);
        Tensor t = SafeTensors.read(tokens).tensors().get("tokens");
        if (t == null || t.shape().length != 3) {
            throw new IllegalArgumentException(tokens + ": expected a tensor 'tokens' of shape (B, L, C)");
        }
        t.requireFinite(tokens + ": tensor 'tokens'");
        if (t.dim(0) != labels.length) {
            throw new IllegalArgumentException(tokens + " has " + t.dim(0) + " sequences but " + labels.length + " labels were given");
        }
        if (t.dim(2) != m.cfg.tokenChannels()) {
            throw new IllegalArgumentException(tokens + ": tokens have " + t.dim(2) + " channels, the model expects "
                    + m.cfg.tokenChannels());
        }
        float[] z;
        try (Device dev = device.open()) {
            z = m.conditions(dev, t.floats(), labels, t.dim(1));
        }
        SafeTensors.write(out, Map.of("z", Tensor.of(z, t.dim(0), t.dim(1), m.cfg.width())), Map.of("checkpoint", ckpt.toString()));
        System.out.printf("wrote %s: z (%d, %d, %d)%n", out, t.dim(0), t.dim(1), m.cfg.width());
        return 0;
    }
}
