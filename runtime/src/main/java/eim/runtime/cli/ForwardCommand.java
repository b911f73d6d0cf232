package eim.runtime.cli;

import eim.model.generator.EquivariantGenerator;
import eim.model.io.TokenFile;
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
    @Mixin GeneratorCheckpointOption checkpoint;
    @Option(names = "--tokens", required = true, description = "token file, or any safetensors with a tensor 'tokens' (B,L,C)") Path tokens;
    @Option(names = "--labels", split = ",", required = true, description = "one class per sequence (-1 = null class)")
    int[] labels;
    @Option(names = "--out", required = true, description = "file to write: safetensors with tensor 'z' (B,L,D)") Path out;
    @Mixin DeviceOption device;

    @Override
    public Integer call() throws Exception {
        eim.tasks.io.OutputPaths.requireWritableFile(out, 0);
        EquivariantGenerator m = checkpoint.load().model();
        TokenFile t = TokenFile.read(tokens);
        if (t.count() != labels.length) {
            throw new IllegalArgumentException(tokens + " has " + t.count() + " sequences but " + labels.length + " labels were given");
        }
        if (t.channels() != m.cfg.tokenChannels()) {
            throw new IllegalArgumentException(tokens + ": tokens have " + t.channels() + " channels, the model expects "
                    + m.cfg.tokenChannels());
        }
        float[] z;
        try (Device dev = device.open()) {
            z = m.conditions(dev, t.tokens(), labels, t.length());
        }
        SafeTensors.write(out, Map.of("z", Tensor.of(z, t.count(), t.length(), m.cfg.width())), Map.of("checkpoint", checkpoint.path.toString()));
        System.out.printf("wrote %s: z (%d, %d, %d)%n", out, t.count(), t.length(), m.cfg.width());
        return 0;
    }
}
