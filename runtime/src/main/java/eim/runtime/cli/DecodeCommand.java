package eim.runtime.cli;

import eim.model.io.TokenFile;
import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.runtime.Progress;
import eim.runtime.data.ImageTensor;
import eim.runtime.data.Images;
import eim.runtime.tokenizer.Seams;
import eim.tasks.Device;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code eim tokenizer decode}: a token file -> PNGs as wide as their token sequences. */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Decodes token sequences of any length L into PNGs of L x scale pixels wide (EMA weights). "
                + "Prints each image's seam ratio: column differences at token boundaries over those inside tokens.")
public final class DecodeCommand implements Callable<Integer> {
    @Mixin TokenizerCheckpointOption checkpoint;

    @Option(names = "--tokens", required = true, description = "token file made by 'tokenize' or 'sample'")
    Path tokens;

    @Option(names = "--out", required = true,
            description = "PNG file (with --index or --concat, or a single sequence), else a folder for item_NNNN.png")
    Path out;

    @Option(names = "--index", description = "decode only this item (default: every item)")
    Integer index;

    @Option(names = "--concat", description = "decode all items joined along the width into one PNG")
    boolean concat;

    @Mixin DeviceOption device;

    @Override
    public Integer call() {
        try (Device dev = device.open();
             Tokenizer tokenizer = checkpoint.load(dev)) {
            TokenizerConfig cfg = tokenizer.config();
            TokenFile tf = TokenFile.read(tokens);
            if (tf.channels() != cfg.embedDim()) {
                throw new IllegalArgumentException(tokens + " holds tokens of " + tf.channels() + " channels but "
                        + checkpoint.path + " decodes " + cfg.embedDim() + "-channel tokens: not this tokenizer's tokens");
            }
            if (tf.tokenizer() != null && !tf.tokenizer().equals(cfg)) {
                System.err.println("warning: " + tokens + " was made by a tokenizer config other than " + checkpoint.path + "'s");
            }
            // the tokens are latents x vae_norm: divide by the factor the file records, else by the tokenizer's
            float vaeNorm = tf.vaeNorm() != null ? tf.vaeNorm() : cfg.vaeNorm();
            if (tf.vaeNorm() == null) {
                System.err.println("warning: " + tokens + " does not record its vae_norm; dividing by " + checkpoint.path
                        + "'s, " + cfg.vaeNorm());
            }
            if (index != null && (index < 0 || index >= tf.count())) {
                throw new UsageError("--index " + index + " is outside the " + tf.count() + " items of " + tokens);
            }
            if (concat || index != null || tf.count() == 1) {
                eim.tasks.io.OutputPaths.requireWritableFile(out, 0);
            } else {
                eim.tasks.io.OutputPaths.requireWritableFolder(out, 0);
            }
            List<float[]> sequences = new ArrayList<>();
            List<Path> files = new ArrayList<>();
            if (concat) {
                float[] all = new float[0];
                for (int i = 0; i < tf.count(); i++) {
                    all = join(all, unscaled(tf, i, vaeNorm));
                }
                sequences.add(all);
                files.add(out);
            } else {
                for (int i = 0; i < tf.count(); i++) {
                    if (index == null || index == i) {
                        sequences.add(unscaled(tf, i, vaeNorm));
                        files.add(index != null || tf.count() == 1 ? out : out.resolve(String.format("item_%04d.png", i)));
                    }
                }
            }
            try (Progress bar = Progress.start("decode", sequences.size(), "img")) {
                for (int k = 0; k < sequences.size(); k++) {
                    int length = sequences.get(k).length / cfg.embedDim();
                    int h = cfg.resolution(), w = length * cfg.scale();
                    float[] image = tokenizer.decode(sequences.get(k), 1, length);
                    Images.writePng(files.get(k), ImageTensor.toImage(image, h, w));
                    bar.step();
                    System.out.printf("%s: %d tokens -> %dx%d px, seam ratio %.3f%n", files.get(k), length, w, h,
                            Seams.boundaryRatio(image, 3, h, w, cfg.scale()));
                }
            }
            return 0;
        } catch (IOException | IllegalArgumentException | IllegalStateException e) {
            return TokenizerCommand.fail(e);
        }
    }

    /** Sequence i divided by vae_norm: latents, as Tokenizer.decode takes them. */
    private static float[] unscaled(TokenFile tf, int i, float vaeNorm) {
        float[] z = tf.sequence(i);
        for (int k = 0; k < z.length; k++) {
            z[k] /= vaeNorm;
        }
        return z;
    }

    private static float[] join(float[] a, float[] b) {
        float[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
