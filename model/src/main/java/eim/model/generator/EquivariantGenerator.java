package eim.model.generator;

import eim.model.Parameters;
import eim.model.nn.LayerNormLayer;
import eim.model.nn.LinearLayer;
import eim.tasks.FloatArray;
import eim.tasks.IntArray;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.Embedding;
import eim.tasks.kernels.Sequence;
import java.util.SplittableRandom;

/**
 * The equivariant generator (the authors' EquivariantGenerativeModel): column tokens are projected
 * to width D, S class-buffer positions are put in front, a stack of windowed-causal blocks runs,
 * and the hidden state before each token conditions the per-token {@link FlowHead}.
 *
 * <p>This class owns the parameters (named by the authors' state_dict keys) and the pieces of the
 * computation; {@link TrainingPass} builds the training graphs and {@link Sampler} the sampling
 * graphs from them.
 */
public final class EquivariantGenerator {
    public final GeneratorConfig cfg;
    public final Parameters params = new Parameters();
    final FloatArray classEmb, fakeLatent, posEmbed;
    final LinearLayer zProj;
    final LayerNormLayer zProjLn, encoderNorm;
    final TransformerBlock[] blocks;
    final FlowHead head;

    public EquivariantGenerator(GeneratorConfig cfg) {
        this.cfg = cfg;
        int d = cfg.width();
        classEmb = params.add("class_emb.weight", cfg.numClasses(), d);
        fakeLatent = params.add("fake_latent", 1, d);
        zProj = new LinearLayer(params, "z_proj", cfg.tokenChannels(), d);
        zProjLn = new LayerNormLayer(params, "z_proj_ln", d, 1e-6f);
        posEmbed = params.add("encoder_pos_embed_learned", 1, cfg.bufferSize(), d);
        blocks = new TransformerBlock[cfg.depth()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = new TransformerBlock(params, cfg, i);
        }
        encoderNorm = new LayerNormLayer(params, "encoder_norm", d, 1e-6f);
        head = new FlowHead(params, cfg.tokenChannels(), cfg.headWidth(), cfg.headDepth(), d);
    }

    /**
     * The authors' initialisation: xavier-uniform linears with zero bias, LayerNorms (1, 0),
     * normal(0.02) class embedding, fake latent and buffer positions; in the head normal(0.02)
     * timestep MLP weights and zero adaLN and output layers.
     */
    public EquivariantGenerator initialize(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        for (Parameters.Param p : params.all()) {
            String n = p.name();
            float[] v = p.value().array();
            if (n.endsWith(".bias")) {
                java.util.Arrays.fill(v, 0f);
            } else if (p.shape().length == 1) {
                java.util.Arrays.fill(v, 1f); // LayerNorm weights
            } else if (n.equals("class_emb.weight") || n.equals("fake_latent") || n.equals("encoder_pos_embed_learned")
                    || n.startsWith("diffloss.net.time_embed.mlp.")) {
                normal(r, v, 0.02);
            } else if (n.contains("adaLN_modulation") || n.startsWith("diffloss.net.final_layer.linear")) {
                java.util.Arrays.fill(v, 0f);
            } else {
                long[] s = p.shape();
                double bound = Math.sqrt(6.0 / (s[0] + s[1]));
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
                }
            }
        }
        return this;
    }

    private static void normal(SplittableRandom r, float[] v, double std) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
    }

    /** Number of slots each block's key/value cache needs for exact incremental decoding. */
    int cacheSlots(int length) {
        return cfg.window() > 0 ? Math.min(cfg.window() + 1, length) : length;
    }

    // ---- pieces shared by training and sampling ----

    /** xc (B·S, D) = z_proj_ln(class or null embedding + buffer position embedding). */
    void embedBuffer(TaskGraph g, IntArray labels, IntArray drop, FloatArray bufEmb, LayerNormLayer.Saved ln, int b) {
        int s = cfg.bufferSize(), d = cfg.width();
        g.task2d("class_condition", Embedding.CLASS_CONDITION_FORWARD, b * s, d, labels, drop, classEmb, fakeLatent,
                posEmbed, bufEmb, b, s, d);
        zProjLn.forward(g, bufEmb, ln, b * s);
    }

    void embedBufferBackward(TaskGraph g, IntArray labels, IntArray drop, FloatArray bufEmb, LayerNormLayer.Saved ln,
                             FloatArray dxc, FloatArray dBufEmb, int b) {
        int s = cfg.bufferSize(), d = cfg.width();
        zProjLn.backward(g, dxc, bufEmb, ln, dBufEmb, b * s);
        g.task("class_condition.bw", Embedding.CLASS_CONDITION_BACKWARD, d, labels, drop, dBufEmb,
                params.grad("class_emb.weight"), params.grad("fake_latent"), params.grad("encoder_pos_embed_learned"),
                b, s, d, cfg.numClasses());
    }

    /** xi (rows, D) = z_proj_ln(z_proj(tokens (rows, C))). */
    void embedTokens(TaskGraph g, FloatArray tokens, FloatArray projected, LayerNormLayer.Saved ln, int rows) {
        zProj.forward(g, tokens, projected, rows);
        zProjLn.forward(g, projected, ln, rows);
    }

    /** z (B·L, D) = encoder_norm(hidden state just before each token). */
    void predictionStates(TaskGraph g, FloatArray xc, FloatArray xi, FloatArray zIn, LayerNormLayer.Saved ln, int b,
                          int l) {
        int d = cfg.width();
        g.task2d("shift_right", Sequence.SHIFT_RIGHT_GATHER, b * l, d, xc, xi, zIn, b, cfg.bufferSize(), l, d);
        encoderNorm.forward(g, zIn, ln, b * l);
    }

    /**
     * Appends the authors' forward_encoder in eval mode (no dropout, RoPE shift 0) for {@code rows}
     * sequences of {@code length} tokens (rows·L, C) with their labels and null-class flags; returns
     * the conditions z (rows·L, D).
     */
    FloatArray forwardEncoder(TaskGraph g, FloatArray tokens, IntArray labels, IntArray drop, int rows, int length) {
        int d = cfg.width(), s = cfg.bufferSize(), ri = rows * length;
        FloatArray projected = new FloatArray("eval.z_proj", ri * d);
        LayerNormLayer.Saved lnTok = LayerNormLayer.Saved.of("eval.z_proj_ln.img", ri, d);
        FloatArray bufEmb = new FloatArray("eval.buffer_emb", rows * s * d);
        LayerNormLayer.Saved lnBuf = LayerNormLayer.Saved.of("eval.z_proj_ln.buf", rows * s, d);
        embedTokens(g, tokens, projected, lnTok, ri);
        embedBuffer(g, labels, drop, bufEmb, lnBuf, rows);
        eim.tasks.IntParam noShift = new eim.tasks.IntParam(0);
        for (TransformerBlock blk : blocks) {
            blk.forward(g, blk.newTrainState(rows, length, null), lnBuf.y(), lnTok.y(), noShift, false);
        }
        FloatArray zIn = new FloatArray("eval.z_in", ri * d);
        LayerNormLayer.Saved lnOut = LayerNormLayer.Saved.of("eval.encoder_norm", ri, d);
        predictionStates(g, lnBuf.y(), lnTok.y(), zIn, lnOut, rows, length);
        return lnOut.y();
    }

    /**
     * The conditioning vectors (B, L, D) for tokens (B, L, C) and class labels (-1 = null class):
     * the authors' forward_encoder in inference mode.
     */
    public float[] conditions(eim.tasks.Device device, float[] tokens, int[] classLabels, int length) {
        int b = classLabels.length;
        if (tokens.length != b * length * cfg.tokenChannels()) {
            throw new IllegalArgumentException("tokens: expected " + b + " x " + length + " x " + cfg.tokenChannels()
                    + " values, got " + tokens.length);
        }
        IntArray labels = new IntArray("eval.labels", b), drop = new IntArray("eval.drop", b);
        for (int i = 0; i < b; i++) {
            if (classLabels[i] >= cfg.numClasses() || classLabels[i] < -1) {
                throw new IllegalArgumentException("label " + classLabels[i] + " outside [0, " + cfg.numClasses() + ")");
            }
            labels.set(i, Math.max(0, classLabels[i]));
            drop.set(i, classLabels[i] < 0 ? 1 : 0);
        }
        FloatArray tok = new FloatArray("eval.tokens", tokens.clone());
        TaskGraph g = new TaskGraph("forward_encoder");
        for (Parameters.Param p : params.all()) {
            g.transferToDevice(eim.tasks.DataTransferMode.FIRST_EXECUTION, p.value());
        }
        g.transferToDevice(eim.tasks.DataTransferMode.EVERY_EXECUTION, tok, labels, drop);
        FloatArray z = forwardEncoder(g, tok, labels, drop, b, length);
        g.transferToHost(eim.tasks.DataTransferMode.EVERY_EXECUTION, z);
        try (eim.tasks.ExecutionPlan plan = new eim.tasks.ExecutionPlan(device, g)) {
            plan.execute();
            plan.free();
        }
        return z.array().clone();
    }

    /** Forward and backward for batches of {@code batch} sequences of {@code length} tokens (no update). */
    public TrainingPass trainingPass(eim.tasks.Device device, int batch, int length) {
        return new TrainingPass(this, device, batch, length, java.util.List.of());
    }

    /** The whole training step (forward, backward, clipping, AdamW, EMA) for this batch shape. */
    public GeneratorTraining training(eim.tasks.Device device, int batch, int length, GeneratorTraining.Recipe recipe) {
        return new GeneratorTraining(this, device, batch, length, recipe, null);
    }

    /**
     * The training step with the loss over {@code lossPositions} only (one flag per position; null:
     * all): every token is still read as context.
     */
    public GeneratorTraining training(eim.tasks.Device device, int batch, int length, GeneratorTraining.Recipe recipe,
                                      boolean[] lossPositions) {
        return new GeneratorTraining(this, device, batch, length, recipe, lossPositions);
    }
}
