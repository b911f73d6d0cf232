package eim.runtime.generate;

import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.model.tokenizer.TokenizerImport;
import eim.model.io.TokenizerCheckpoint;
import eim.tasks.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens a tokenizer from either of the two files users have: ours (.safetensors) or the authors' (.ckpt/.pth). */
public final class TokenizerFiles {
    private TokenizerFiles() {}

    /** The config of a tokenizer file, read without its weights (for checks before long work). */
    public static TokenizerConfig config(Path file, TokenizerImport.Options options) throws IOException {
        requireFile(file);
        if (file.getFileName().toString().endsWith(".safetensors")) {
            return TokenizerCheckpoint.config(file);
        }
        return TokenizerImport.config(file, options);
    }

    /**
     * A tokenizer for inference on {@code device}, with the EMA weights when {@code useEma} and the
     * file has them. {@code options} apply to the authors' checkpoints only (ours store their config).
     */
    public static Tokenizer load(Path file, Device device, boolean useEma, TokenizerImport.Options options)
            throws IOException {
        return load(file, device, useEma, options, Tokenizer.Part.WHOLE);
    }

    /** As {@link #load(Path, Device, boolean, TokenizerImport.Options)}, holding only {@code part}. */
    public static Tokenizer load(Path file, Device device, boolean useEma, TokenizerImport.Options options, Tokenizer.Part part)
            throws IOException {
        requireFile(file);
        if (file.getFileName().toString().endsWith(".safetensors")) {
            return TokenizerCheckpoint.loadForInference(file, device, useEma, part);
        }
        return TokenizerImport.load(file, device, useEma, options, part);
    }

    private static void requireFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + ": no such tokenizer file");
        }
    }
}
