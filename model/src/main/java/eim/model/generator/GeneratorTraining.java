package eim.model.generator;

import eim.model.Parameters;
import eim.model.train.AdamW;
import eim.tasks.Device;
import eim.tasks.io.Tensor;
import java.util.Map;

/**
 * The generator's whole training step, owned by the model: forward and backward of a
 * {@link TrainingPass}, then global-norm clipping, AdamW with the authors' weight-decay groups and
 * the EMA of the weights ({@link AdamW}), all in one execution plan on the training device. A
 * trainer hands it a batch and a learning rate and gets the loss and the gradient norm back:
 *
 * <pre>{@code
 * try (GeneratorTraining t = model.training(device, batch, length, new GeneratorTraining.Recipe(0.02f, 3f, 0.9999f))) {
 *     GeneratorTraining.Result r = t.step(batch, lr);
 * }
 * }</pre>
 */
public final class GeneratorTraining implements AutoCloseable {
    /**
     * The optimiser's settings: AdamW betas (0.9, 0.95), eps 1e-8 (the authors' train_generator.py)
     * with this weight decay, clipping threshold ({@code <= 0}: none) and EMA rate.
     */
    public record Recipe(float weightDecay, float gradClip, float emaRate) {
        public static final float BETA1 = 0.9f, BETA2 = 0.95f, EPS = 1e-8f;
    }

    /** One step's loss (before the update) and the gradient norm before clipping. */
    public record Result(float loss, double gradNorm) {}

    /**
     * One replica's share of a data-parallel step ({@link #gradients}): the mean loss over its
     * {@code rows} flow-matching rows and the gradients of that mean, flattened in the order of
     * {@code model.params.all()}. Shards of one global batch combine into the global batch's loss and
     * gradients by the row-weighted mean (the loss is a mean over rows).
     */
    public record Gradients(float loss, int rows, float[] flat) implements java.io.Serializable {}

    private final EquivariantGenerator model;
    private final AdamW adamw;
    private final TrainingPass pass;

    GeneratorTraining(EquivariantGenerator model, Device device, int batch, int length, Recipe recipe, boolean[] lossPositions) {
        this.model = model;
        this.adamw = new AdamW(model.params, n -> AdamW.authorsDecay(model.params, n), recipe.weightDecay(),
                Recipe.BETA1, Recipe.BETA2, Recipe.EPS, recipe.gradClip(), recipe.emaRate());
        this.pass = new TrainingPass(model, device, batch, length, adamw.graphs(), lossPositions);
    }

    /**
     * One optimisation step on {@code batch} with learning rate {@code lr}. A loss that is not
     * finite stops before the update (the weights stay as they were) with an
     * {@link IllegalStateException} naming the step and the learning rate. The same as
     * {@link #gradients} then {@link #apply} of those gradients, without the copies through the host.
     */
    public Result step(TrainingPass.Batch batch, float lr) {
        float loss = pass.forward(batch);
        if (!Float.isFinite(loss)) {
            throw new IllegalStateException("loss became " + loss + " at step " + adamw.step() + " (lr " + lr + ")");
        }
        pass.backward();
        double norm = adamw.step(pass.plan(), lr);
        return new Result(loss, norm);
    }

    /**
     * The first half of {@link #step} for data-parallel training: forward and backward on this
     * replica's shard of the global batch, without an update. A loss that is not finite throws as
     * in {@link #step}.
     */
    public Gradients gradients(TrainingPass.Batch batch) {
        float loss = pass.forward(batch);
        if (!Float.isFinite(loss)) {
            throw new IllegalStateException("loss became " + loss + " at step " + adamw.step());
        }
        pass.backward();
        pass.gradientsToHost();
        float[] flat = new float[Math.toIntExact(model.params.count())];
        int o = 0;
        for (Parameters.Param p : model.params.all()) {
            System.arraycopy(p.grad().array(), 0, flat, o, p.size());
            o += p.size();
        }
        return new Gradients(loss, pass.rows, flat);
    }

    /**
     * The second half of {@link #step}: clipping, AdamW and the EMA with the combined gradients of
     * every replica ({@code gradients}, flattened as in {@link Gradients}), identical on every replica
     * that applies the same values. Returns the gradient norm before clipping.
     */
    public double apply(float[] gradients, float lr) {
        if (gradients.length != model.params.count()) {
            throw new IllegalArgumentException("expected " + model.params.count() + " gradient values, got "
                    + gradients.length);
        }
        int o = 0;
        for (Parameters.Param p : model.params.all()) {
            System.arraycopy(gradients, o, p.grad().array(), 0, p.size());
            pass.plan().transferToDevice(p.grad());
            o += p.size();
        }
        return adamw.step(pass.plan(), lr);
    }

    /** Optimiser steps taken, counting those of a restored run. */
    public long steps() {
        return adamw.step();
    }

    /**
     * Restores the optimiser's moments, the EMA and the step count from checkpoint tensors
     * ({@code model_ema.*}, {@code optim.m.*}, {@code optim.v.*}); call before the first step. The
     * weights themselves are loaded into the model's parameters before this object is built.
     */
    public void restore(Map<String, Tensor> tensors, long step, String source) {
        adamw.load(tensors, step, source);
    }

    /**
     * Brings the weights, moments and EMA to the host and returns the moments and EMA as checkpoint
     * tensors (the weights are then current in the model's parameters).
     */
    public Map<String, Tensor> optimizerState() {
        pass.parametersToHost();
        adamw.toHost(pass.plan());
        return adamw.toTensors();
    }

    /** The forward/backward pass this step runs (gradients and conditions for tests). */
    public TrainingPass pass() {
        return pass;
    }

    public EquivariantGenerator model() {
        return model;
    }

    @Override
    public void close() {
        pass.close();
    }
}
