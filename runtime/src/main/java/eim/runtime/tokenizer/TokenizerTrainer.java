package eim.runtime.tokenizer;

import eim.model.io.TokenizerCheckpoint;
import eim.model.tokenizer.PosteriorNoise;
import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.model.tokenizer.TokenizerTraining;
import eim.runtime.data.Batch;
import eim.tasks.Device;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains the tokenizer with the authors' first-stage recipe restricted to the terms that need no
 * third-party networks: the L1 reconstruction term with its log-variance, the latent penalty on
 * the posterior means, posterior noise of a random per-sample std, Adam (0.5, 0.9) with warm-up
 * and step decay, global-norm clipping and an EMA of the weights. Further terms plug in through
 * {@link AuxiliaryLoss}.
 *
 * <p>Each step is the model's {@link TokenizerTraining#step}: encode a batch of random crops
 * (device), add the posterior noise drawn here, decode (device), the loss and its gradient w.r.t.
 * the reconstruction and the means (host, {@link TokenizerLoss} and the auxiliary terms), backward
 * through decoder and encoder (device), then clip, Adam and EMA on the device, so the weights stay
 * there. The host copies of the weights are brought back by {@link #save} and at the end of
 * {@link #train}. Randomness of step n comes from (seed, n) alone, so a resumed run continues exactly.
 */
public final class TokenizerTrainer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TokenizerTrainer.class);

    /** One step's figures. */
    public record StepResult(long step, double loss, double nll, double kl, double meanAbsError, float lr,
                             double gradNorm, float logvar) {}

    /** Held-out reconstruction quality with the EMA weights and posterior means. */
    public record Evaluation(int images, double psnr, double baselinePsnr) {}

    private final Tokenizer model;
    /** The EMA weights, copied from the optimizer's EMA for evaluation. */
    private final Tokenizer emaModel;
    private final TrainOptions opts;
    private final TokenizerTraining training;
    private final TokenizerLoss loss;
    private final List<AuxiliaryLoss> auxiliary = new ArrayList<>();
    private long step;

    /** A fresh run: weights initialised from the options' seed. */
    public TokenizerTrainer(TokenizerConfig config, Device device, TrainOptions opts) {
        this.opts = opts;
        this.model = new Tokenizer(config, device, opts.seed());
        this.emaModel = new Tokenizer(config, device, opts.seed());
        this.training = new TokenizerTraining(model, new TokenizerTraining.Recipe(opts.beta1(), opts.beta2(),
                opts.clipNorm(), opts.emaDecay(), opts.learnLogvar()));
        this.loss = new TokenizerLoss(opts.klWeight(), opts.l2Mix());
    }

    /** Continues the run saved in {@code checkpoint} (its config must be {@code config}). */
    public static TokenizerTrainer resume(Path checkpoint, Device device, TrainOptions opts) throws IOException {
        TokenizerTrainer t = new TokenizerTrainer(TokenizerCheckpoint.config(checkpoint), device, opts);
        TokenizerCheckpoint.TrainingState s = TokenizerCheckpoint.loadInto(checkpoint, t.model);
        t.step = s.step();
        t.training.restore(s.tensors(), TokenizerCheckpoint.OPTIMIZER_KEYS, s.adamSteps(), s.emaUpdates(), s.logvar(),
                checkpoint.toString());
        log.info("resumed {} at step {}", checkpoint, t.step);
        return t;
    }

    public void addAuxiliaryLoss(AuxiliaryLoss l) {
        auxiliary.add(l);
    }

    public Tokenizer model() {
        return model;
    }

    /** The EMA weights as a tokenizer (what tokenize and decode use). */
    public Tokenizer emaModel() {
        return emaModel;
    }

    public long step() {
        return step;
    }

    public float logvar() {
        return training.logvar();
    }

    /** One optimizer step on a random batch of {@code data}. */
    public StepResult step(ImageSet data) {
        TokenizerConfig cfg = model.config();
        int B = opts.batch(), res = cfg.resolution();
        if (data.resolution() != res) {
            throw new IllegalArgumentException("images are prepared at " + data.resolution() + " px, the tokenizer needs " + res);
        }
        SplittableRandom r = new SplittableRandom(opts.seed() * 0x9E3779B97F4A7C15L + step);
        float[] x = data.randomBatch(B, r);
        TokenizerLoss.Terms[] terms = new TokenizerLoss.Terms[1];
        double[] total = new double[1];
        float lr = opts.learningRate(step);
        double norm = training.step(x, B, mean -> opts.noise() ? PosteriorNoise.sample(mean, B, cfg.std(), r) : mean,
                (images, recon, dRecon, mean, dMean, logvar) -> {
                    terms[0] = loss.evaluate(images, recon, dRecon, mean, dMean, B, logvar);
                    total[0] = terms[0].total();
                    for (AuxiliaryLoss a : auxiliary) {
                        total[0] += a.addTo(images, recon, dRecon, B, step);
                    }
                    return (float) terms[0].dLogvar();
                }, lr);
        step++;
        TokenizerLoss.Terms t = terms[0];
        return new StepResult(step, total[0], t.nll(), t.kl(), t.meanAbsError(), lr, norm, training.logvar());
    }

    /**
     * Brings the weights, moments and EMA to the host; copies the EMA into {@link #emaModel()};
     * returns the optimizer's state as checkpoint tensors.
     */
    private Map<String, Tensor> toHost() {
        return training.toHost(emaModel, TokenizerCheckpoint.OPTIMIZER_KEYS);
    }

    /** PSNR of the EMA weights on (up to {@code maxImages}) centre crops of {@code heldOut}, and the baseline's. */
    public Evaluation evaluate(ImageSet heldOut, int maxImages) {
        toHost();
        return evaluate(emaModel, heldOut, maxImages);
    }

    /** PSNR of {@code tokenizer} (posterior means) vs the per-column mean-colour baseline, averaged per image. */
    public static Evaluation evaluate(Tokenizer tokenizer, ImageSet heldOut, int maxImages) {
        TokenizerConfig cfg = tokenizer.config();
        int res = cfg.resolution(), chunk = 4, plane = 3 * res * res;
        Batch crops = heldOut.centreCrops(maxImages);
        int n = crops.size();
        double psnr = 0, base = 0;
        for (int from = 0; from < n; from += chunk) {
            int b = Math.min(chunk, n - from);
            float[] x = Arrays.copyOfRange(crops.images(), from * plane, (from + b) * plane);
            float[] recon = tokenizer.decode(tokenizer.encode(x, b, res), b, cfg.tokensForWidth(res));
            float[] columns = Psnr.columnMeanColour(x, b, 3, res, res);
            for (int i = 0; i < b; i++) {
                float[] xi = Arrays.copyOfRange(x, i * plane, (i + 1) * plane);
                psnr += Psnr.fromMse(Psnr.mse01(xi, Arrays.copyOfRange(recon, i * plane, (i + 1) * plane)));
                base += Psnr.fromMse(Psnr.mse01(xi, Arrays.copyOfRange(columns, i * plane, (i + 1) * plane)));
            }
        }
        return new Evaluation(n, psnr / n, base / n);
    }

    /** Saves weights, EMA, optimizer state and counters atomically. */
    public void save(Path file) throws IOException {
        Map<String, Tensor> optimizer = toHost();
        TokenizerCheckpoint.save(file, model, optimizer, training.adamSteps(), training.logvar(), step,
                training.emaUpdates());
    }

    /**
     * Trains up to {@code opts.steps()} steps, evaluating on {@code heldOut} every evalEvery steps and
     * at the end, checkpointing to {@code checkpoint} (if not null) every checkpointEvery steps and
     * at the end. {@code onStep} sees every step (progress bars).
     */
    public Evaluation train(ImageSet train, ImageSet heldOut, Path checkpoint, java.util.function.Consumer<StepResult> onStep)
            throws IOException {
        Evaluation last = null;
        long start = System.nanoTime();
        while (step < opts.steps()) {
            StepResult s = step(train);
            onStep.accept(s);
            if (s.step() % 10 == 0 || s.step() == 1) {
                log.info(String.format("step %d loss %.4g nll %.4g kl %.4g L1 %.4f lr %.3g |g| %.3g logvar %.3f (%.0f ms/step)",
                        s.step(), s.loss(), s.nll(), s.kl(), s.meanAbsError(), s.lr(), s.gradNorm(), s.logvar(),
                        (System.nanoTime() - start) / 1e6 / s.step()));
            }
            boolean end = step == opts.steps();
            if (heldOut != null && (end || (opts.evalEvery() > 0 && step % opts.evalEvery() == 0))) {
                last = evaluate(heldOut, 64);
                log.info(String.format("step %d held-out PSNR %.2f dB over %d images (per-column mean-colour baseline %.2f dB)",
                        step, last.psnr(), last.images(), last.baselinePsnr()));
            }
            if (checkpoint != null && (end || (opts.checkpointEvery() > 0 && step % opts.checkpointEvery() == 0))) {
                save(checkpoint);
                log.info("step {} checkpoint {}", step, checkpoint);
            }
        }
        toHost();
        return last;
    }

    @Override
    public void close() {
        training.close();
        model.close();
        emaModel.close();
    }
}
