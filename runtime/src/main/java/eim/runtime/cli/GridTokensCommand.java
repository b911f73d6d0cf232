package eim.runtime.cli;

import eim.model.io.TokenFile;
import eim.runtime.Progress;
import eim.runtime.data.ImageFolderDataset;
import eim.runtime.eval.Evaluation;
import eim.runtime.eval.PatchCodec;
import eim.runtime.tokenizer.Tokenization;
import eim.tasks.io.OutputPaths;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** eim grid-tokens: the 2D-grid baseline's token file (square images, patches in raster order, PCA). */
@Command(name = "grid-tokens", mixinStandardHelpOptions = true,
        description = "Tokens of the paper's 2D-grid baseline: each image's centre square cut into a grid of patches, one "
                + "token per patch in raster order, projected on the principal components of the data's patches (fitted "
                + "here and saved as --codec). Writes a token file that 'eim train' reads (train it with --window 0 and "
                + "--posterior-std 0, the baseline's full causal attention on deterministic tokens); 'eim evaluate --codec' "
                + "scores the generator.")
final class GridTokensCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "folder with one sub-folder of images per class")
    Path data;
    @Option(names = "--out", required = true, description = "the token file to write (.safetensors)")
    Path out;
    @Option(names = "--codec", required = true, description = "the patch codec to write (.safetensors)")
    Path codec;
    @Option(names = "--size", defaultValue = "32", description = "image size in pixels (default ${DEFAULT-VALUE})")
    int size;
    @Option(names = "--patch", defaultValue = "8", description = "patch size in pixels (default ${DEFAULT-VALUE}: a 4x4 grid "
            + "of a 32-pixel image)")
    int patch;
    @Option(names = "--channels", defaultValue = "16", description = "principal components kept per token (default "
            + "${DEFAULT-VALUE})")
    int channels;
    @Option(names = "--crops", defaultValue = "2", description = "augmented views: K random crops per image, each also "
            + "mirrored, as 'eim tokenize --crops' (default ${DEFAULT-VALUE})")
    int crops;
    @Option(names = "--crop-margin", defaultValue = "0.125", description = "the crops are taken from the image resized to "
            + "(1 + margin) x the size (default ${DEFAULT-VALUE})")
    float cropMargin;
    @Option(names = "--seed", defaultValue = "0", description = "seed of the crops (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        Tokenization.Settings settings = UsageError.options(() -> new Tokenization.Settings(size, size, crops, cropMargin, seed, 64));
        UsageError.checkOption("", () -> PatchCodec.checkShape(size, patch, channels)); // the message names the option
        ImageFolderDataset images = ImageFolderDataset.open(data);
        UsageError.check(images.classNames().size() >= 1, "--data: " + data + " must hold one sub-folder per class");
        int n = images.size(), tokens = (size / patch) * (size / patch);
        OutputPaths.requireWritableFile(out, 4L * n * tokens * channels * (1 + 2L * crops));
        OutputPaths.requireWritableFile(codec, 4L * 3 * patch * patch * (channels + 1));
        PatchCodec pc = PatchCodec.fit(Evaluation.realImages(images, size, size), n, size, patch, channels);
        Tokenization.Result r;
        try (Progress bar = Progress.start("grid-tokens", n, "img")) {
            r = Tokenization.encode(pc, n, images::load, settings, 1f, bar);
        }
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = images.label(i);
        }
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("codec", codec.toString());
        provenance.put("layout", (size / patch) + "x" + (size / patch) + " patches of " + patch + " px, raster order");
        provenance.put("source", data.toString());
        TokenFile tf = TokenFile.of(r.tokens(), n, r.length(), r.channels(), 1f).withLabels(labels, images.classNames())
                .withProvenance(provenance);
        if (r.views() != null) {
            tf = tf.withViews(r.views(), r.viewCount());
        }
        pc.save(codec);
        tf.write(out);
        System.out.printf(java.util.Locale.ROOT, "wrote %d x %d grid tokens of %d channels (%d views each) to %s; codec %s%n",
                n, r.length(), r.channels(), r.viewCount(), out, codec);
        return 0;
    }
}
