package eim.model.train;

import eim.model.Parameters;
import eim.tasks.DataTransferMode;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import eim.tasks.FloatParam;
import eim.tasks.TaskGraph;
import eim.tasks.io.Tensor;
import eim.tasks.kernels.GradClip;
import eim.tasks.kernels.Optimizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * torch.optim.AdamW with per-parameter weight decay, global gradient-norm clipping
 * (clip_grad_norm_) and an EMA of the weights, as task graphs on the training device:
 * {@code grad_norm} (partial sums of squares, read back) then {@code optimizer} (AdamW + EMA).
 * The model that trains with it adds {@link #graphs()} to its training plan and calls
 * {@link #step}, which runs these two graphs (held here, not looked up by name).
 */
public final class AdamW {
    /** Moments and EMA of one parameter. */
    public record State(Parameters.Param param, float weightDecay, FloatArray m, FloatArray v, FloatArray ema,
                        FloatArray partial, int chunks) {}

    /** Sums of squares are split in chunks of this many elements (then summed in double on the host). */
    public static final int NORM_CHUNK = 16384;

    private final List<State> states = new ArrayList<>();
    private final float beta1, beta2, eps, maxGradNorm;
    private final FloatParam lr = new FloatParam(0), bc1 = new FloatParam(1), bc2 = new FloatParam(1),
            gscale = new FloatParam(1), emaRate;
    private final TaskGraph norm = new TaskGraph("grad_norm"), update = new TaskGraph("optimizer");
    private long step;

    /** Checkpoint key prefixes of the EMA and the two moments. */
    public record Keys(String ema, String m, String v) {}

    /** The generator checkpoint's keys: model_ema.*, optim.m.*, optim.v.*. */
    public static final Keys GENERATOR_KEYS = new Keys("model_ema.", "optim.m.", "optim.v.");

    /**
     * @param decays which parameters get weight decay (the rest get 0)
     * @param maxGradNorm clipping threshold; {@code <= 0} disables clipping
     */
    public AdamW(Parameters params, Predicate<String> decays, float weightDecay, float beta1, float beta2, float eps,
                 float maxGradNorm, float emaRate) {
        this(params.all(), decays, weightDecay, beta1, beta2, eps, maxGradNorm, emaRate);
    }

    /** The same over a list of parameters (another model's, adapted to {@link Parameters.Param}). */
    public AdamW(List<Parameters.Param> params, Predicate<String> decays, float weightDecay, float beta1, float beta2,
                 float eps, float maxGradNorm, float emaRate) {
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.maxGradNorm = maxGradNorm;
        this.emaRate = new FloatParam(emaRate);
        for (Parameters.Param p : params) {
            int n = p.size();
            int chunks = Math.max(1, (n + NORM_CHUNK - 1) / NORM_CHUNK);
            FloatArray ema = new FloatArray("ema." + p.name(), p.value().array().clone());
            states.add(new State(p, decays.test(p.name()) ? weightDecay : 0f, new FloatArray("adam_m." + p.name(), n),
                    new FloatArray("adam_v." + p.name(), n), ema, new FloatArray("norm." + p.name(), chunks), chunks));
        }
        for (State s : states) {
            norm.task("sumsq." + s.param().name(), Optimizer.SUM_SQUARES, s.chunks(), s.param().grad(), s.partial(),
                    s.param().size(), s.chunks());
            norm.transferToHost(DataTransferMode.EVERY_EXECUTION, s.partial());
            update.transferToDevice(DataTransferMode.FIRST_EXECUTION, s.m(), s.v(), s.ema());
            // the weights are shared with the model's graphs, which may belong to other plans (the
            // tokenizer's encoder and decoder): the host stays their point of coherence
            update.transferToDevice(DataTransferMode.EVERY_EXECUTION, s.param().value());
            update.transferToHost(DataTransferMode.EVERY_EXECUTION, s.param().value());
            update.task("adamw_ema." + s.param().name(), Optimizer.ADAMW_EMA_STEP, s.param().size(), s.param().value(),
                    s.param().grad(), s.m(), s.v(), s.ema(), s.param().size(), lr, beta1, beta2, eps, s.weightDecay(),
                    bc1, bc2, gscale, emaRate);
        }
        // each sum of squares writes its own partials; each update its own weight, moments and EMA,
        // unless two parameters share a weight array (then their updates must not run side by side)
        norm.tasksIndependent();
        Set<float[]> weights = Collections.newSetFromMap(new IdentityHashMap<>());
        if (states.stream().allMatch(s -> weights.add(s.param().value().array()))) {
            update.tasksIndependent();
        }
    }

    /** The authors' groups (misc.add_weight_decay): no decay for 1-D tensors, biases and the flow head. */
    public static boolean authorsDecay(Parameters params, String name) {
        return params.param(name).shape().length > 1 && !name.endsWith(".bias") && !name.contains("diffloss");
    }

    public List<State> states() {
        return states;
    }

    public long step() {
        return step;
    }

    /** The graphs to add to the training plan (the same two objects at every call). */
    public List<TaskGraph> graphs() {
        return List.of(norm, update);
    }

    /**
     * One update with learning rate {@code learningRate} on {@code plan} (which holds {@link #graphs()});
     * returns the gradient norm before clipping.
     */
    public double step(ExecutionPlan plan, float learningRate) {
        plan.execute(norm);
        float[][] partials = new float[states.size()][];
        for (int i = 0; i < partials.length; i++) {
            partials[i] = states.get(i).partial().array();
        }
        double norm = GradClip.globalNorm(partials);
        gscale.set(maxGradNorm > 0 ? GradClip.coefficient(norm, maxGradNorm) : 1f);
        step++;
        lr.set(learningRate);
        bc1.set((float) (1 - Math.pow(beta1, step)));
        bc2.set((float) (1 - Math.pow(beta2, step)));
        plan.execute(update);
        return norm;
    }

    /** Brings moments and EMA to the host (for a checkpoint). */
    public void toHost(ExecutionPlan plan) {
        for (State s : states) {
            plan.transferToHost(s.m(), s.v(), s.ema());
        }
    }

    /** Moments and EMA as checkpoint tensors: optim.m.*, optim.v.*, model_ema.*. */
    public Map<String, Tensor> toTensors() {
        return toTensors(GENERATOR_KEYS);
    }

    /** Moments and EMA as checkpoint tensors under {@code keys}. */
    public Map<String, Tensor> toTensors(Keys keys) {
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (State s : states) {
            long[] shape = s.param().shape();
            t.put(keys.ema() + s.param().name(), Tensor.of(s.ema().array().clone(), shape));
            t.put(keys.m() + s.param().name(), Tensor.of(s.m().array().clone(), shape));
            t.put(keys.v() + s.param().name(), Tensor.of(s.v().array().clone(), shape));
        }
        return t;
    }

    /** Restores moments, EMA and the step count from a checkpoint (before the plan's first execution). */
    public void load(Map<String, Tensor> tensors, long restoredStep, String source) {
        load(tensors, restoredStep, source, GENERATOR_KEYS);
    }

    /** The same from tensors under {@code keys}. */
    public void load(Map<String, Tensor> tensors, long restoredStep, String source, Keys keys) {
        for (State s : states) {
            for (var e : List.of(Map.entry(keys.ema(), s.ema()), Map.entry(keys.m(), s.m()), Map.entry(keys.v(), s.v()))) {
                Tensor t = tensors.get(e.getKey() + s.param().name());
                if (t == null || t.numel() != s.param().size()) {
                    throw new IllegalArgumentException(source + ": checkpoint lacks " + e.getKey() + s.param().name()
                            + " with " + s.param().size() + " values");
                }
                e.getValue().copyFrom(t.floats());
            }
        }
        this.step = restoredStep;
    }

    public void setEmaRate(float rate) {
        emaRate.set(rate);
    }
}
