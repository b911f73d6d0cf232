package eim.runtime.tokenizer;

import java.util.SplittableRandom;

/**
 * The authors' GaussianDistribution.sample(): z = mean + s_b · N(0, 1) with one
 * s_b = clamp(N(0, 1) · std / 0.8, -std, std) per sample, so some images get almost no noise and
 * others a lot.
 */
final class PosteriorNoise {
    private PosteriorNoise() {}

    static float[] sample(float[] mean, int batch, float std, SplittableRandom r) {
        float[] z = mean.clone();
        int per = mean.length / batch;
        for (int b = 0; b < batch; b++) {
            double s = Math.max(-std, Math.min(std, r.nextGaussian() * std / 0.8));
            for (int i = b * per; i < (b + 1) * per; i++) {
                z[i] += (float) (s * r.nextGaussian());
            }
        }
        return z;
    }

}
