package eim.runtime.tokenizer;

/**
 * The authors' reconstruction and latent terms (LPIPSWithDiscriminator with perceptual, GAN and
 * semantic weights at 0, see {@link AuxiliaryLoss}):
 * <pre>
 *   rec  = |x - x̂|                         per pixel (optionally mixed with (x - x̂)²)
 *   nll  = Σ_pixels (rec / exp(logvar) + logvar) / B
 *   kl   = Σ_b 0.5 Σ mean_b² / B            posterior means, not the noisy samples
 *   loss = nll + klWeight · kl
 * </pre>
 */
final class TokenizerLoss {
    /** Values of one evaluation and the gradients it wrote. */
    record Terms(double total, double nll, double kl, double meanAbsError, double dLogvar) {}

    private final float klWeight, l2Mix;

    TokenizerLoss(float klWeight, float l2Mix) {
        this.klWeight = klWeight;
        this.l2Mix = l2Mix;
    }

    /**
     * Evaluates the loss and writes (overwrites) dRecon and dMean.
     *
     * @param x      inputs (B·n)
     * @param recon  reconstructions (B·n)
     * @param mean   posterior means (B·m)
     */
    Terms evaluate(float[] x, float[] recon, float[] dRecon, float[] mean, float[] dMean, int batch, float logvar) {
        double invVar = Math.exp(-logvar);
        double nll = 0, absSum = 0, dLogvar = 0;
        for (int i = 0; i < x.length; i++) {
            float d = recon[i] - x[i];
            float ad = Math.abs(d);
            double rec = (1 - l2Mix) * ad + l2Mix * d * d;
            double dRec = (1 - l2Mix) * Math.signum(d) + l2Mix * 2 * d;
            nll += rec * invVar + logvar;
            dLogvar += 1 - rec * invVar;
            dRecon[i] = (float) (dRec * invVar / batch);
            absSum += ad;
        }
        double kl = 0;
        for (int i = 0; i < mean.length; i++) {
            kl += 0.5 * mean[i] * mean[i];
            dMean[i] = klWeight * mean[i] / batch;
        }
        nll /= batch;
        kl /= batch;
        return new Terms(nll + klWeight * kl, nll, kl, absSum / x.length, dLogvar / batch);
    }
}
