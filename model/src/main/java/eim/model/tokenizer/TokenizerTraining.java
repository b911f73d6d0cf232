package eim.model.tokenizer;

import eim.model.Parameters;
import eim.model.train.AdamW;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import eim.tasks.io.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The tokenizer's training step, owned by the model: encode a batch (device), draw the posterior
 * sample, decode (device), take the loss's gradients (host, from the caller: the reconstruction
 * terms and any auxiliary ones live with the trainer), backward through decoder and encoder
 * (device), then global-norm clipping, Adam and the EMA of the weights on the device
 * ({@link AdamW}, weight decay 0: torch Adam) with LitEma's warm-up of the EMA rate. The loss's
 * log-variance, when learnt, is a parameter beside the weights.
 *
 * <pre>{@code
 * try (TokenizerTraining t = new TokenizerTraining(tokenizer, recipe)) {
 *     double gradNorm = t.step(images, batch, posterior, loss, lr);
 * }
 * }</pre>
 */
public final class TokenizerTraining implements AutoCloseable {
    /** The log-variance's parameter name (also its checkpoint key). */
    public static final String LOGVAR = "loss.logvar";
    /** PyTorch's Adam default. */
    public static final float ADAM_EPS = 1e-8f;

    /**
     * Adam betas, clipping threshold ({@code <= 0}: none), the EMA decay (reached after LitEma's
     * warm-up (1 + n) / (10 + n)), and whether the log-variance is learnt.
     */
    public record Recipe(float beta1, float beta2, float clipNorm, float emaDecay, boolean learnLogvar) {}

    /** The loss of one batch, evaluated on the host by the trainer. */
    @FunctionalInterface
    public interface Loss {
        /**
         * Given the images {@code x}, their reconstruction {@code recon} and the posterior means
         * {@code mean} (B, embed, L), adds the loss's gradients to {@code dRecon} and {@code dMean}
         * (zeroed) and returns d loss / d logvar.
         */
        float gradients(float[] x, float[] recon, float[] dRecon, float[] mean, float[] dMean, float logvar);
    }

    private final Tokenizer model;
    private final Recipe recipe;
    private final AdamW adam;
    private final ExecutionPlan optimizer;
    /** The loss's log-variance, a host scalar; Adam updates it beside the weights when it is learnt. */
    private final FloatArray logvar = new FloatArray(LOGVAR, 1), dLogvar = new FloatArray(LOGVAR + ".grad", 1);
    private long emaUpdates;
    /** Whether the optimizer has run, so that the device holds newer weights than the host. */
    private boolean stepped;

    public TokenizerTraining(Tokenizer model, Recipe recipe) {
        this.model = model;
        this.recipe = recipe;
        model.parameters().enableGradients();
        List<Parameters.Param> trained = new ArrayList<>(model.parameters().asParams());
        if (recipe.learnLogvar()) {
            trained.add(new Parameters.Param(LOGVAR, new long[] {1}, logvar, dLogvar));
        }
        this.adam = new AdamW(trained, name -> false, 0f, recipe.beta1(), recipe.beta2(), ADAM_EPS, recipe.clipNorm(),
                recipe.emaDecay());
        this.optimizer = new ExecutionPlan(model.device(), adam.graphs());
    }

    /**
     * One step on {@code batch} images {@code x} (B, 3, resolution, resolution) with learning rate
     * {@code lr}: {@code posterior} turns the means (B, embed, L) into the decoder's input (the noisy
     * sample, or the means themselves), {@code loss} gives the gradients. Returns the gradient norm
     * before clipping.
     */
    public double step(float[] x, int batch, UnaryOperator<float[]> posterior, Loss loss, float lr) {
        TokenizerConfig cfg = model.config();
        int res = cfg.resolution();
        Network enc = model.encoder(batch, res, true), dec = model.decoder(batch, cfg.tokensForWidth(res), true);
        enc.input().copyFrom(x);
        enc.forward();
        float[] mean = enc.output().array().clone();                       // (B, embed, L)
        dec.input().copyFrom(posterior.apply(mean));
        dec.forward();
        float[] recon = dec.output().array();
        float[] dRecon = new float[recon.length], dMean = new float[mean.length];
        float dLv = loss.gradients(x, recon, dRecon, mean, dMean, logvar.get(0));
        dec.outputGrad().copyFrom(dRecon);
        dec.backward();
        float[] dz = dec.inputGrad().array();                               // z = mean + noise: dz/dmean = 1
        for (int i = 0; i < dMean.length; i++) {
            dMean[i] += dz[i];
        }
        enc.outputGrad().copyFrom(dMean);
        enc.backward();
        return optimizerStep(lr, dLv);
    }

    /**
     * Clipping, Adam and EMA on the device over the gradients backward left there (and the
     * log-variance's, sent from the host when it is learnt); returns the norm before clipping.
     */
    private double optimizerStep(float lr, float logvarGrad) {
        if (recipe.learnLogvar()) {
            dLogvar.set(0, logvarGrad);
            optimizer.transferToDevice(logvar, dLogvar);
        }
        emaUpdates++;
        adam.setEmaRate(Math.min(recipe.emaDecay(), (1f + emaUpdates) / (10f + emaUpdates))); // LitEma's warm-up
        double norm = adam.step(optimizer, lr);
        stepped = true;
        if (recipe.learnLogvar()) {
            optimizer.transferToHost(logvar);
        }
        return norm;
    }

    public float logvar() {
        return logvar.get(0);
    }

    /** Optimizer steps taken (counting a restored run's). */
    public long adamSteps() {
        return adam.step();
    }

    /** EMA updates taken (counting a restored run's): LitEma's warm-up counter. */
    public long emaUpdates() {
        return emaUpdates;
    }

    /**
     * Restores the optimizer's moments, the EMA, the counters and the log-variance from checkpoint
     * tensors (moments and EMA under {@code keys}); call before the first step. The weights are
     * loaded into the model beforehand.
     */
    public void restore(Map<String, Tensor> tensors, AdamW.Keys keys, long adamSteps, long emaUpdates, float logvar,
                        String source) {
        adam.load(tensors, adamSteps, source, keys);
        this.emaUpdates = emaUpdates;
        this.logvar.set(0, logvar);
    }

    /**
     * Brings the weights, moments and EMA to the host (after this the model's parameters are
     * current) and copies the EMA of the weights into {@code ema} (another tokenizer of the same
     * config, for evaluation); returns the moments and EMA as checkpoint tensors under {@code keys}.
     */
    public Map<String, Tensor> toHost(Tokenizer ema, AdamW.Keys keys) {
        if (stepped) {
            optimizer.transferToHost(model.parameters().entries().stream().map(TokenizerParameters.Entry::value)
                    .toArray(FloatArray[]::new));
            adam.toHost(optimizer);
        }
        for (AdamW.State s : adam.states()) {
            if (!s.param().name().equals(LOGVAR)) {
                ema.parameters().get(s.param().name()).value().copyFrom(s.ema().array());
            }
        }
        ema.parametersChanged();
        return adam.toTensors(keys);
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
