package eim.runtime.generate;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.Sampler;
import eim.tasks.Device;

/**
 * The generator's half of {@link ImageGenerator}: tokens (B, L, C) of class-conditional images,
 * batch by batch, with the compiled {@link Sampler} reused while the batch size and settings stay
 * the same. On its own it lets a caller sample every image first and let the generator go before
 * the tokenizer is loaded (what {@code eim generate} does: the two never share memory).
 */
public final class TokenSampling implements AutoCloseable {
    private final EquivariantGenerator generator;
    private final Device device;
    private Sampler sampler;
    private String samplerKey = "";

    public TokenSampling(EquivariantGenerator generator, Device device) {
        this.generator = generator;
        this.device = device;
    }

    /**
     * Tokens (B, L, C) for one image per label, as the generator makes them (times vae_norm).
     *
     * @param noise    the Gaussian noise each AR step starts from (seeded for reproducible images)
     * @param progress called after each token position of the batch, may be null
     */
    public float[] sample(int[] labels, ImageGenerator.Settings s, Sampler.NoiseSource noise, Sampler.Progress progress) {
        String key = labels.length + "/" + s;
        if (!key.equals(samplerKey)) {
            close();
            sampler = new Sampler(generator, device, s.mode(), labels.length, s.tokens(), s.cfg(), s.schedule(), s.steps());
            samplerKey = key;
        }
        return sampler.sample(labels, noise, progress);
    }

    /** Frees the sampler's device storage (the generator belongs to the caller). */
    @Override
    public void close() {
        if (sampler != null) {
            sampler.close();
            sampler = null;
            samplerKey = "";
        }
    }
}
