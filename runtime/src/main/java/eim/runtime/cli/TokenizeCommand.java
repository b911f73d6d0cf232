package eim.runtime.cli;

import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.runtime.Progress;
import eim.runtime.data.ImageTensor;
import eim.runtime.data.Images;
import eim.runtime.data.Transform;
import eim.runtime.tokenizer.TokenFile;
import eim.runtime.tokenizer.TokenizerCheckpoint;
import eim.runtime.tokenizer.ImageSet;
import eim.tasks.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code eim tokenizer tokenize}: images -> a token file (EMA weights, posterior means · vae_norm). */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Encodes images into column tokens (N, L, channels) with the checkpoint's EMA weights, multiplied "
                + "by vae_norm as the generator reads them. Each image is scaled to cover the tokenizer's height and "
                + "--width, then centre-cropped.")
public final class TokenizeCommand implements Callable<Integer> {
    @Parameters(paramLabel = "IMAGES", arity = "1..*", description = "image files or folders of images")
    List<Path> inputs;

    @Option(names = "--checkpoint", required = true, description = "tokenizer checkpoint (safetensors)")
    Path checkpoint;

    @Option(names = "--out", required = true, description = "token file to write (safetensors)")
    Path out;

    @Option(names = "--width", description = "image width in pixels, a multiple of the scale (default: the training resolution)")
    Integer width;

    @Option(names = "--batch", defaultValue = "8")
    int batch;

    @Mixin DeviceOption device;

    @Option(names = "--no-ema", description = "use the trained weights instead of their EMA")
    boolean noEma;

    @Option(names = "--no-scale", description = "store the raw posterior means (not multiplied by vae_norm)")
    boolean noScale;

    @Override
    public Integer call() {
        UsageError.check(batch > 0, "--batch must be > 0, got " + batch);
        try (Device dev = device.open();
             Tokenizer tokenizer = TokenizerCheckpoint.loadForInference(checkpoint, dev, !noEma)) {
            TokenizerConfig cfg = tokenizer.config();
            int w = width != null ? width : cfg.resolution(), h = cfg.resolution();
            int length = UsageError.option("--width", () -> cfg.tokensForWidth(w)), channels = cfg.embedDim();
            List<Path> files = new ArrayList<>();
            for (Path p : inputs) {
                files.addAll(ImageSet.list(p));
            }
            eim.tasks.io.OutputPaths.requireWritableFile(out, 4L * files.size() * length * channels);
            float scale = noScale ? 1f : cfg.vaeNorm();
            float[] tokens = new float[files.size() * length * channels];
            int plane = 3 * h * w;
            Transform crop = new Transform(h, w, false); // cover (h, w), then the centre
            try (Progress bar = Progress.start("tokenize", files.size(), "img")) {
                for (int from = 0; from < files.size(); from += batch) {
                    int b = Math.min(batch, files.size() - from);
                    float[] images = new float[b * plane];
                    for (int i = 0; i < b; i++) {
                        // an unreadable image fails the command, naming the file: the token file lists every input
                        ImageTensor.fromImage(crop.eval(crop.resize(Images.read(files.get(from + i)))), images, i * plane);
                    }
                    float[] z = tokenizer.encode(images, b, w);
                    for (int i = 0; i < z.length; i++) {
                        tokens[from * length * channels + i] = z[i] * scale;
                    }
                    bar.stepBy(b);
                }
            }
            new TokenFile(tokens, files.size(), length, channels, !noScale, cfg.vaeNorm(), cfg,
                    files.stream().map(Path::toString).toList()).write(out);
            System.out.printf("wrote %d x %d tokens of %d channels (%s) to %s%n", files.size(), length, channels,
                    noScale ? "raw means" : "means x vae_norm " + cfg.vaeNorm(), out);
            return 0;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            return TokenizerCommand.fail(e);
        }
    }
}
