package eim.model.tokenizer;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * The authors' posterior sample ({@code GaussianDistribution.sample}): the encoder's output is the
 * mean, and a sample is z = mean + s_b · eps with eps ~ N(0, 1) per element and one
 * s_b = clamp(N(0, 1) · std / 0.8, -std, std) per sample, so some samples get almost no noise and
 * others a lot (about 42% are clamped to ±std). The tokenizer trains its decoder on such samples
 * and the generator trains on them (times vae_norm), each batch drawing fresh ones.
 */
public final class PosteriorNoise {
    private PosteriorNoise() {}

    /** One sample's noise scale s = clamp(N(0, 1) · std / 0.8, -std, std). */
    public static double scale(float std, RandomGenerator r) {
        return Math.max(-std, Math.min(std, r.nextGaussian() * std / 0.8));
    }

    /**
     * Adds one sample's posterior noise in place: {@code x[offset .. offset+length) += factor · s · eps},
     * s drawn first by {@link #scale}, then eps per element. {@code factor} is vae_norm when x holds
     * the generator's tokens (means · vae_norm), 1 for raw means. Returns s.
     */
    public static double add(float[] x, int offset, int length, float std, float factor, RandomGenerator r) {
        double s = scale(std, r);
        for (int i = offset; i < offset + length; i++) {
            x[i] += (float) (factor * s * r.nextGaussian());
        }
        return s;
    }

    /** A posterior sample of a batch of means (B, ...): a copy with each sample's noise added. */
    public static float[] sample(float[] mean, int batch, float std, SplittableRandom r) {
        float[] z = mean.clone();
        int per = mean.length / batch;
        for (int b = 0; b < batch; b++) {
            add(z, b * per, per, std, 1f, r);
        }
        return z;
    }
}
