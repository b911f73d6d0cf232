package eim.runtime.tokenizer;

import eim.model.Parameters;
import eim.model.tokenizer.Network;
import eim.model.tokenizer.Tokenizer;
import eim.model.tokenizer.TokenizerConfig;
import eim.model.tokenizer.TokenizerParameters;
import eim.model.train.AdamW;
import eim.runtime.data.Batch;
import eim.tasks.Device;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
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
 * <p>Each step: encode a batch of random crops (device), add the posterior noise, decode
 * (device), evaluate the loss and its gradient w.r.t. the reconstruction and the means (host),
 * backward through decoder and encoder (device), then clip, Adam and EMA on the device with
 * {@link AdamW} (weight decay 0: torch Adam), so the weights stay there. The host copies of the
 * weights are brought back by {@link #save} and at the end of {@link #train}. Randomness of step n
 * comes from (seed, n) alone, so a resumed run continues exactly.
 */
public final class TokenizerTrainer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TokenizerTrainer.class);

    /** One step's figures. */
    public record StepResult(long step, double loss, double nll, double kl, double meanAbsError, float lr,
                             double gradNorm, float logvar) {}

    /** Held-out reconstruction quality with the EMA weights and posterior means. */
    public record Evaluation(int images, double psnr, double baselinePsnr) {}

    /** PyTorch's Adam default. */
    static final float ADAM_EPS = 1e-8f;

    private final Tokenizer model;
    /** The EMA weights, copied from the optimizer's EMA for evaluation. */
    private final Tokenizer emaModel;
    private final TrainOptions opts;
    private final AdamW adam;
    private final ExecutionPlan optimizer;
    private final TokenizerLoss loss;
    private final List<AuxiliaryLoss> auxiliary = new ArrayList<>();
    /** The loss's log-variance, a host scalar; Adam updates it beside the weights when it is learnt. */
    private final FloatArray logvar = new FloatArray(TokenizerCheckpoint.LOGVAR, 1),
            dLogvar = new FloatArray(TokenizerCheckpoint.LOGVAR + ".grad", 1);
    private long step, emaUpdates;
    /** Whether the optimizer has run, so that the device holds newer weights than the host. */
    private boolean stepped;

    /** A fresh run: weights initialised from the options' seed. */
    public TokenizerTrainer(TokenizerConfig config, Device device, TrainOptions opts) {
        this.opts = opts;
        this.model = new Tokenizer(config, device, opts.seed());
        this.emaModel = new Tokenizer(config, device, opts.seed());
        model.parameters().enableGradients();
        List<Parameters.Param> trained = new ArrayList<>(model.parameters().asParams());
        if (opts.learnLogvar()) {
            trained.add(new Parameters.Param(TokenizerCheckpoint.LOGVAR, new long[] {1}, logvar, dLogvar));
        }
        // torch.optim.Adam is AdamW without weight decay; the EMA rate follows LitEma's warm-up per step
        this.adam = new AdamW(trained, name -> false, 0f, opts.beta1(), opts.beta2(), ADAM_EPS, opts.clipNorm(),
                opts.emaDecay());
        this.optimizer = new ExecutionPlan(device, adam.graphs());
        this.loss = new TokenizerLoss(opts.klWeight(), opts.l2Mix());
    }

    /** Continues the run saved in {@code checkpoint} (its config must be {@code config}). */
    public static TokenizerTrainer resume(Path checkpoint, Device device, TrainOptions opts) throws IOException {
        TokenizerTrainer t = new TokenizerTrainer(TokenizerCheckpoint.config(checkpoint), device, opts);
        TokenizerCheckpoint.TrainingState s = TokenizerCheckpoint.loadInto(checkpoint, t.model);
        t.step = s.step();
        t.adam.load(s.tensors(), s.adamSteps(), checkpoint.toString(), TokenizerCheckpoint.OPTIMIZER_KEYS);
        t.emaUpdates = s.emaUpdates();
        t.logvar.set(0, s.logvar());
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
        return logvar.get(0);
    }

    /** One optimizer step on a random batch of {@code data}. */
    public StepResult step(ImageSet data) {
        TokenizerConfig cfg = model.config();
        int B = opts.batch(), res = cfg.resolution(), tokens = cfg.tokensForWidth(res);
        if (data.resolution() != res) {
            throw new IllegalArgumentException("images are prepared at " + data.resolution() + " px, the tokenizer needs " + res);
        }
        SplittableRandom r = new SplittableRandom(opts.seed() * 0x9E3779B97F4A7C15L + step);
        float[] x = data.randomBatch(B, r);
        Network enc = model.encoder(B, res, true), dec = model.decoder(B, tokens, true);
        enc.input().copyFrom(x);
        enc.forward();
        float[] mean = enc.output().array().clone();                       // (B, embed, L)
        dec.input().copyFrom(opts.noise() ? PosteriorNoise.sample(mean, B, cfg.std(), r) : mean);
        dec.forward();
        float[] recon = dec.output().array();
        float[] dRecon = new float[recon.length], dMean = new float[mean.length];
        TokenizerLoss.Terms terms = loss.evaluate(x, recon, dRecon, mean, dMean, B, logvar.get(0));
        double total = terms.total();
        for (AuxiliaryLoss a : auxiliary) {
            total += a.addTo(x, recon, dRecon, B, step);
        }
        dec.outputGrad().copyFrom(dRecon);
        dec.backward();
        float[] dz = dec.inputGrad().array();                               // z = mean + noise: dz/dmean = 1
        for (int i = 0; i < dMean.length; i++) {
            dMean[i] += dz[i];
        }
        enc.outputGrad().copyFrom(dMean);
        enc.backward();
        float lr = opts.learningRate(step);
        double norm = optimizerStep(lr, (float) terms.dLogvar());
        step++;
        return new StepResult(step, total, terms.nll(), terms.kl(), terms.meanAbsError(), lr, norm, logvar.get(0));
    }

    /**
     * Clipping, Adam and EMA on the device over the gradients backward left there (and the
     * log-variance's, sent from the host when it is learnt); returns the norm before clipping.
     */
    private double optimizerStep(float lr, float logvarGrad) {
        if (opts.learnLogvar()) {
            dLogvar.set(0, logvarGrad);
            optimizer.transferToDevice(logvar, dLogvar);
        }
        emaUpdates++;
        adam.setEmaRate(Math.min(opts.emaDecay(), (1f + emaUpdates) / (10f + emaUpdates))); // LitEma's warm-up
        double norm = adam.step(optimizer, lr);
        stepped = true;
        if (opts.learnLogvar()) {
            optimizer.transferToHost(logvar);
        }
        return norm;
    }

    /** Brings the weights, moments and EMA to the host; copies the EMA into {@link #emaModel()}. */
    private void toHost() {
        if (stepped) {
            optimizer.transferToHost(model.parameters().entries().stream().map(TokenizerParameters.Entry::value)
                    .toArray(FloatArray[]::new));
            adam.toHost(optimizer);
        }
        for (AdamW.State s : adam.states()) {
            if (!s.param().name().equals(TokenizerCheckpoint.LOGVAR)) {
                emaModel.parameters().get(s.param().name()).value().copyFrom(s.ema().array());
            }
        }
        emaModel.parametersChanged();
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
        toHost();
        TokenizerCheckpoint.save(file, model, adam, logvar.get(0), step, emaUpdates);
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
        optimizer.close();
        model.close();
        emaModel.close();
    }
}
