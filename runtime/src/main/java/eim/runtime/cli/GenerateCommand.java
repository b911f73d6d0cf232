package eim.runtime.cli;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorConfig;
import eim.model.generator.GeneratorImport;
import eim.model.generator.Sampler;
import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.model.tokenizer.TokenizerImport;
import eim.runtime.Progress;
import eim.runtime.data.Images;
import eim.runtime.data.ImageTensor;
import eim.runtime.generate.ImageCodec;
import eim.runtime.generate.ImageGenerator;
import eim.runtime.generate.TokenSampling;
import eim.runtime.generate.TokenizerFiles;
import eim.tasks.Device;
import eim.tasks.Devices;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generates class-conditional images: tokens sampled by the generator (EMA weights), decoded by the "
                + "tokenizer, written as PNG files <out>/class<C>_<N>.png. Takes our checkpoints or the authors' .ckpt files. "
                + "Every image's tokens are sampled before the tokenizer is loaded, so the two models never share memory.")
final class GenerateCommand implements Callable<Integer> {
    /** Where the models come from: files, or random weights of two presets (for timing without downloads). */
    static final class Models {
        @ArgGroup(exclusive = false, multiplicity = "0..1") Files files;
        @ArgGroup(exclusive = false, multiplicity = "0..1") Random random;
    }

    static final class Files {
        @Option(names = "--generator", required = true, description = "ours (.safetensors) or the authors' (.ckpt)")
        Path generator;
        @Option(names = "--tokenizer", required = true, description = "ours (.safetensors) or the authors' (.ckpt)")
        Path tokenizer;
    }

    static final class Random {
        @Option(names = "--random-weights", required = true,
                description = "random weights instead of files (timing and smoke tests; the images are noise)")
        boolean randomWeights;
        @Option(names = "--generator-preset", defaultValue = "L", description = "tiny, small, S, B, L, H (default ${DEFAULT-VALUE})")
        String generatorPreset;
        @Option(names = "--tokenizer-preset", defaultValue = "official",
                description = "official, small, mini, tiny (default ${DEFAULT-VALUE})")
        String tokenizerPreset;
    }

    @ArgGroup(exclusive = true, multiplicity = "1") Models models;
    @Option(names = "--class", split = ",", required = true, description = "class indices, e.g. 3,7 (-1 = unconditional)")
    int[] classes;
    @Option(names = "--count", defaultValue = "1", description = "images per class (default ${DEFAULT-VALUE})") int count;
    @Option(names = "--width", description = "tokens per image, any >= 2 (default: the generator's training length); "
            + "the image is 16 px wide per token with the official tokenizer") Integer width;
    @Mixin SamplingOptions sampling = new SamplingOptions(100, 3f);
    @Mixin SeedOption seed;
    @Option(names = "--batch", defaultValue = "4", description = "images sampled together (default ${DEFAULT-VALUE})") int batch;
    @Mixin DeviceOption device;
    @Mixin OutputFolderOption out = new OutputFolderOption("out/generated");
    @Option(names = "--vae-norm", description = "latent scale (default: the generator's recorded one, else the tokenizer "
            + "config's; 0.05493 for the released models)")
    Float vaeNorm;
    @Option(names = "--sampler", defaultValue = "incremental", description = "incremental or full (the authors' recompute) "
            + "(default ${DEFAULT-VALUE})")
    String sampler;
    @Option(names = "--no-ema", description = "use the trained weights instead of the EMA copies") boolean noEma;
    @Option(names = "--heads", description = "attention heads of an authors' .ckpt generator (default the authors' count: width/64, 16 for H)") Integer heads;
    @Option(names = "--window", description = "attention window of an authors' .ckpt generator (default 3)") Integer window;
    @Option(names = "--groups", description = "GroupNorm groups of an authors' .ckpt tokenizer (default 32)") Integer groups;

    @Override
    public Integer call() throws Exception {
        UsageError.check(count > 0 && batch > 0, "--count and --batch must be > 0");
        UsageError.check(width == null || width >= 2, "--width must be at least 2 tokens, got " + width);
        Sampler.Schedule schedule = sampling.checkedSchedule();
        Sampler.Mode mode = switch (sampler) {
            case "incremental" -> Sampler.Mode.INCREMENTAL;
            case "full" -> Sampler.Mode.FULL_RECOMPUTE;
            default -> throw new UsageError("--sampler must be incremental or full, got " + sampler);
        };
        if (models.random != null) {
            int made = UsageError.option("--generator-preset", () -> GeneratorConfig.preset(models.random.generatorPreset))
                    .tokenChannels();
            int decoded = UsageError.option("--tokenizer-preset", () -> TokenizerConfig.preset(models.random.tokenizerPreset))
                    .embedDim();
            UsageError.check(made == decoded, "--generator-preset " + models.random.generatorPreset + " makes " + made
                    + "-channel tokens but --tokenizer-preset " + models.random.tokenizerPreset + " decodes " + decoded
                    + "-channel tokens");
        }
        eim.tasks.io.OutputPaths.requireWritableFolder(out.path, 0);
        int[] labels = new int[classes.length * count];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = classes[i / count];
        }
        try (Device dev = device.open()) {
            // Two stages that never share memory: every image's tokens first, then the generator (2.6 GB
            // for L) is let go and the tokenizer's decoder loaded in its place.
            Sampled sampled = sampleAll(dev, labels, mode, schedule);
            // The generator's arrays are garbage now. Without a full collection the JVM would place the
            // decoder's large arrays in new old-generation memory rather than reuse theirs.
            System.gc();
            long t0 = System.nanoTime();
            int tokens = sampled.settings.tokens();
            try (Tokenizer tokenizer = loadTokenizer(dev);
                 Progress p = Progress.start("decode", labels.length, "image")) {
                double loadSecs = sampled.loadSeconds + (System.nanoTime() - t0) / 1e9;
                long t1 = System.nanoTime();
                ImageCodec codec = ImageCodec.of(tokenizer);
                int[] hw = codec.imageSize(tokens);
                for (int k = 0; k < sampled.latents.length; k++) {
                    int from = k * batch, n = sampled.latents[k].length / (tokens * codec.channels());
                    float[] pixels = ImageGenerator.decode(codec, sampled.vaeNorm, sampled.latents[k], n, tokens);
                    for (int i = 0; i < n; i++) {
                        int at = from + i;
                        Images.writePng(out.path.resolve(String.format("class%d_%03d.png", labels[at], at % count)),
                                ImageTensor.fromBatch(pixels, i, hw[0], hw[1]));
                        p.step();
                    }
                }
                double decodingSecs = (System.nanoTime() - t1) / 1e9, samplingSecs = sampled.samplingSeconds;
                System.out.printf("wrote %d images of %dx%d px (%d tokens) to %s: %.1f s per image (sampling %.1f s, "
                                + "decoding %.1f s per image; %d flow steps, cfg %.2f %s, %s, %s sampler); loading took %.1f s%n",
                        labels.length, hw[1], hw[0], tokens, out.path, (samplingSecs + decodingSecs) / labels.length,
                        samplingSecs / labels.length, decodingSecs / labels.length, sampling.steps, sampling.cfg, schedule.label(),
                        dev.name(), sampler, loadSecs);
            }
        }
        return 0;
    }

    /** Every image's tokens, batch by batch, and what decoding them needs. */
    private record Sampled(float[][] latents, ImageGenerator.Settings settings, float vaeNorm, double loadSeconds,
                           double samplingSeconds) {}

    /**
     * Loads the generator, checks it against the tokenizer file's config (read without its weights),
     * and samples the tokens of every image. The generator is unreachable once this returns.
     */
    private Sampled sampleAll(Device dev, int[] labels, Sampler.Mode mode, Sampler.Schedule schedule) throws Exception {
        long t0 = System.nanoTime();
        TokenizerConfig tokenizerConfig = models.random != null ? TokenizerConfig.preset(models.random.tokenizerPreset)
                : TokenizerFiles.config(models.files.tokenizer, tokenizerOptions());
        GeneratorImport.Opened opened = loadGenerator();
        EquivariantGenerator generator = opened.model();
        float norm = vaeNorm != null ? vaeNorm : vaeNorm(opened.vaeNorm(), tokenizerConfig.vaeNorm());
        ImageGenerator.checkCompatible(generator.cfg.tokenChannels(), tokenizerConfig.embedDim(), norm);
        int tokens = width != null ? width : generator.cfg.seqLen();
        ImageGenerator.Settings settings = new ImageGenerator.Settings(tokens, sampling.cfg, sampling.steps, mode, schedule);
        double loadSecs = (System.nanoTime() - t0) / 1e9;
        int batches = (labels.length + batch - 1) / batch;
        float[][] latents = new float[batches][];
        SplittableRandom seeds = new SplittableRandom(seed.value);
        long t1 = System.nanoTime();
        try (TokenSampling tokenSampling = new TokenSampling(generator, dev);
             Progress p = Progress.start("sample", (long) batches * tokens, "token")) {
            for (int k = 0; k < batches; k++) {
                int from = k * batch, to = Math.min(labels.length, from + batch);
                long done = (long) k * tokens;
                latents[k] = tokenSampling.sample(Arrays.copyOfRange(labels, from, to), settings,
                        Sampler.NoiseSource.seeded(seeds.nextLong()), (i, n) -> p.stepTo(done + i + 1L));
            }
        }
        return new Sampled(latents, settings, norm, loadSecs, (System.nanoTime() - t1) / 1e9);
    }

    private GeneratorImport.Opened loadGenerator() throws Exception {
        if (models.random != null) {
            GeneratorConfig c = GeneratorConfig.preset(models.random.generatorPreset);
            return new GeneratorImport.Opened(new EquivariantGenerator(c).initialize(seed.value), null, java.util.List.of(), false);
        }
        return GeneratorImport.open(models.files.generator, !noEma, heads, window);
    }

    /** The generator's tokens were scaled by the vae_norm it records; the tokenizer's is the fallback. */
    static float vaeNorm(Float generator, float tokenizer) {
        if (generator == null) {
            return tokenizer;
        }
        if (Math.abs(generator - tokenizer) > 1e-6f * Math.abs(tokenizer)) {
            System.err.printf("warning: the generator was trained on tokens scaled by vae_norm %s, the tokenizer's config "
                    + "says %s; using the generator's%n", generator, tokenizer);
        }
        return generator;
    }

    private Tokenizer loadTokenizer(Device dev) throws Exception {
        if (models.random != null) {
            return new Tokenizer(TokenizerConfig.preset(models.random.tokenizerPreset), dev, seed.value, Tokenizer.Part.DECODER);
        }
        // generating only decodes: the encoder's weights are neither read nor held
        return TokenizerFiles.load(models.files.tokenizer, dev, !noEma, tokenizerOptions(), Tokenizer.Part.DECODER);
    }

    private TokenizerImport.Options tokenizerOptions() {
        return new TokenizerImport.Options(null, null, groups, null);
    }
}
