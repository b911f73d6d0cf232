package eim.runtime.cli;

import eim.model.tokenizer.TokenizerConfig;
import eim.runtime.Progress;
import eim.runtime.data.Images;
import eim.runtime.tokenizer.ImageSet;
import eim.runtime.tokenizer.SyntheticScenes;
import eim.runtime.tokenizer.TokenizerCheckpoint;
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
        subcommands = {TokenizerCommand.Train.class, TokenizeCommand.class, DecodeCommand.class, TokenizerCommand.Scenes.class})
public final class TokenizerCommand implements Runnable {
    @Spec
    CommandSpec spec;

    /** Runs the tokenizer tools on their own (the eim Main command registers this class too). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new TokenizerCommand()).execute(args));
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: train, tokenize, decode or scenes");
    }

    /** Prints "error: ..." for the user's mistakes (bad files, mismatched checkpoints) instead of a stack trace. */
    static int fail(Exception e) {
        System.err.println("error: " + e.getMessage());
        return 1;
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Trains a tokenizer on a folder of images (or synthetic scenes); logs loss and held-out PSNR "
                    + "against the per-column mean-colour baseline; writes a safetensors checkpoint.")
    public static final class Train implements Callable<Integer> {
        /** The checkpoint's name in a fresh run directory. */
        static final String CHECKPOINT = "tokenizer.safetensors";

        @Option(names = "--data", description = "folder of PNG/JPEG images (the last --holdout ones are held out)")
        Path data;

        @Option(names = "--synthetic", description = "train on N procedural landscape scenes instead of --data")
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

        @Option(names = "--steps", defaultValue = "1000") int steps;
        @Option(names = "--batch", defaultValue = "8") int batch;
        @Option(names = "--lr", defaultValue = "1.92e-4", description = "peak learning rate (authors: 1.92e-4)") float lr;
        @Option(names = "--warmup", defaultValue = "100", description = "warm-up steps (authors: 3000)") int warmup;
        @Option(names = "--decay-every", defaultValue = "30000") int decayEvery;
        @Option(names = "--decay", defaultValue = "0.2") float decay;
        @Option(names = "--ema", defaultValue = "0.99", description = "EMA decay (authors' LitEma: 0.99)") float ema;
        @Option(names = "--clip", defaultValue = "1.0", description = "gradient-norm clipping, 0 = off") float clip;
        @Option(names = "--kl-weight", defaultValue = "0.01") float klWeight;
        @Option(names = "--l2-mix", defaultValue = "0", description = "share of squared error in the reconstruction term") float l2Mix;
        @Option(names = "--learn-logvar", description = "train the log-variance (the authors' optimizer leaves it at 0)") boolean learnLogvar;
        @Option(names = "--no-noise", description = "decode posterior means instead of noisy samples") boolean noNoise;
        @Option(names = "--seed", defaultValue = "0") long seed;
        @Option(names = "--eval-every", defaultValue = "100") int evalEvery;
        @Option(names = "--checkpoint-every", defaultValue = "200") int checkpointEvery;

        @Override
        public Integer call() {
            if (resume && out == null) {
                System.err.println("error: --resume: continues the run saved in --out; give --out FILE");
                return 2;
            }
            try (Device dev = device.open()) {
                boolean resuming = resume && Files.exists(out);
                TokenizerConfig cfg = resuming ? TokenizerCheckpoint.config(out) : TokenizerConfig.preset(preset);
                ImageSet[] sets = images(cfg.resolution());
                TrainOptions opts = new TrainOptions(batch, steps, lr, warmup, decayEvery, decay, 0.5f, 0.9f, ema, clip,
                        klWeight, l2Mix, learnLogvar, !noNoise, seed, evalEvery, checkpointEvery);
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
                return new ImageSet[] {new ImageSet(SyntheticScenes.scenes(seed, 0, synthetic, w, resolution), resolution),
                        new ImageSet(SyntheticScenes.scenes(seed, synthetic, held, w, resolution), resolution)};
            }
            if (data == null) {
                throw new IllegalArgumentException("give --data FOLDER (images) or --synthetic N");
            }
            List<Path> files = ImageSet.list(data);
            int held = holdout != null ? holdout : Math.max(1, files.size() / 10);
            if (files.size() <= held) {
                throw new IllegalArgumentException(data + ": " + files.size() + " images cannot be split into training "
                        + "and " + held + " held-out images");
            }
            ImageSet[] sets = {ImageSet.load(files.subList(0, files.size() - held), resolution),
                    ImageSet.load(files.subList(files.size() - held, files.size()), resolution)};
            for (ImageSet s : sets) {
                List<String> skipped = s.preload();
                if (!skipped.isEmpty()) {
                    System.err.printf("warning: skipping %d unreadable images: %s%n", skipped.size(), skipped);
                }
            }
            return sets;
        }
    }

    @Command(name = "scenes", mixinStandardHelpOptions = true,
            description = "Writes procedural landscape PNGs (a stand-in data set for demos and tests).")
    public static final class Scenes implements Callable<Integer> {
        @Option(names = "--out", required = true) Path out;
        @Option(names = "--count", defaultValue = "16") int count;
        @Option(names = "--width", defaultValue = "256") int width;
        @Option(names = "--height", defaultValue = "32") int height;
        @Option(names = "--seed", defaultValue = "0") long seed;
        @Option(names = "--first", defaultValue = "0", description = "index of the first scene") int first;

        @Override
        public Integer call() {
            try {
                for (int i = first; i < first + count; i++) {
                    Images.writePng(out.resolve(String.format("scene_%04d.png", i)),
                            SyntheticScenes.scene(seed, i, width, height));
                }
                System.out.printf("wrote %d scenes of %dx%d to %s%n", count, width, height, out);
                return 0;
            } catch (IOException e) {
                return fail(e);
            }
        }
    }
}
