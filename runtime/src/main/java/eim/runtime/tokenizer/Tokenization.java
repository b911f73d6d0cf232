package eim.runtime.tokenizer;

import eim.model.tokenizer.Tokenizer;
import eim.runtime.Progress;
import eim.runtime.data.ImageTensor;
import eim.runtime.data.Images;
import eim.runtime.data.Transform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.SplittableRandom;

/**
 * Images -> posterior means (EMA weights, times a scale), the way the generator's training data is
 * made ({@code tokenize} and the demo): the centre crop of each image, and optionally its augmented
 * views. The authors re-encode a random crop + horizontal flip of every image at every step; here
 * the means of {@code crops} random crops of a slightly larger resize and of their mirror images are
 * encoded once (V = 2 x crops views), and training draws one view per sequence and step and adds a
 * fresh posterior sample to it.
 */
public final class Tokenization {
    private Tokenization() {}

    /** Image i of the set (decoded on demand; a failure names the file). */
    @FunctionalInterface
    public interface Source {
        BufferedImage load(int index) throws IOException;
    }

    /**
     * @param height  image height (the tokenizer's resolution)
     * @param width   image width in pixels
     * @param crops   random crops per image, each stored with its mirror image; 0 = no views
     * @param margin  views are crops of the image resized to cover (1 + margin) x the size
     * @param seed    the crops' positions are a function of (seed, image index)
     * @param batch   images encoded together
     */
    public record Settings(int height, int width, int crops, float margin, long seed, int batch) {
        public Settings {
            if (crops < 0 || !(margin >= 0 && margin <= 1) || batch < 1) {
                throw new IllegalArgumentException("--crops must be >= 0, --crop-margin in [0, 1] and --batch >= 1; got "
                        + crops + ", " + margin + ", " + batch);
            }
        }

        public int viewCount() {
            return 2 * crops;
        }
    }

    /**
     * @param tokens (count, length, channels): centre crops
     * @param views  (count, viewCount, length, channels), or null without crops
     */
    public record Result(float[] tokens, float[] views, int viewCount, int count, int length, int channels) {}

    /** Encodes {@code count} images; every value is multiplied by {@code scale} (vae_norm). */
    public static Result encode(Tokenizer tokenizer, int count, Source source, Settings s, float scale, Progress bar)
            throws IOException {
        return encode(eim.runtime.generate.ImageCodec.of(tokenizer), count, source, s, scale, bar);
    }

    /** Encodes {@code count} images with {@code codec} (a baseline's, say); every value is multiplied by {@code scale}. */
    public static Result encode(eim.runtime.generate.ImageCodec codec, int count, Source source, Settings s, float scale,
                                Progress bar) throws IOException {
        int h = s.height(), w = s.width(), length = codec.tokensForWidth(w);
        int channels = codec.channels(), seq = length * channels, v = s.viewCount(), slots = 1 + v;
        float[] tokens = new float[count * seq];
        float[] views = v > 0 ? new float[count * v * seq] : null;
        Transform centre = new Transform(h, w, false); // cover (h, w), then the centre
        int bigH = Math.round(h * (1 + s.margin())), bigW = Math.round(w * (1 + s.margin())), plane = 3 * h * w;
        for (int from = 0; from < count; from += s.batch()) {
            int b = Math.min(s.batch(), count - from);
            float[][] images = new float[slots][b * plane];
            for (int i = 0; i < b; i++) {
                BufferedImage image = source.load(from + i);
                ImageTensor.fromImage(centre.eval(centre.resize(image)), images[0], i * plane);
                if (v > 0) {
                    BufferedImage big = Images.resizeToCover(image, bigH, bigW);
                    SplittableRandom r = new SplittableRandom(s.seed() * 0x9E3779B97F4A7C15L + from + i);
                    for (int k = 0; k < s.crops(); k++) {
                        BufferedImage crop = Images.randomCrop(big, w, h, r);
                        ImageTensor.fromImage(crop, images[1 + 2 * k], i * plane);
                        ImageTensor.fromImage(Images.flipHorizontal(crop), images[2 + 2 * k], i * plane);
                    }
                }
            }
            for (int slot = 0; slot < slots; slot++) {
                float[] z = codec.encode(images[slot], b, w); // (b, length, channels)
                for (int i = 0; i < b; i++) {
                    float[] dst = slot == 0 ? tokens : views;
                    int at = slot == 0 ? (from + i) * seq : ((from + i) * v + slot - 1) * seq;
                    for (int e = 0; e < seq; e++) {
                        dst[at + e] = z[i * seq + e] * scale;
                    }
                }
            }
            if (bar != null) {
                bar.stepBy(b);
            }
        }
        return new Result(tokens, views, v, count, length, channels);
    }

    /** 1 / standard deviation of all values: the vae_norm that gives the latents unit variance (LDM's scale factor). */
    public static float unitVarianceScale(float[] latents) {
        double sum = 0, squares = 0;
        for (float x : latents) {
            sum += x;
            squares += (double) x * x;
        }
        double mean = sum / latents.length;
        return (float) (1 / Math.sqrt(Math.max(squares / latents.length - mean * mean, 1e-12)));
    }

    /**
     * The vae_norm of a trained tokenizer: 1 / std of the posterior means of up to {@code max}
     * centre crops of {@code images} (what the authors' 0.05493 is for their tokenizer).
     */
    public static float measureVaeNorm(Tokenizer tokenizer, ImageSet images, int max) {
        eim.runtime.data.Batch b = images.centreCrops(max);
        int res = images.resolution(), plane = 3 * res * res, chunk = 16;
        float[] all = new float[0];
        for (int from = 0; from < b.size(); from += chunk) {
            int n = Math.min(chunk, b.size() - from);
            float[] z = tokenizer.encode(java.util.Arrays.copyOfRange(b.images(), from * plane, (from + n) * plane), n, res);
            float[] grown = java.util.Arrays.copyOf(all, all.length + z.length);
            System.arraycopy(z, 0, grown, all.length, z.length);
            all = grown;
        }
        return unitVarianceScale(all);
    }
}
