package eim.runtime.cli;

import eim.model.generator.GeneratorConfig;
import eim.model.generator.GeneratorImport;
import eim.model.io.TorchCheckpoint;
import eim.model.tokenizer.TokenizerImport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Converts the authors' PyTorch checkpoints to ours (safetensors, config in the metadata): the generator "
                + "(.ckpt with model/model_ema) or the tokenizer (Lightning .ckpt with state_dict and ema_* copies), told "
                + "apart by their content. Sizes are read from the tensor shapes; every key and shape is checked.")
final class ImportCommand implements Callable<Integer> {
    enum Kind { generator, tokenizer }

    @Parameters(index = "0", description = "IN.ckpt") Path in;
    @Parameters(index = "1", description = "OUT.safetensors") Path out;
    @Option(names = "--kind", description = "generator or tokenizer (default: detected from the content)") Kind kind;
    @Option(names = "--heads", description = "generator: attention heads (default the authors' count: width/64, 16 for H)")
    Integer heads;
    @Option(names = "--window", description = "generator: attention window ω (default 3)") Integer window;
    @Option(names = "--preset", description = "tokenizer: use this preset's config (checked) instead of reading the shapes (default: read the shapes)")
    String preset;
    @Option(names = "--resolution", description = "tokenizer: expected image height (checked against the shapes; default as they imply)")
    Integer resolution;
    @Option(names = "--groups", description = "tokenizer: GroupNorm groups (default 32, the authors')") Integer groups;
    @Option(names = "--vae-norm", description = "latent scale of the tokens, recorded in the file (default 0.05493, the authors')") Float vaeNorm;

    @Override
    public Integer call() throws Exception {
        eim.tasks.io.OutputPaths.requireWritableFile(out, 0); // the size is checked when writing starts
        long t0 = System.nanoTime();
        Kind k = kind != null ? kind : detect(in);
        if (k == Kind.generator) {
            rejectOptions("tokenizer", preset, resolution, groups);
            GeneratorConfig cfg = GeneratorImport.convert(in, out, heads, window, vaeNorm);
            System.out.printf("imported generator %s -> %s in %.1f s: width %d, %d blocks, %d heads, window %d, %d classes, "
                            + "%d-channel tokens, buffer %d, head %dx%d, vae_norm %s%n", in, out, (System.nanoTime() - t0) / 1e9,
                    cfg.width(), cfg.depth(), cfg.heads(), cfg.window(), cfg.numClasses(), cfg.tokenChannels(),
                    cfg.bufferSize(), cfg.headDepth(), cfg.headWidth(), vaeNorm != null ? vaeNorm : TokenizerImport.AUTHORS_VAE_NORM);
        } else {
            rejectOptions("generator", heads, window);
            TokenizerImport.Result r = TokenizerImport.convert(in, out,
                    new TokenizerImport.Options(preset, resolution, groups, vaeNorm));
            System.out.printf("imported tokenizer %s -> %s in %.1f s: %s, vae_norm %s; %s%n", in, out,
                    (System.nanoTime() - t0) / 1e9, TokenizerImport.describe(r.config()), r.config().vaeNorm(), r.summary());
        }
        return 0;
    }

    /** Which of the authors' checkpoints {@code file} is, from its top-level entries. */
    static Kind detect(Path file) throws IOException {
        try (TorchCheckpoint ck = TorchCheckpoint.open(file)) {
            if (TokenizerImport.isTokenizerCheckpoint(ck)) {
                return Kind.tokenizer;
            }
            List<String> top = ck.topLevelKeys();
            if (top.contains("model")) {
                return Kind.generator;
            }
            throw new IllegalArgumentException(file + ": neither a generator checkpoint ('model'/'model_ema') nor a tokenizer "
                    + "checkpoint ('state_dict' with encoder.* and quant_layer.*); top-level keys: " + top);
        }
    }

    private static void rejectOptions(String kind, Object... values) {
        for (Object v : values) {
            if (v != null) {
                throw new UsageError("an option for " + kind + " checkpoints was given, but the input is not one "
                        + "(--heads/--window are for generators; --preset/--resolution/--groups/--vae-norm for tokenizers)");
            }
        }
    }
}
