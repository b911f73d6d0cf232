package eim.runtime.eval;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.Sampler;
import eim.model.tokenizer.Tokenizer;
import eim.runtime.data.ImageFolderDataset;
import eim.runtime.data.ImageTensor;
import eim.runtime.data.Transform;
import eim.runtime.generate.ImageCodec;
import eim.runtime.generate.ImageGenerator;
import eim.tasks.Device;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The evaluation of a generator + tokenizer against a class-folder image set, at the generator's
 * training width:
 * <ul>
 *   <li>the Fréchet distance between real and generated images in the feature space of a small
 *       classifier trained on the real images ({@link FeatureClassifier}: the Inception weights of
 *       FID cannot be downloaded here), with the distance between two halves of the real set as the
 *       floor that sampling noise alone gives at these counts;</li>
 *   <li>that classifier's accuracy on the generated images of each class (did the model draw the
 *       class it was asked for?), next to its accuracy on held-out real images;</li>
 *   <li>the per-position score: the Fréchet distance between the generated tokens at each position
 *       and the real images' tokens there ({@link PositionScores}).</li>
 * </ul>
 * Ultra-long images ({@code tokens} a multiple of a shorter {@code window}): the real images are
 * taken {@code window} tokens wide, each generated image is cut into {@code tokens / window}
 * windows side by side, and every window is scored as an image of its own (Fréchet distance and
 * class accuracy per window along the width); the per-position score then compares every position
 * with the real tokens of all positions pooled (the data is translation-stationary along the width).
 * A flat score along the width is the absence of drift.
 */
public final class Evaluation {
    private Evaluation() {}

    /**
     * What to sample: images per class, flow steps, guidance, seed, batch, and the image width in
     * tokens ({@code tokens} 0: the generator's training length; more, for positions it never trained
     * on).
     */
    public record Settings(int perClass, int steps, float cfg, Sampler.Schedule schedule, long seed, int batch, int tokens,
                           int window) {
        public Settings {
            if (perClass < 2 || steps < 1 || batch < 1 || tokens < 0 || tokens == 1 || window < 0 || window == 1) {
                throw new IllegalArgumentException("--count must be >= 2 (a covariance needs two samples), --steps and "
                        + "--batch >= 1, --tokens and --window >= 2");
            }
            if (window > 0 && tokens > 0 && tokens % window != 0) {
                throw new IllegalArgumentException("--tokens (" + tokens + ") must be a multiple of --window (" + window + ")");
            }
            Sampler.checkGuidance(cfg);
        }

        public Settings(int perClass, int steps, float cfg, Sampler.Schedule schedule, long seed, int batch, int tokens) {
            this(perClass, steps, cfg, schedule, seed, batch, tokens, 0);
        }

        public Settings(int perClass, int steps, float cfg, Sampler.Schedule schedule, long seed, int batch) {
            this(perClass, steps, cfg, schedule, seed, batch, 0, 0);
        }

        /** The width in tokens for {@code generator}. */
        public int tokensFor(EquivariantGenerator generator) {
            return tokens > 0 ? tokens : generator.cfg.seqLen();
        }

        /** The width in tokens of the real images and of each scored window ({@code window}, or the whole width). */
        public int windowFor(EquivariantGenerator generator) {
            int t = tokensFor(generator);
            if (window > t || (window > 0 && t % window != 0)) {
                throw new IllegalArgumentException("--window " + window + " must divide the width of " + t + " tokens");
            }
            return window > 0 ? window : t;
        }
    }

    /** The results (also written as JSON by the command). */
    public record Report(List<String> classNames, int realImages, int generatedImages, int height, int width, int tokens,
                         double classifierHeldOutAccuracy, double frechetDistance, double realSplitFrechetDistance,
                         double generatedAccuracy, double[] generatedAccuracyPerClass, double[] positionFrechet,
                         int windowTokens, double[] windowFrechet, double[] windowAccuracy, Settings settings) {}

    /** Images to keep: the first {@code count} generated images of each class, (n, 3, h, w) in [-1, 1]. */
    public record Kept(float[] pixels, int[] classes, int height, int width) {}

    /** The real images at (height, width): resized to cover, centre-cropped, (n, 3, h, w) in [-1, 1]. */
    public static float[] realImages(ImageFolderDataset data, int height, int width) throws IOException {
        Transform crop = new Transform(height, width, false);
        int plane = 3 * height * width;
        float[] out = new float[data.size() * plane];
        for (int i = 0; i < data.size(); i++) {
            ImageTensor.fromImage(crop.eval(crop.resize(data.load(i))), out, i * plane);
        }
        return out;
    }

    /** Pooled classifier inputs of n images (n, 3, h, w). */
    public static float[] pooled(float[] images, int n, int height, int width) {
        float[] in = new float[n * FeatureClassifier.INPUT];
        int plane = 3 * height * width;
        for (int i = 0; i < n; i++) {
            FeatureClassifier.pool(Arrays.copyOfRange(images, i * plane, (i + 1) * plane), height, width, in,
                    i * FeatureClassifier.INPUT);
        }
        return in;
    }

    /**
     * A classifier trained on the real images (10% held out, classes interleaved by a seeded shuffle)
     * for {@code epochs} epochs; returns it with its held-out accuracy.
     */
    public static FeatureClassifier trainClassifier(float[] realInputs, int[] labels, int classes, int epochs, long seed,
                                                    Device device, double[] heldOutAccuracy) {
        int n = labels.length;
        int[] order = shuffled(n, seed);
        float[] in = new float[realInputs.length];
        int[] lab = new int[n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(realInputs, order[i] * FeatureClassifier.INPUT, in, i * FeatureClassifier.INPUT, FeatureClassifier.INPUT);
            lab[i] = labels[order[i]];
        }
        int held = Math.max(1, n / 10), batch = Math.min(32, n - held);
        FeatureClassifier c = new FeatureClassifier(classes, batch, device).initialize(seed);
        heldOutAccuracy[0] = c.train(in, lab, held, epochs, seed + 1).heldOutAccuracy();
        return c;
    }

    /** Runs the evaluation; the classifier must know the data's classes. */
    public static Report run(EquivariantGenerator generator, Tokenizer tokenizer, float vaeNorm, ImageFolderDataset data,
                             FeatureClassifier classifier, double classifierAccuracy, Settings s, Device device,
                             Sampler.Progress progress) throws IOException {
        return run(generator, tokenizer, vaeNorm, data, classifier, classifierAccuracy, s, device, progress, 0, null);
    }

    /**
     * Runs the evaluation and keeps the first {@code keepPerClass} generated images of each class in
     * {@code keptOut[0]} (when not null).
     */
    public static Report run(EquivariantGenerator generator, Tokenizer tokenizer, float vaeNorm, ImageFolderDataset data,
                             FeatureClassifier classifier, double classifierAccuracy, Settings s, Device device,
                             Sampler.Progress progress, int keepPerClass, Kept[] keptOut) throws IOException {
        return run(generator, ImageCodec.of(tokenizer), vaeNorm, data, classifier, classifierAccuracy, s, device, progress,
                keepPerClass, keptOut);
    }

    /** Runs the evaluation with images encoded and decoded by {@code codec} (a baseline's, say). */
    public static Report run(EquivariantGenerator generator, ImageCodec codec, float vaeNorm, ImageFolderDataset data,
                             FeatureClassifier classifier, double classifierAccuracy, Settings s, Device device,
                             Sampler.Progress progress, int keepPerClass, Kept[] keptOut) throws IOException {
        int classes = data.classNames().size();
        if (generator.cfg.numClasses() != classes || classifier.classes() != classes) {
            throw new IllegalArgumentException(data.root() + " has " + classes + " classes, the generator knows "
                    + generator.cfg.numClasses() + " and the classifier " + classifier.classes());
        }
        int tokens = s.tokensFor(generator), window = s.windowFor(generator), windows = tokens / window;
        int ch = generator.cfg.tokenChannels();
        int[] windowSize = codec.imageSize(window);
        int height = windowSize[0], width = windowSize[1];
        int fullWidth = codec.imageSize(tokens)[1];
        int n = data.size();
        float[] real = realImages(data, height, width);
        float[] realFeatures = classifier.features(pooled(real, n, height, width), n);

        // generated: perClass images of every class, sampled in batches; each cut into windows
        int g = classes * s.perClass();
        int[] asked = new int[g];
        for (int i = 0; i < g; i++) {
            asked[i] = i / s.perClass();
        }
        float[] genLatents = new float[g * tokens * ch];
        float[][] genInputs = new float[windows][g * FeatureClassifier.INPUT];
        int keep = Math.max(0, keepPerClass);
        float[] keptPixels = new float[classes * Math.min(keep, s.perClass()) * 3 * height * fullWidth];
        int[] keptClasses = new int[classes * Math.min(keep, s.perClass())];
        int kept = 0;
        SplittableRandom seeds = new SplittableRandom(s.seed());
        ImageGenerator.Settings gs = new ImageGenerator.Settings(tokens, s.cfg(), s.steps(), Sampler.Mode.INCREMENTAL, s.schedule());
        try (ImageGenerator gen = new ImageGenerator(generator, codec, vaeNorm, device)) {
            for (int from = 0; from < g; from += s.batch()) {
                int to = Math.min(g, from + s.batch());
                ImageGenerator.Batch b = gen.generate(Arrays.copyOfRange(asked, from, to), gs,
                        Sampler.NoiseSource.seeded(seeds.nextLong()), progress);
                System.arraycopy(b.latents(), 0, genLatents, from * tokens * ch, (to - from) * tokens * ch);
                for (int k = 0; k < windows; k++) {
                    float[] cut = columns(b.pixels(), to - from, height, fullWidth, k * width, width);
                    System.arraycopy(pooled(cut, to - from, height, width), 0, genInputs[k], from * FeatureClassifier.INPUT,
                            (to - from) * FeatureClassifier.INPUT);
                }
                int plane = 3 * height * fullWidth;
                for (int i = from; i < to; i++) {
                    if (i % s.perClass() < keep) {
                        System.arraycopy(b.pixels(), (i - from) * plane, keptPixels, kept * plane, plane);
                        keptClasses[kept++] = asked[i];
                    }
                }
            }
        }
        double[] windowFd = new double[windows], windowAcc = new double[windows];
        double[][] realRows = rows(realFeatures, n);
        double fd = 0, accuracy = 0;
        double[] perClass = new double[classes];
        for (int k = 0; k < windows; k++) {
            float[] genFeatures = classifier.features(genInputs[k], g);
            int[] predicted = classifier.predict(genInputs[k], g);
            int right = 0;
            for (int i = 0; i < g; i++) {
                if (predicted[i] == asked[i]) {
                    perClass[asked[i]] += 1.0 / s.perClass() / windows;
                    right++;
                }
            }
            windowFd[k] = FrechetDistance.between(realRows, rows(genFeatures, g));
            windowAcc[k] = (double) right / g;
            fd += windowFd[k] / windows;
            accuracy += windowAcc[k] / windows;
        }
        // the floor: two halves of the real set (interleaved, so both hold every class)
        List<double[]> even = new ArrayList<>(), odd = new ArrayList<>();
        int[] order = shuffled(n, s.seed());
        for (int i = 0; i < n; i++) {
            (i % 2 == 0 ? even : odd).add(realRows[order[i]]);
        }
        double floor = FrechetDistance.between(even.toArray(double[][]::new), odd.toArray(double[][]::new));

        // per position: the real images' tokens (posterior means x vae_norm, the generator's scale) vs the generated ones
        float[] realTokens = new float[n * window * ch];
        int plane = 3 * height * width;
        for (int from = 0; from < n; from += s.batch()) {
            int b = Math.min(s.batch(), n - from);
            float[] z = codec.encode(Arrays.copyOfRange(real, from * plane, (from + b) * plane), b, width);
            for (int i = 0; i < z.length; i++) {
                realTokens[from * window * ch + i] = z[i] * vaeNorm;
            }
        }
        double[] perPosition = PositionScores.frechetPerPosition(genLatents, g, tokens, realTokens, n, window, ch, windows > 1);
        if (keptOut != null) {
            keptOut[0] = new Kept(keptPixels, keptClasses, height, fullWidth);
        }
        return new Report(data.classNames(), n, g, height, fullWidth, tokens, classifierAccuracy, fd, floor, accuracy,
                perClass, perPosition, window, windowFd, windowAcc, s);
    }

    /** Columns [x0, x0 + w) of n images (n, 3, h, width). */
    static float[] columns(float[] images, int n, int h, int width, int x0, int w) {
        if (x0 == 0 && w == width) {
            return images;
        }
        float[] out = new float[n * 3 * h * w];
        for (int r = 0; r < n * 3 * h; r++) {
            System.arraycopy(images, r * width + x0, out, r * w, w);
        }
        return out;
    }

    static double[][] rows(float[] flat, int n) {
        int d = flat.length / n;
        double[][] out = new double[n][d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                out[i][j] = flat[i * d + j];
            }
        }
        return out;
    }

    private static int[] shuffled(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = r.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
