package eim.runtime.cli;

import eim.model.tokenizer.Tokenizer;
import eim.model.io.TokenizerCheckpoint;
import eim.tasks.Device;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The tokenizer checkpoint a command encodes or decodes with (a picocli mixin): {@code --checkpoint}, {@code --no-ema}. */
public final class TokenizerCheckpointOption {
    @Option(names = "--checkpoint", required = true, paramLabel = "FILE",
            description = "tokenizer checkpoint (.safetensors, from 'tokenizer train' or 'import')")
    Path path;

    @Option(names = "--no-ema", description = "use the trained weights instead of their EMA copy (default: the EMA copy)")
    boolean noEma;

    /** The tokenizer for inference on {@code device}. */
    Tokenizer load(Device device) throws IOException {
        return TokenizerCheckpoint.loadForInference(path, device, !noEma);
    }
}
