package eim.model.generator;

import eim.model.Parameters;
import eim.model.nn.LayerNormLayer;
import eim.model.nn.Ops;
import eim.tasks.DataTransferMode;
import eim.tasks.Device;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import eim.tasks.IntArray;
import eim.tasks.IntParam;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.FlowMatching;
import eim.tasks.kernels.Rng;
import eim.tasks.kernels.Sequence;
import java.util.ArrayList;
import java.util.List;

/**
 * The generator's training computation for a fixed batch size B and length L, compiled once into
 * one execution plan: graph {@code embed.forward}, one {@code blockN.forward} per block,
 * {@code head.forward} (flow-matching loss), then {@code head.backward}, {@code blockN.backward}
 * in reverse and {@code embed.backward}. Weights go to the device once; activations stay there.
 */
public final class TrainingPass implements AutoCloseable {
    /**
     * One batch with every random draw made explicit (so PyTorch can replay it). {@code first} is the
     * global index of its sample 0 when it is a data-parallel shard of a larger batch (0 otherwise):
     * dropout then draws for its sample j what the whole batch draws for sample first + j.
     */
    public record Batch(float[] tokens, int[] labels, int[] dropMask, int shift, float[] noise, float[] t, int seed,
                        int first) {
        /** A whole batch (first 0). */
        public Batch(float[] tokens, int[] labels, int[] dropMask, int shift, float[] noise, float[] t, int seed) {
            this(tokens, labels, dropMask, shift, noise, t, seed, 0);
        }
    }

    public final int batch, length, rows;
    private final EquivariantGenerator m;
    private final ExecutionPlan plan;
    private final FloatArray tokens, noise, t;
    private final IntArray labels, drop;
    private final IntParam shift = new IntParam(0);
    private final FloatArray rowLoss;
    /** Per row of the flow head: 0 at positions outside the loss, L / (positions in it) inside; null: every position. */
    private final float[] rowWeight;
    private FloatArray conditions;
    private final List<TransformerBlock.TrainState> states = new ArrayList<>();
    private final List<TaskGraph> forwardGraphs = new ArrayList<>(), backwardGraphs = new ArrayList<>();

    TrainingPass(EquivariantGenerator m, Device device, int b, int l, List<TaskGraph> extra) {
        this(m, device, b, l, extra, null);
    }

    /**
     * @param lossPositions the positions whose tokens the loss covers (length l; null: all). The
     *                      model still reads every token as context; the loss is the mean over the
     *                      covered positions' rows (the zero-shot experiment's "every other position").
     */
    TrainingPass(EquivariantGenerator m, Device device, int b, int l, List<TaskGraph> extra, boolean[] lossPositions) {
        this.m = m;
        this.batch = b;
        this.length = l;
        GeneratorConfig cfg = m.cfg;
        int d = cfg.width(), c = cfg.tokenChannels(), s = cfg.bufferSize(), w = cfg.headWidth();
        int ri = b * l, rc = b * s;
        int mul = cfg.diffusionBatchMul();
        this.rows = mul * ri;
        tokens = new FloatArray("tokens", ri * c);
        labels = new IntArray("labels", b);
        drop = new IntArray("drop_mask", b);
        noise = new FloatArray("noise", rows * c);
        t = new FloatArray("t", rows);
        rowLoss = new FloatArray("row_loss", rows);
        rowWeight = lossPositions == null ? null : rowWeights(lossPositions, b, l, mul);
        FloatArray weight = rowWeight == null ? null : new FloatArray("loss_row_weight", rowWeight);

        // activations
        FloatArray projected = new FloatArray("z_proj", ri * d);
        FloatArray bufEmb = new FloatArray("buffer_emb", rc * d);
        LayerNormLayer.Saved lnTok = LayerNormLayer.Saved.of("z_proj_ln.img", ri, d);
        LayerNormLayer.Saved lnBuf = LayerNormLayer.Saved.of("z_proj_ln.buf", rc, d);
        FloatArray xi = lnTok.y(), xc = lnBuf.y(); // the residual streams, updated in place by the blocks
        FloatArray zIn = new FloatArray("z_in", ri * d);
        LayerNormLayer.Saved lnOut = LayerNormLayer.Saved.of("encoder_norm", ri, d);
        FloatArray z = lnOut.y();
        this.conditions = z;
        FloatArray cSmall = new FloatArray("cond_emb", ri * w), cRep = new FloatArray("cond_emb.rep", rows * w);
        FloatArray x0 = new FloatArray("x0", rows * c), xt = new FloatArray("xt", rows * c);
        FloatArray target = new FloatArray("target", rows * c);
        FlowHead.State hs = m.head.newState("head", rows, true);
        // gradients of activations
        FloatArray dxi = new FloatArray("d_xi", ri * d), dxc = new FloatArray("d_xc", rc * d);
        FloatArray dz = new FloatArray("d_z", ri * d), dzIn = new FloatArray("d_z_in", ri * d);
        FloatArray dcRep = new FloatArray("d_cond_emb.rep", rows * w), dcSmall = new FloatArray("d_cond_emb", ri * w);
        FloatArray dProjected = new FloatArray("d_z_proj", ri * d), dBufEmb = new FloatArray("d_buffer_emb", rc * d);

        List<TaskGraph> graphs = new ArrayList<>();
        TaskGraph g = new TaskGraph("embed.forward");
        // the weights change at every optimiser step (another graph of the training plan): not resident
        for (Parameters.Param p : m.params.all()) {
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, p.value());
        }
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, tokens, labels, drop, noise, t);
        m.embedTokens(g, tokens, projected, lnTok, ri);
        m.embedBuffer(g, labels, drop, bufEmb, lnBuf, b);
        graphs.add(g);
        // the blocks' activation gradients are scratch of one block's backward at a time: on a device
        // working on host memory every block uses one set (small at batch 32: 0.5 GB less); elsewhere
        // each block has its own, so that they stay resident in the block's backward graph instead of
        // travelling through the host between graphs (see TornadoDevice)
        TransformerBlock.Gradients shared =
                device.hostMemory() && m.blocks.length > 0 ? m.blocks[0].newGradients("blocks", b, l) : null;
        for (TransformerBlock blk : m.blocks) {
            TransformerBlock.TrainState st = blk.newTrainState(b, l,
                    shared != null ? shared : blk.newGradients("blk" + blk.index, b, l));
            states.add(st);
            g = new TaskGraph("block" + blk.index + ".forward");
            blk.forward(g, st, xc, xi, shift, true);
            graphs.add(g);
        }
        g = new TaskGraph("head.forward");
        m.predictionStates(g, xc, xi, zIn, lnOut, b, l);
        m.head.embedCondition(g, z, cSmall, ri);
        Ops.repeatRows(g, cSmall, cRep, ri, w, mul);
        Ops.repeatRows(g, tokens, x0, ri, c, mul);
        g.task2d("flow_interpolate", FlowMatching.FLOW_INTERPOLATE, rows, c, x0, noise, t, xt, target, rows, c);
        m.head.forward(g, hs, xt, t, cRep);
        g.task("mse", FlowMatching.MSE_FORWARD, rows, hs.out, target, rowLoss, rows, c);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, rowLoss);
        graphs.add(g);

        // each linear layer's first weight-gradient task overwrites; the other gradients are zeroed
        // first, in a graph of their own ahead of the backward (known once it is recorded)
        m.params.beginBackward();
        int backwardStart = graphs.size();
        List<Parameters.Param> accumulated = null;
        try {
            g = new TaskGraph("head.backward");
            Ops.zero(g, hs.gradients());
            Ops.zero(g, dxi, dxc, dz, dzIn, dcRep, dcSmall, dProjected, dBufEmb);
            g.task2d("mse.bw", FlowMatching.MSE_BACKWARD, rows, c, hs.out, target, hs.dOut, rows, c, 1f / rows);
            if (weight != null) {
                g.transferToDevice(DataTransferMode.FIRST_EXECUTION, weight);
                g.task2d("loss_positions", FlowMatching.SCALE_ROWS, rows, c, hs.dOut, weight, rows, c);
            }
            m.head.backward(g, hs, xt, dcRep);
            Ops.repeatRowsBackward(g, dcRep, dcSmall, ri, w, mul);
            m.head.embedConditionBackward(g, dcSmall, z, dz, ri);
            m.encoderNorm.backward(g, dz, zIn, lnOut, dzIn, ri);
            g.task2d("shift_right.bw", Sequence.SHIFT_RIGHT_SCATTER, ri, d, dzIn, dxc, dxi, b, s, l, d);
            graphs.add(g);
            for (int k = m.blocks.length - 1; k >= 0; k--) {
                g = new TaskGraph("block" + k + ".backward");
                m.blocks[k].backward(g, states.get(k), dxc, dxi, shift);
                graphs.add(g);
            }
            g = new TaskGraph("embed.backward");
            m.zProjLn.backward(g, dxi, projected, lnTok, dProjected, ri);
            m.zProj.backward(g, dProjected, tokens, null, ri);
            m.embedBufferBackward(g, labels, drop, bufEmb, lnBuf, dxc, dBufEmb, b);
            graphs.add(g);
            accumulated = m.params.endBackward();
        } finally {
            if (accumulated == null) {
                m.params.endBackward(); // a failed recording leaves none open
            }
        }
        if (!accumulated.isEmpty()) {
            g = new TaskGraph("zero_gradients.backward");
            for (Parameters.Param p : accumulated) {
                Ops.fill(g, p.grad(), 0f);
            }
            graphs.add(backwardStart, g);
        }
        for (TaskGraph tg : graphs) {
            (tg.name().contains("backward") ? backwardGraphs : forwardGraphs).add(tg);
        }
        graphs.addAll(extra);
        this.plan = new ExecutionPlan(device, graphs);
    }

    /** The plan: the optimiser graphs built into it ({@link GeneratorTraining}), its transfer report. */
    public ExecutionPlan plan() {
        return plan;
    }

    /** Runs the forward on {@code batch} and returns the mean flow-matching loss. */
    public float forward(Batch bt) {
        GeneratorConfig cfg = m.cfg;
        check("tokens", bt.tokens().length, tokens.size());
        check("labels", bt.labels().length, batch);
        check("drop mask", bt.dropMask().length, batch);
        check("noise", bt.noise().length, noise.size());
        check("t", bt.t().length, rows);
        tokens.copyFrom(bt.tokens());
        System.arraycopy(bt.labels(), 0, labels.array(), 0, batch);
        System.arraycopy(bt.dropMask(), 0, drop.array(), 0, batch);
        for (int lab : bt.labels()) {
            if (lab < 0 || lab >= cfg.numClasses()) {
                throw new IllegalArgumentException("label " + lab + " outside [0, " + cfg.numClasses() + ")");
            }
        }
        noise.copyFrom(bt.noise());
        float[] tv = t.array();
        for (int i = 0; i < rows; i++) {
            tv[i] = bt.t()[i] * (float) (1 - 1e-5) + 1e-5f; // RectifiedFlow.get_train_tuple: t in [1e-5, 1]
        }
        shift.set(bt.shift());
        int site = 0;
        for (TransformerBlock.TrainState st : states) {
            for (int k = 0; k < st.seeds.all().length; k++) {
                st.seeds.set(k, Rng.hash(bt.seed(), site++), bt.first());
            }
        }
        plan.execute(forwardGraphs.toArray(TaskGraph[]::new));
        double sum = 0;
        float[] loss = rowLoss.array();
        for (int r = 0; r < rows; r++) {
            sum += rowWeight == null ? loss[r] : (double) rowWeight[r] * loss[r];
        }
        return (float) (sum / rows);
    }

    /** Row r of the head (k * B * L + b * L + position) weighs L / covered at a covered position, 0 elsewhere. */
    static float[] rowWeights(boolean[] lossPositions, int b, int l, int mul) {
        if (lossPositions.length != l) {
            throw new IllegalArgumentException("loss positions: expected " + l + " flags (one per position), got "
                    + lossPositions.length);
        }
        int covered = 0;
        for (boolean p : lossPositions) {
            covered += p ? 1 : 0;
        }
        if (covered == 0) {
            throw new IllegalArgumentException("loss positions: at least one position must be in the loss");
        }
        float[] w = new float[mul * b * l];
        for (int r = 0; r < w.length; r++) {
            w[r] = lossPositions[r % l] ? (float) l / covered : 0f;
        }
        return w;
    }

    /** Fills every parameter gradient (overwriting) for the last forward. */
    public void backward() {
        plan.execute(backwardGraphs.toArray(TaskGraph[]::new));
    }

    /**
     * The conditioning vectors of the last forward, (B, L, D): the hidden state that predicts each
     * token (the authors' forward_encoder output).
     */
    public float[] conditions() {
        plan.transferToHost(conditions);
        return conditions.array().clone();
    }

    /** Brings parameter gradients to the host (tests, debugging). */
    public void gradientsToHost() {
        for (Parameters.Param p : m.params.all()) {
            plan.transferToHost(p.grad());
        }
    }

    /** Brings parameter values to the host (checkpoints). */
    public void parametersToHost() {
        for (Parameters.Param p : m.params.all()) {
            plan.transferToHost(p.value());
        }
    }

    private static void check(String what, int got, int expected) {
        if (got != expected) {
            throw new IllegalArgumentException("batch " + what + ": expected " + expected + " values, got " + got);
        }
    }

    @Override
    public void close() {
        plan.close();
    }
}
