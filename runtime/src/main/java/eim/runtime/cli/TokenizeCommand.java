package eim.runtime.cli;

import eim.model.io.TokenFile;
import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.runtime.Progress;
import eim.runtime.data.ImageFolderDataset;
import eim.runtime.data.Images;
import eim.runtime.tokenizer.ImageSet;
import eim.runtime.tokenizer.Tokenization;
import eim.tasks.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code eim tokenizer tokenize}: images -> a token file (EMA weights, posterior means · vae_norm). */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Encodes images into a token file: tokens (N, L, channels), the posterior means of the checkpoint's "
                + "EMA weights multiplied by its vae_norm, as the generator reads them. Each image is scaled to cover the "
                + "tokenizer's height and --width, then centre-cropped. Given ONE folder whose sub-folders are the classes, "
                + "labels are the sub-folder indices in name order (the names are stored); loose images get no labels. "
                + "--crops K also stores the means of K random crops of each image and of their mirror images (2K views), "
                + "from which 'train' draws its augmented batches.")
public final class TokenizeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGES", arity = "1..*",
            description = "image files or folders of images, or one folder of class sub-folders")
    List<Path> inputs;

    @Mixin TokenizerCheckpointOption checkpoint;

    @Option(names = "--out", required = true, description = "token file to write (safetensors)")
    Path out;

    @Option(names = "--width", description = "image width in pixels, a multiple of the scale (default: the training resolution)")
    Integer width;

    @Option(names = "--batch", defaultValue = "8", description = "images encoded together (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--crops", defaultValue = "0",
            description = "augmented views: K random crops per image, each also mirrored (the authors' random crop + flip; "
                    + "e.g. 2); default ${DEFAULT-VALUE} = none")
    int crops;

    @Option(names = "--crop-margin", defaultValue = "0.125",
            description = "the crops are taken from the image resized to (1 + margin) x the size (default ${DEFAULT-VALUE})")
    float cropMargin;

    @Option(names = "--seed", defaultValue = "0", description = "seed of the crop positions (default ${DEFAULT-VALUE})")
    long seed;

    @Mixin DeviceOption device;

    @Option(names = "--no-scale", description = "store the raw posterior means (vae_norm 1)")
    boolean noScale;

    @Override
    public Integer call() {
        try {
            // options first
            UsageError.check(batch > 0, "--batch must be > 0, got " + batch);
            Tokenization.Settings check = UsageError.options(() -> new Tokenization.Settings(1, 1, crops, cropMargin, seed, batch));
            Inputs in = inputs();
            eim.tasks.io.OutputPaths.requireWritableFile(out, 0);
            try (Device dev = device.open();
                 Tokenizer tokenizer = checkpoint.load(dev)) {
                TokenizerConfig cfg = tokenizer.config();
                int w = width != null ? width : cfg.resolution();
                int length = UsageError.option("--width", () -> cfg.tokensForWidth(w));
                eim.tasks.io.OutputPaths.requireWritableFile(out,
                        4L * in.files.size() * length * cfg.embedDim() * (1 + 2L * check.crops())); // room, now known
                float scale = noScale ? 1f : cfg.vaeNorm();
                Tokenization.Settings s = new Tokenization.Settings(cfg.resolution(), w, check.crops(), check.margin(),
                        seed, batch);
                Tokenization.Result r;
                try (Progress bar = Progress.start("tokenize", in.files.size(), "img")) {
                    // an unreadable image fails the command, naming the file: the token file lists every input
                    r = Tokenization.encode(tokenizer, in.files.size(), i -> Images.read(in.files.get(i)), s, scale, bar);
                }
                Map<String, String> provenance = new LinkedHashMap<>();
                provenance.put("sources", String.join("\n", in.files.stream().map(Path::toString).toList()));
                provenance.put("tokenizer_checkpoint", checkpoint.path.toString());
                provenance.put("weights", checkpoint.noEma ? "trained" : "ema");
                provenance.put("width", "" + w);
                if (crops > 0) {
                    provenance.put("crops", "" + crops);
                    provenance.put("crop_margin", "" + cropMargin);
                    provenance.put("seed", "" + seed);
                }
                TokenFile tf = TokenFile.of(r.tokens(), r.count(), r.length(), r.channels(), scale).withTokenizer(cfg)
                        .withProvenance(provenance);
                if (r.views() != null) {
                    tf = tf.withViews(r.views(), r.viewCount());
                }
                if (in.labels != null) {
                    tf = tf.withLabels(in.labels, in.classNames);
                }
                tf.write(out);
                System.out.printf(Locale.ROOT, "wrote %d x %d tokens of %d channels (means x vae_norm %s)%s%s to %s%n",
                        r.count(), r.length(), r.channels(), scale,
                        in.labels != null ? ", labels of " + in.classNames.size() + " classes " + in.classNames : ", no labels",
                        r.views() != null ? ", " + r.viewCount() + " views each" : "", out);
            }
            return 0;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            return TokenizerCommand.fail(e);
        }
    }

    /** The image files, and their labels and class names when the input is one folder of class sub-folders. */
    private record Inputs(List<Path> files, int[] labels, List<String> classNames) {}

    private Inputs inputs() throws IOException {
        if (inputs.size() == 1 && ImageFolderDataset.isClassLayout(inputs.get(0))) {
            ImageFolderDataset ds = ImageFolderDataset.open(inputs.get(0));
            int[] labels = new int[ds.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = ds.label(i);
            }
            return new Inputs(ds.files(), labels, ds.classNames());
        }
        List<Path> files = new ArrayList<>();
        for (Path p : inputs) {
            if (ImageFolderDataset.isClassLayout(p)) {
                throw new UsageError(p + " holds class sub-folders: give it alone (its sub-folders are the "
                        + "classes), not with other inputs");
            }
            files.addAll(ImageSet.list(p));
        }
        return new Inputs(files, null, List.of());
    }
}
