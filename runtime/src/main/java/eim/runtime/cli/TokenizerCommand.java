package eim.runtime.cli;

import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.runtime.Progress;
import eim.runtime.data.Images;
import eim.runtime.data.panorama.PanoramaGenerator;
import eim.runtime.tokenizer.ImageSet;
import eim.runtime.tokenizer.Tokenization;
import eim.model.io.TokenizerCheckpoint;
import eim.runtime.tokenizer.TokenizerTrainer;
import eim.runtime.tokenizer.TrainOptions;
import eim.runtime.train.RunDirectory;
import eim.tasks.Device;
import eim.tasks.Devices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code eim tokenizer train|tokenize|decode|scenes}: the column-wise tokenizer's tools. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "The column-wise tokenizer: train it on an image folder, tokenize images, decode tokens to PNGs.",
        subcommands = {TokenizerCommand.Train.class, TokenizeCommand.class, DecodeCommand.class, TokenizerCommand.Scenes.class,
                TokenizerCommand.FashionMnistExport.class})
public final class TokenizerCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Runs the tokenizer tools on their own (the eim Main command registers this class too). */
    public static void main(String[] args) {
        System.exit(Main.configure(new CommandLine(new TokenizerCommand())).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: train, tokenize, decode or scenes");
    }

    /** Prints "error: ..." for the user's mistakes instead of a stack trace; exit 2 for usage errors, else 1. */
    static int fail(Exception e) {
        System.err.println("error: " + Main.describe(e));
        return UsageError.exitCode(e);
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Trains a tokenizer on a folder of images (or procedural panoramas); logs loss and held-out PSNR "
                    + "against the per-column mean-colour baseline; writes a safetensors checkpoint.")
    public static final class Train implements Callable<Integer> {
        /** Training images whose posterior means measure vae_norm. */
        static final int VAE_NORM_IMAGES = 256;

        /** The checkpoint's name in a fresh run directory. */
        static final String CHECKPOINT = "tokenizer.safetensors";

        @Option(names = "--data", description = "folder of PNG/JPEG images, or of class sub-folders of them (the last "
                + "--holdout ones are held out); required unless --synthetic is given")
        Path data;

        @Option(names = "--synthetic", description = "train on N procedural panoramas (the demo's scene classes in turn) "
                + "instead of --data (default ${DEFAULT-VALUE}: use --data)")
        int synthetic;

        @Option(names = "--holdout", description = "held-out images for PSNR (default: 10%% of the images, at least 1)")
        Integer holdout;

        @Option(names = "--preset", defaultValue = "mini", description = "tiny, mini, small or official (default: ${DEFAULT-VALUE})")
        String preset;

        @Option(names = "--out", description = "checkpoint file (default: tokenizer.safetensors in a fresh folder "
                + "out/tokenizer/run-YYYYMMDD-HHMMSS); an existing file is refused unless --resume or --force is given")
        Path out;

        @Option(names = "--resume", description = "continue the run saved in --out (its config wins)")
        boolean resume;

        @Option(names = "--force", description = "replace the --out checkpoint that this run did not create")
        boolean force;

        @Mixin DeviceOption device;

        @Option(names = "--steps", defaultValue = "1000", description = "optimizer steps in total (default ${DEFAULT-VALUE})") int steps;
        @Option(names = "--batch", defaultValue = "8", description = "images per step (default ${DEFAULT-VALUE})") int batch;
        @Option(names = "--lr", defaultValue = "1.92e-4", description = "peak learning rate (default ${DEFAULT-VALUE}, the authors')") float lr;
        @Option(names = "--warmup", defaultValue = "100", description = "warm-up steps (default ${DEFAULT-VALUE}; authors: 3000)") int warmup;
        @Option(names = "--decay-every", defaultValue = "30000", description = "steps between learning-rate decays after the "
                + "warm-up (default ${DEFAULT-VALUE}, the authors')") int decayEvery;
        @Option(names = "--decay", defaultValue = "0.2", description = "learning-rate factor at each decay (default ${DEFAULT-VALUE}, "
                + "the authors')") float decay;
        @Option(names = "--ema", defaultValue = "0.99", description = "EMA decay (default ${DEFAULT-VALUE}, the authors' LitEma)") float ema;
        @Option(names = "--clip", defaultValue = "0", description = "gradient-norm clipping threshold, 0 = off (default "
                + "${DEFAULT-VALUE}: off, as the authors)") float clip;
        @Option(names = "--kl-weight", defaultValue = "0.01", description = "weight of the latent penalty 0.5 x sum of squared "
                + "means (default ${DEFAULT-VALUE}, the authors')") float klWeight;
        @Option(names = "--l2-mix", defaultValue = "0", description = "share of squared error in the reconstruction term "
                + "(default ${DEFAULT-VALUE}: the authors' pure L1)") float l2Mix;
        @Option(names = "--learn-logvar", description = "train the log-variance (the authors' optimizer leaves it at 0)") boolean learnLogvar;
        @Option(names = "--no-noise", description = "decode posterior means instead of noisy samples") boolean noNoise;
        @Mixin SeedOption seed;
        @Option(names = "--eval-every", defaultValue = "100", description = "steps between held-out PSNR evaluations, <= 0: "
                + "only at the end (default ${DEFAULT-VALUE})") int evalEvery;
        @Option(names = "--checkpoint-every", defaultValue = "200", description = "steps between checkpoints, <= 0: only at "
                + "the end (default ${DEFAULT-VALUE})") int checkpointEvery;

        @Override
        public Integer call() {
            if (resume && out == null) {
                System.err.println("error: --resume: continues the run saved in --out; give --out FILE");
                return 2;
            }
            try (Device dev = device.open()) {
                TrainOptions opts = UsageError.options(() -> new TrainOptions(batch, steps, lr, warmup, decayEvery, decay,
                        0.5f, 0.9f, ema, clip, klWeight, l2Mix, learnLogvar, !noNoise, seed.value, evalEvery, checkpointEvery));
                if (out != null) {
                    eim.tasks.io.OutputPaths.requireWritableFile(out, 0);
                }
                boolean resuming = resume && Files.exists(out);
                TokenizerConfig cfg = resuming ? TokenizerCheckpoint.config(out)
                        : UsageError.option("--preset", () -> TokenizerConfig.preset(preset));
                ImageSet[] sets = images(cfg.resolution());
                Path file = out != null ? out : RunDirectory.fresh(RunDirectory.defaultRoot().resolve("tokenizer")).resolve(CHECKPOINT);
                try (RunDirectory run = RunDirectory.open(file.toAbsolutePath().getParent(), file.getFileName().toString(),
                        resuming ? file : null, force, "add --resume");
                     TokenizerTrainer trainer = resuming ? TokenizerTrainer.resume(file, dev, opts)
                        : new TokenizerTrainer(cfg, dev, opts);
                     Progress bar = Progress.start("train", steps, "step", trainer.step())) {
                    System.out.printf("tokenizer %s: %s, %,d parameters; %d training and %d held-out images; device %s; "
                            + "checkpoint %s%n", resuming ? "(resumed)" : preset, cfg.toMetadata(),
                            trainer.model().parameters().count(), sets[0].size(), sets[1].size(), dev.name(), file);
                    TokenizerTrainer.Evaluation e = trainer.train(sets[0], sets[1], file, s -> {
                        bar.stepTo(s.step());
                        bar.message(String.format("loss %.4g L1 %.4f", s.loss(), s.meanAbsError()));
                    });
                    bar.close();
                    if (e != null) {
                        System.out.printf("held-out PSNR %.2f dB over %d images (per-column mean-colour baseline %.2f dB) "
                                + "after %d steps; checkpoint %s%n", e.psnr(), e.images(), e.baselinePsnr(), trainer.step(), file);
                    }
                    if (Files.isRegularFile(file)) {
                        // the latents' scale for the generator: 1 / std of the EMA posterior means, recorded in the checkpoint
                        try (Tokenizer t = TokenizerCheckpoint.loadForInference(file, dev, true)) {
                            float v = Tokenization.measureVaeNorm(t, sets[0], VAE_NORM_IMAGES);
                            TokenizerCheckpoint.recordVaeNorm(file, v);
                            System.out.printf("vae_norm %.5g (1 / std of the posterior means of up to %d training images), "
                                    + "recorded in %s%n", v, VAE_NORM_IMAGES, file);
                        }
                    }
                }
                return 0;
            } catch (RunDirectory.Refused e) {
                System.err.println("error: " + e.getMessage());
                return e.exitCode();
            } catch (IOException | IllegalArgumentException | IllegalStateException e) {
                return fail(e);
            }
        }

        /** {training, held-out} image sets. */
        private ImageSet[] images(int resolution) throws IOException {
            if (synthetic > 0) {
                int held = holdout != null ? holdout : Math.max(1, synthetic / 10);
                int w = resolution * 3 / 2;
                return new ImageSet[] {new ImageSet(PanoramaGenerator.mixed(0, synthetic, w, resolution, seed.value), resolution),
                        new ImageSet(PanoramaGenerator.mixed(synthetic, held, w, resolution, seed.value), resolution)};
            }
            if (data == null) {
                throw new UsageError("give --data FOLDER (images) or --synthetic N");
            }
            List<Path> files = ImageSet.list(data);
            int held = holdout != null ? holdout : Math.max(1, files.size() / 10);
            if (files.size() <= held) {
                throw new IllegalArgumentException(data + ": " + files.size() + " images cannot be split into training "
                        + "and " + held + " held-out images");
            }
            ImageSet[] sets = {ImageSet.load(files.subList(0, files.size() - held), resolution),
                    ImageSet.load(files.subList(files.size() - held, files.size()), resolution)};
            List<String> skipped = sets[0].preload();
            if (!skipped.isEmpty()) {
                System.err.printf("warning: skipping %d unreadable images: %s%n", skipped.size(), skipped);
            }
            sets[1].preloadAll("held-out images"); // a skipped one would change what the PSNR measures
            return sets;
        }
    }

    @Command(name = "scenes", mixinStandardHelpOptions = true,
            description = "Writes procedural panorama PNGs scene_NNNN.png, the demo's scene classes in turn (dunes, forest, "
                    + "mountains, night city, sea): a stand-in data set for demos and tests.")
    public static final class Scenes implements Callable<Integer> {
        @Mixin OutputFolderOption out = new OutputFolderOption("out/scenes");
        @Option(names = "--count", defaultValue = "16", description = "scenes to write (default ${DEFAULT-VALUE})") int count;
        @Option(names = "--width", defaultValue = "256", description = "width in pixels (default ${DEFAULT-VALUE})") int width;
        @Option(names = "--height", defaultValue = "32", description = "height in pixels (default ${DEFAULT-VALUE})") int height;
        @Mixin SeedOption seed;
        @Option(names = "--first", defaultValue = "0", description = "index of the first scene (default ${DEFAULT-VALUE})") int first;

        @Override
        public Integer call() {
            UsageError.check(count > 0 && width > 0 && height > 0, "--count, --width and --height must be > 0");
            try {
                eim.tasks.io.OutputPaths.requireWritableFolder(out.path, 0);
                for (int i = first; i < first + count; i++) {
                    Images.writePng(out.path.resolve(String.format("scene_%04d.png", i)),
                            PanoramaGenerator.mixed(i, width, height, seed.value));
                }
                System.out.printf("wrote %d scenes of %dx%d to %s%n", count, width, height, out.path);
                return 0;
            } catch (IOException e) {
                return fail(e);
            }
        }
    }

    @Command(name = "fashion-mnist", mixinStandardHelpOptions = true,
            description = "Writes Fashion-MNIST images (Debian's dataset-fashion-mnist package) as PNG files in one sub-folder "
                    + "per class, the layout 'tokenizer train', 'tokenize' and 'evaluate' read: the first --per-class "
                    + "images of each class of the training split, resized to --size.")
    public static final class FashionMnistExport implements Callable<Integer> {
        @Mixin OutputFolderOption out = new OutputFolderOption("out/fashion-mnist");
        @Option(names = "--per-class", defaultValue = "200", description = "images per class (default ${DEFAULT-VALUE})")
        int perClass;
        @Option(names = "--size", defaultValue = "32", description = "image size in pixels, square (default ${DEFAULT-VALUE}; "
                + "the originals are 28x28)")
        int size;

        @Override
        public Integer call() {
            UsageError.check(perClass > 0 && size > 0, "--per-class and --size must be > 0");
            try {
                eim.tasks.io.OutputPaths.requireWritableFolder(out.path, 0);
                eim.runtime.data.FashionMnist data = eim.runtime.data.FashionMnist.load(eim.runtime.data.FashionMnist.Split.TRAIN, 0);
                int[] written = new int[data.numClasses()];
                int total = 0;
                for (int i = 0; i < data.size() && total < perClass * written.length; i++) {
                    int c = data.label(i);
                    if (written[c] >= perClass) {
                        continue;
                    }
                    java.nio.file.Path dir = java.nio.file.Files.createDirectories(out.path.resolve(data.classNames().get(c)));
                    Images.writePng(dir.resolve(String.format("%05d.png", i)), Images.resize(data.load(i), size, size));
                    written[c]++;
                    total++;
                }
                System.out.printf("wrote %d Fashion-MNIST images (%d per class, %dx%d) to %s%n", total, perClass, size, size, out.path);
                return 0;
            } catch (IOException e) {
                return fail(e);
            }
        }
    }
}
