package eim.runtime.cli;

import eim.model.generator.GeneratorImport;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The generator checkpoint a command reads, ours or the authors' (a picocli mixin): {@code --checkpoint},
 * {@code --no-ema}, and the two sizes an authors' {@code .ckpt} does not record.
 */
public final class GeneratorCheckpointOption {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE",
            description = "generator checkpoint: ours (.safetensors, from 'train' or 'import') or the authors' (.ckpt, "
                    + "converted in memory)")
    Path path;

    @Option(names = "--no-ema", description = "use the trained weights instead of their EMA copy (default: the EMA copy "
            + "where the checkpoint has one)")
    boolean noEma;

    @Option(names = "--heads", description = "attention heads of an authors' .ckpt (default the authors' count: width/64, "
            + "16 for H); ours record theirs")
    Integer heads;

    @Option(names = "--window", description = "attention window of an authors' .ckpt (default 3); ours record theirs")
    Integer window;

    /** The generator, whether it holds the EMA weights, and the vae_norm and class names its file records. */
    GeneratorImport.Opened load() throws IOException {
        return GeneratorImport.open(path, !noEma, heads, window);
    }
}
