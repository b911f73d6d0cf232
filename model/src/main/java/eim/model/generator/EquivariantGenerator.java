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

    public TrainingPass trainingPass(eim.tasks.Device device, int batch, int length,
                                     java.util.List<TaskGraph> extraGraphs) {
        return new TrainingPass(this, device, batch, length, extraGraphs);
    }
}
