package eim.runtime.demo;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.Sampler;
import eim.model.tokenizer.Tokenizer;
import eim.runtime.Progress;
import eim.runtime.data.ImageTensor;
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
    private final EquivariantGenerator model;
    private final Tokenizer tokenizer;
    private final float vaeNorm;
    private final Device device;

    SamplingStage(DemoConfig c, EquivariantGenerator model, Tokenizer tokenizer, float vaeNorm, Device device) {
        this.c = c;
        this.model = model;
        this.tokenizer = tokenizer;
        this.vaeNorm = vaeNorm;
        this.device = device;
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
        long start = System.nanoTime();
        float[] tokens;
        try (Sampler sampler = new Sampler(model, device, Sampler.Mode.INCREMENTAL, labels.length, length, cfg, c.flowSteps());
             Progress progress = Progress.start(task, length, "token")) {
            tokens = sampler.sample(labels, Sampler.NoiseSource.seeded(seed), (i, n) -> progress.stepTo(i + 1));
        }
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] /= vaeNorm; // the generator works on latents x vae_norm
        }
        int height = c.height(), width = length * c.tokenizer().scale();
        float[] images = tokenizer.decode(tokens, labels.length, length); // (B, 3, H, W)
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Samples(ImageTensor.toImages(images, labels.length, height, width), cfg, labels.length * length, seconds);
    }
}
