package eim.runtime.eval;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.Sampler;
import eim.model.tokenizer.Tokenizer;
import eim.runtime.data.ImageFolderDataset;
import eim.runtime.data.ImageTensor;
import eim.runtime.data.Transform;
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
 */
public final class Evaluation {
    private Evaluation() {}

    /**
     * What to sample: images per class, flow steps, guidance, seed, batch, and the image width in
     * tokens ({@code tokens} 0: the generator's training length; more, for positions it never trained
     * on).
     */
    public record Settings(int perClass, int steps, float cfg, Sampler.Schedule schedule, long seed, int batch, int tokens) {
        public Settings {
            if (perClass < 2 || steps < 1 || batch < 1 || tokens < 0 || tokens == 1) {
                throw new IllegalArgumentException("--count must be >= 2 (a covariance needs two samples), --steps and "
                        + "--batch >= 1, --tokens >= 2");
            }
            Sampler.checkGuidance(cfg);
        }

        public Settings(int perClass, int steps, float cfg, Sampler.Schedule schedule, long seed, int batch) {
            this(perClass, steps, cfg, schedule, seed, batch, 0);
        }

        /** The width in tokens for {@code generator}. */
        public int tokensFor(EquivariantGenerator generator) {
            return tokens > 0 ? tokens : generator.cfg.seqLen();
        }
    }

    /** The results (also written as JSON by the command). */
    public record Report(List<String> classNames, int realImages, int generatedImages, int height, int width, int tokens,
                         double classifierHeldOutAccuracy, double frechetDistance, double realSplitFrechetDistance,
                         double generatedAccuracy, double[] generatedAccuracyPerClass, double[] positionFrechet,
                         Settings settings) {}

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
        int classes = data.classNames().size();
        if (generator.cfg.numClasses() != classes || classifier.classes() != classes) {
            throw new IllegalArgumentException(data.root() + " has " + classes + " classes, the generator knows "
                    + generator.cfg.numClasses() + " and the classifier " + classifier.classes());
        }
        int tokens = s.tokensFor(generator), ch = generator.cfg.tokenChannels();
        int height = tokenizer.config().resolution(), width = tokenizer.config().scale() * tokens;
        int n = data.size();
        float[] real = realImages(data, height, width);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = data.label(i);
        }
        float[] realFeatures = classifier.features(pooled(real, n, height, width), n);

        // generated: perClass images of every class, sampled in batches
        int g = classes * s.perClass();
        int[] asked = new int[g];
        for (int i = 0; i < g; i++) {
            asked[i] = i / s.perClass();
        }
        float[] genLatents = new float[g * tokens * ch];
        float[] genInputs = new float[g * FeatureClassifier.INPUT];
        SplittableRandom seeds = new SplittableRandom(s.seed());
        ImageGenerator.Settings gs = new ImageGenerator.Settings(tokens, s.cfg(), s.steps(), Sampler.Mode.INCREMENTAL, s.schedule());
        try (ImageGenerator gen = new ImageGenerator(generator, tokenizer, vaeNorm, device)) {
            for (int from = 0; from < g; from += s.batch()) {
                int to = Math.min(g, from + s.batch());
                ImageGenerator.Batch b = gen.generate(Arrays.copyOfRange(asked, from, to), gs,
                        Sampler.NoiseSource.seeded(seeds.nextLong()), progress);
                System.arraycopy(b.latents(), 0, genLatents, from * tokens * ch, (to - from) * tokens * ch);
                System.arraycopy(pooled(b.pixels(), to - from, height, width), 0, genInputs, from * FeatureClassifier.INPUT,
                        (to - from) * FeatureClassifier.INPUT);
            }
        }
        float[] genFeatures = classifier.features(genInputs, g);
        int[] predicted = classifier.predict(genInputs, g);
        double[] perClass = new double[classes];
        int right = 0;
        for (int i = 0; i < g; i++) {
            if (predicted[i] == asked[i]) {
                perClass[asked[i]] += 1.0 / s.perClass();
                right++;
            }
        }
        double fd = FrechetDistance.between(rows(realFeatures, n), rows(genFeatures, g));
        // the floor: two halves of the real set (interleaved, so both hold every class)
        List<double[]> even = new ArrayList<>(), odd = new ArrayList<>();
        double[][] all = rows(realFeatures, n);
        int[] order = shuffled(n, s.seed());
        for (int i = 0; i < n; i++) {
            (i % 2 == 0 ? even : odd).add(all[order[i]]);
        }
        double floor = FrechetDistance.between(even.toArray(double[][]::new), odd.toArray(double[][]::new));

        // per position: the real images' tokens (posterior means x vae_norm, the generator's scale) vs the generated ones
        float[] realTokens = new float[n * tokens * ch];
        int plane = 3 * height * width;
        for (int from = 0; from < n; from += s.batch()) {
            int b = Math.min(s.batch(), n - from);
            float[] z = tokenizer.encode(Arrays.copyOfRange(real, from * plane, (from + b) * plane), b, width);
            for (int i = 0; i < z.length; i++) {
                realTokens[from * tokens * ch + i] = z[i] * vaeNorm;
            }
        }
        double[] perPosition = PositionScores.frechetPerPosition(genLatents, g, tokens, realTokens, n, tokens, ch, false);
        return new Report(data.classNames(), n, g, height, width, tokens, classifierAccuracy, fd, floor, (double) right / g,
                perClass, perPosition, s);
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
