package eim.runtime.cli;

import com.google.gson.GsonBuilder;
import eim.model.generator.GeneratorImport;
import eim.model.generator.Sampler;
import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerImport;
import eim.runtime.Progress;
import eim.runtime.data.ImageFolderDataset;
import eim.runtime.data.ImageTensor;
import eim.runtime.data.Images;
import eim.runtime.eval.Evaluation;
import eim.runtime.eval.FeatureClassifier;
import eim.runtime.eval.PatchCodec;
import eim.runtime.generate.ImageCodec;
import eim.runtime.generate.TokenizerFiles;
import eim.tasks.Device;
import eim.tasks.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = "Scores a generator + tokenizer against a class-folder image set at the training width: the Fréchet "
                + "distance between real and generated images in the feature space of a small classifier trained on the real "
                + "images (the Inception weights of FID cannot be downloaded here; next to it, the distance between two halves "
                + "of the real set, the floor at these counts), that classifier's accuracy on the generated images of each "
                + "class, and the per-position Fréchet distance of the tokens. Prints them and writes <out>/evaluation.json.")
final class EvaluateCommand implements Callable<Integer> {
    @Option(names = "--generator", required = true, description = "generator checkpoint: ours (.safetensors) or the authors' (.ckpt)")
    Path generator;
    @Option(names = "--tokenizer", description = "tokenizer checkpoint: ours (.safetensors) or the authors' (.ckpt); required unless --codec")
    Path tokenizer;
    @Option(names = "--codec", description = "the patch codec of a 2D-grid baseline (eim grid-tokens); required unless --tokenizer")
    Path codec;
    @Option(names = "--data", required = true, description = "folder with one sub-folder of images per class, in the "
            + "generator's class order (name order), e.g. the demo's out/data")
    Path data;
    @Option(names = "--count", defaultValue = "20", description = "generated images per class (default ${DEFAULT-VALUE})")
    int count;
    @Mixin SamplingOptions sampling = new SamplingOptions(25, 3f);
    @Option(names = "--batch", defaultValue = "8", description = "images sampled together (default ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--tokens", description = "image width in tokens (default: the generator's training length; more "
            + "scores positions it never trained on)")
    Integer tokens;
    @Option(names = "--window", description = "score ultra-long images in windows of this many tokens, side by side, against "
            + "real images this wide (a divisor of --tokens; default: the whole width)")
    Integer window;
    @Option(names = "--save-images", defaultValue = "0", description = "write the first K generated images of each class as "
            + "PNG files to <out>/images (default ${DEFAULT-VALUE})")
    int saveImages;
    @Option(names = "--classifier", description = "a feature classifier saved by an earlier evaluate (default: train one on "
            + "--data and save it as <out>/classifier.safetensors)")
    Path classifier;
    @Option(names = "--classifier-epochs", defaultValue = "40", description = "epochs when training the classifier (default "
            + "${DEFAULT-VALUE})")
    int epochs;
    @Mixin SeedOption seed;
    @Mixin DeviceOption device;
    @Mixin OutputFolderOption out = new OutputFolderOption("out/evaluation");

    @Override
    public Integer call() throws Exception {
        UsageError.check(epochs > 0, "--classifier-epochs must be > 0, got " + epochs);
        Sampler.Schedule schedule = sampling.checkedSchedule();
        Evaluation.Settings settings = UsageError.options(() -> new Evaluation.Settings(count, sampling.steps, sampling.cfg,
                schedule, seed.value,
                batch, tokens == null ? 0 : tokens, window == null ? 0 : window));
        UsageError.check(saveImages >= 0, "--save-images must be >= 0, got " + saveImages);
        UsageError.check((tokenizer == null) != (codec == null), "give --tokenizer or --codec (one of them)");
        eim.tasks.io.OutputPaths.requireWritableFolder(out.path, 0);
        ImageFolderDataset images = ImageFolderDataset.open(data);
        UsageError.check(images.classNames().size() >= 2, "--data: " + data + " must hold one sub-folder per class (2 or more)");
        GeneratorImport.Opened opened = GeneratorImport.open(generator, true, null, null);
        PatchCodec patches = codec == null ? null : PatchCodec.load(codec);
        try (Device dev = device.open();
             Tokenizer tok = tokenizer == null ? null
                     : TokenizerFiles.load(tokenizer, dev, true, new TokenizerImport.Options(null, null, null, null))) {
            ImageCodec imageCodec = tok != null ? ImageCodec.of(tok) : patches;
            float vaeNorm = tok != null ? GenerateCommand.vaeNorm(opened.vaeNorm(), tok.config().vaeNorm())
                    : opened.vaeNorm() != null ? opened.vaeNorm() : 1f;
            int classes = images.classNames().size();
            int scored = UsageError.option("--window", () -> settings.windowFor(opened.model()));
            int[] size = UsageError.option("--tokens", () -> imageCodec.imageSize(scored));
            int height = size[0], width = size[1];
            double[] heldOut = {Double.NaN};
            FeatureClassifier clf;
            if (classifier != null) {
                clf = FeatureClassifier.load(classifier, 32, dev);
            } else {
                int[] labels = new int[images.size()];
                for (int i = 0; i < labels.length; i++) {
                    labels[i] = images.label(i);
                }
                float[] real = Evaluation.realImages(images, height, width);
                clf = Evaluation.trainClassifier(Evaluation.pooled(real, labels.length, height, width), labels, classes, epochs,
                        seed.value, dev, heldOut);
                clf.save(out.path.resolve("classifier.safetensors"));
                System.out.printf(Locale.ROOT, "classifier trained on %d real images: held-out accuracy %.3f; saved as %s%n",
                        labels.length, heldOut[0], out.path.resolve("classifier.safetensors"));
            }
            Evaluation.Report r;
            Evaluation.Kept[] kept = {null};
            long total = (long) ((classes * count + batch - 1) / batch) * settings.tokensFor(opened.model());
            try (clf; Progress p = Progress.start("evaluate", total, "token")) {
                long[] done = {0};
                r = Evaluation.run(opened.model(), imageCodec, vaeNorm, images, clf, heldOut[0], settings, dev,
                        (i, n) -> p.stepTo(++done[0]), saveImages, kept);
            }
            Files.createDirectories(out.path);
            if (saveImages > 0) {
                Path dir = Files.createDirectories(out.path.resolve("images"));
                Evaluation.Kept k = kept[0];
                int plane = 3 * k.height() * k.width();
                int[] seen = new int[classes];
                for (int i = 0; i < k.classes().length; i++) {
                    int c = k.classes()[i];
                    Images.writePng(dir.resolve(String.format(Locale.ROOT, "%s_%02d.png", images.classNames().get(c), seen[c]++)),
                            ImageTensor.toImage(k.pixels(), i * plane, k.height(), k.width()));
                }
                System.out.println("wrote " + k.classes().length + " generated images to " + dir);
            }
            AtomicFiles.writeString(out.path.resolve("evaluation.json"),
                    new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(r) + "\n");
            System.out.printf(Locale.ROOT, "Fréchet distance (classifier features) real vs generated: %.4g (real half vs half: "
                    + "%.4g)%n", r.frechetDistance(), r.realSplitFrechetDistance());
            System.out.printf(Locale.ROOT, "classifier accuracy on generated images: %.3f (per class %s; on held-out real "
                    + "images %.3f)%n", r.generatedAccuracy(), Arrays.toString(round(r.generatedAccuracyPerClass())),
                    r.classifierHeldOutAccuracy());
            if (r.windowFrechet().length > 1) {
                System.out.printf(Locale.ROOT, "per window of %d tokens along the width: Fréchet distance %s, accuracy %s%n",
                        r.windowTokens(), Arrays.toString(round(r.windowFrechet())), Arrays.toString(round(r.windowAccuracy())));
            }
            System.out.printf(Locale.ROOT, "per-position token Fréchet distance%s: %s%n",
                    r.windowFrechet().length > 1 ? " (against the real tokens of all positions)" : "",
                    Arrays.toString(round(r.positionFrechet())));
            System.out.println("wrote " + out.path.resolve("evaluation.json"));
        }
        return 0;
    }

    private static double[] round(double[] v) {
        return Arrays.stream(v).map(x -> Math.round(x * 1000) / 1000.0).toArray();
    }
}
