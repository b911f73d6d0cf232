package eim.runtime.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.tokenizer.PosteriorNoise;
import eim.tasks.testing.GradCheck;
import java.util.Random;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The host-side pieces of training: loss gradients, the authors' schedule, EMA warm-up, noise, PSNR. */
class TokenizerLossTest {
    static float[] randn(int n, Random r, float s) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = s * (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void lossGradientsMatchFiniteDifferences() {
        Random r = new Random(1);
        int B = 2;
        float[] x = randn(B * 12, r, 0.5f), recon = randn(B * 12, r, 0.5f), mean = randn(B * 6, r, 1f);
        float[] logvar = {0.3f};
        for (float l2Mix : new float[] {0f, 0.4f}) {
            TokenizerLoss loss = new TokenizerLoss(0.01f, l2Mix);
            float[] dRecon = new float[recon.length], dMean = new float[mean.length];
            TokenizerLoss.Terms t = loss.evaluate(x, recon, dRecon, mean, dMean, B, logvar[0]);
            java.util.function.DoubleSupplier f = () -> loss.evaluate(x, recon, new float[recon.length], mean,
                    new float[mean.length], B, logvar[0]).total();
            GradCheck.check("dRecon", f, recon, dRecon, recon.length, 1e-3f, 1e-2);
            GradCheck.check("dMean", f, mean, dMean, mean.length, 1e-2f, 1e-3);
            GradCheck.check("dLogvar", f, logvar, new float[] {(float) t.dLogvar()}, 1, 1e-2f, 1e-3);
        }
    }

    @Test
    void scheduleIsTheAuthorsWarmUpDecay() {
        TrainOptions o = TrainOptions.defaults().withSchedule(1f, 30, 100, 0.2f);
        // the authors' stateful LambdaWarmUpDecayScheduler, called for n = 0, 1, 2, ...
        double last = 0;
        for (int n = 0; n < 450; n++) {
            double lr;
            if (n < 30) {
                lr = n / 30.0;
                last = lr;
            } else if ((n - 30) % 100 == 0 && n > 30) {
                lr = last * 0.2;
                last = lr;
            } else {
                lr = last;
            }
            assertEquals(lr, o.learningRate(n), 1e-6, "step " + n);
        }
    }

    @Test
    void posteriorNoiseStdIsClampedPerSample() {
        float[] mean = new float[4 * 1000];
        float[] z = PosteriorNoise.sample(mean, 4, 2.5f, new SplittableRandom(3));
        for (int b = 0; b < 4; b++) {
            double s = 0;
            for (int i = b * 1000; i < (b + 1) * 1000; i++) {
                s += z[i] * z[i];
            }
            assertTrue(Math.sqrt(s / 1000) < 2.5 * 1.15, "sample " + b + " std " + Math.sqrt(s / 1000));
        }
    }

    @Test
    void columnMeanBaselineIsExactOnColumnConstantImages() {
        int C = 3, H = 4, W = 5;
        float[] img = new float[C * H * W];
        for (int i = 0; i < img.length; i++) {
            img[i] = ((i % W) * 0.3f + (i / (H * W)) * 0.1f) - 0.5f;
        }
        assertEquals(0.0, Psnr.mse01(img, Psnr.columnMeanColour(img, 1, C, H, W)), 1e-12);
        assertEquals(20.0, Psnr.fromMse(0.01), 1e-9);
    }
}
