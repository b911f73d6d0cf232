package eim.runtime.tokenizer;

/**
 * How the tokenizer is trained. Defaults follow the authors' configs/first_stage/tokenizer_config.yaml
 * and EquivariantTokenizer where they apply to the terms implemented here.
 *
 * @param batch           images per step
 * @param steps           optimizer steps in total (a resumed run continues up to this)
 * @param learningRate    peak learning rate (authors: 1.92e-4, batch 12 per GPU)
 * @param warmupSteps     linear warm-up from 0 (authors: 3000)
 * @param decayInterval   steps between decays after warm-up (authors: 30000)
 * @param decay           learning-rate factor at each decay (authors: 0.2)
 * @param beta1           Adam β1 (authors: 0.5)
 * @param beta2           Adam β2 (authors: 0.9)
 * @param emaDecay        LitEma decay, warmed up as min(decay, (1+n)/(10+n)) (authors: 0.99)
 * @param clipNorm        global gradient-norm clipping (≤ 0: off; authors: off)
 * @param klWeight        weight of the latent penalty 0.5·Σ mean² per image (authors: 0.01)
 * @param l2Mix           share of squared error in the per-pixel reconstruction term (0: the authors' pure L1)
 * @param learnLogvar     whether the log-variance is trained (the authors' optimizer leaves loss.logvar out, so it stays 0)
 * @param noise           whether the decoder sees posterior samples (mean + per-sample std · N(0,1)) rather than means
 * @param seed            randomness of batches, crops, flips and posterior noise (reproducible across resumes)
 * @param evalEvery       steps between held-out PSNR evaluations (≤ 0: only at the end)
 * @param checkpointEvery steps between checkpoints (≤ 0: only at the end)
 */
public record TrainOptions(int batch, int steps, float learningRate, int warmupSteps, int decayInterval, float decay,
                           float beta1, float beta2, float emaDecay, float clipNorm, float klWeight, float l2Mix,
                           boolean learnLogvar, boolean noise, long seed, int evalEvery, int checkpointEvery) {

    public TrainOptions {
        require(batch >= 1, "batch must be >= 1");
        require(steps >= 1, "steps must be >= 1");
        require(learningRate > 0, "learning rate must be > 0");
        require(warmupSteps >= 0 && decayInterval >= 1, "warm-up must be >= 0 and the decay interval >= 1");
        require(decay > 0 && decay <= 1, "decay must be in (0, 1]");
        require(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1, "Adam betas must be in [0, 1)");
        require(emaDecay >= 0 && emaDecay < 1, "EMA decay must be in [0, 1)");
        require(klWeight >= 0, "KL weight must be >= 0");
        require(l2Mix >= 0 && l2Mix <= 1, "l2Mix must be in [0, 1]");
    }

    private static void require(boolean ok, String msg) {
        if (!ok) {
            throw new IllegalArgumentException("tokenizer training: " + msg);
        }
    }

    /** The authors' recipe (no gradient clipping) with a CPU-sized batch, step count and warm-up. */
    public static TrainOptions defaults() {
        return new TrainOptions(8, 1000, 1.92e-4f, 100, 30000, 0.2f, 0.5f, 0.9f, 0.99f, 0f, 0.01f, 0f, false, true,
                0L, 0, 0);
    }

    public TrainOptions withBatch(int b) {
        return new TrainOptions(b, steps, learningRate, warmupSteps, decayInterval, decay, beta1, beta2, emaDecay,
                clipNorm, klWeight, l2Mix, learnLogvar, noise, seed, evalEvery, checkpointEvery);
    }

    public TrainOptions withSteps(int s) {
        return new TrainOptions(batch, s, learningRate, warmupSteps, decayInterval, decay, beta1, beta2, emaDecay,
                clipNorm, klWeight, l2Mix, learnLogvar, noise, seed, evalEvery, checkpointEvery);
    }

    public TrainOptions withSchedule(float lr, int warmup, int interval, float factor) {
        return new TrainOptions(batch, steps, lr, warmup, interval, factor, beta1, beta2, emaDecay, clipNorm, klWeight,
                l2Mix, learnLogvar, noise, seed, evalEvery, checkpointEvery);
    }

    public TrainOptions withLoss(float kl, float l2, boolean logvar, boolean posteriorNoise) {
        return new TrainOptions(batch, steps, learningRate, warmupSteps, decayInterval, decay, beta1, beta2, emaDecay,
                clipNorm, kl, l2, logvar, posteriorNoise, seed, evalEvery, checkpointEvery);
    }

    public TrainOptions withSeed(long s) {
        return new TrainOptions(batch, steps, learningRate, warmupSteps, decayInterval, decay, beta1, beta2, emaDecay,
                clipNorm, klWeight, l2Mix, learnLogvar, noise, s, evalEvery, checkpointEvery);
    }

    public TrainOptions withEvery(int eval, int checkpoint) {
        return new TrainOptions(batch, steps, learningRate, warmupSteps, decayInterval, decay, beta1, beta2, emaDecay,
                clipNorm, klWeight, l2Mix, learnLogvar, noise, seed, eval, checkpoint);
    }

    public TrainOptions withEma(float d) {
        return new TrainOptions(batch, steps, learningRate, warmupSteps, decayInterval, decay, beta1, beta2, d,
                clipNorm, klWeight, l2Mix, learnLogvar, noise, seed, evalEvery, checkpointEvery);
    }

    public TrainOptions withClip(float c) {
        return new TrainOptions(batch, steps, learningRate, warmupSteps, decayInterval, decay, beta1, beta2, emaDecay,
                c, klWeight, l2Mix, learnLogvar, noise, seed, evalEvery, checkpointEvery);
    }

    /**
     * The authors' LambdaWarmUpDecayScheduler (lr_start 0, lr_max 1, lr_min 0) as a closed form of its
     * stateful recursion, for optimizer step n counted from 0 as Lightning's LambdaLR does: n/warm-up
     * while warming up (so step 0 has rate 0), then the last warm-up value (warm-up−1)/warm-up times
     * decay for every full interval after the warm-up. With no warm-up the rate starts at 1.
     */
    public float learningRate(long step) {
        if (step < warmupSteps) {
            return learningRate * step / warmupSteps;
        }
        double last = warmupSteps > 0 ? (warmupSteps - 1.0) / warmupSteps : 1.0;
        long decays = (step - warmupSteps) / decayInterval;
        return (float) (learningRate * last * Math.pow(decay, decays));
    }
}
