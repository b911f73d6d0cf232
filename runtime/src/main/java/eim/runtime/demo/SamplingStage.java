package eim.runtime.demo;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.Sampler;
import eim.model.tokenizer.Tokenizer;
import eim.runtime.Progress;
import eim.runtime.generate.ImageGenerator;
import eim.tasks.Device;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * Class-conditional sampling with the trained models: token sequences from the generator (EMA
 * weights), divided by vae_norm and decoded by the tokenizer. Grids use the training length;
 * panoramas use a length {@code panoramaFactor} times longer with the incremental sampler, whose
 * cost per token does not grow with the length.
 */
final class SamplingStage {
    /** Decoded samples in class-major order (all of class 0, then class 1, ...) and the time they took. */
    record Samples(List<BufferedImage> images, float guidance, int tokens, double seconds) {
        double millisPerToken() {
            return seconds * 1000 / tokens;
        }
    }

    private final DemoConfig c;
    private final ImageGenerator generator;

    SamplingStage(DemoConfig c, EquivariantGenerator model, Tokenizer tokenizer, float vaeNorm, Device device) {
        this.c = c;
        this.generator = new ImageGenerator(model, tokenizer, vaeNorm, device);
    }

    /** {@code samplesPerClass} images of every class at the training length with guidance {@code cfg}. */
    Samples grid(float cfg) {
        // the same noise for every guidance scale, so the grids differ only by the guidance
        return sample("samples (cfg " + cfg + ")", c.samplesPerClass(), c.tokensPerImage(), cfg, c.seed());
    }

    /** One panorama per class, {@code panoramaFactor} times the training width. */
    Samples panoramas() {
        return sample("panoramas", 1, c.panoramaTokens(), c.panoramaGuidance(), c.seed() + 1);
    }

    private Samples sample(String task, int perClass, int length, float cfg, long seed) {
        int[] labels = new int[DemoConfig.CLASSES * perClass];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i / perClass;
        }
        ImageGenerator.Batch batch;
        try (Progress progress = Progress.start(task, length, "token")) {
            batch = generator.generate(labels, new ImageGenerator.Settings(length, cfg, c.flowSteps(), Sampler.Mode.INCREMENTAL),
                    Sampler.NoiseSource.seeded(seed), (i, n) -> progress.stepTo(i + 1));
        } finally {
            generator.close(); // frees the compiled sampler; the next call compiles its own
        }
        List<BufferedImage> images = new java.util.ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            images.add(batch.image(i));
        }
        double seconds = batch.samplingSeconds() + batch.decodingSeconds();
        return new Samples(images, cfg, labels.length * length, seconds);
    }
}
