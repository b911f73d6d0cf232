package eim.model.generator;

import eim.model.Parameters;
import eim.model.nn.LayerNormLayer;
import eim.model.nn.LinearLayer;
import eim.model.nn.Ops;
import eim.tasks.FloatArray;
import eim.tasks.IntParam;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.Elementwise;

/**
 * The per-token flow-matching head, the authors' SimpleMLPAdaLN ({@code diffloss.net.*}): predicts
 * the velocity of a noisy token x_t at time t given the transformer's condition z.
 * <pre>
 *   c = cond_embed(z);  y = time_embed(t) + c;  s = silu(y)           (shared by every adaLN)
 *   x = input_proj(x_t)
 *   per ResBlock: (shift, scale, gate) = ada(s); x += gate * mlp(LN(x)*(1+scale)+shift)
 *   out = linear(LN_noaffine(x)*(1+scale_f)+shift_f)
 * </pre>
 * The condition embedding is split from the body: training embeds the B·L conditions once and
 * repeats them diffusion_batch_mul times; sampling embeds once per token and reuses it every step.
 */
public final class FlowHead {
    public static final int FREQ_DIM = 256;
    private static final String P = "diffloss.net.";

    final int channels, width, depth, condWidth;
    final LinearLayer inputProj, timeMlp0, timeMlp2, condEmbed, finalAda, finalLinear;
    final LinearLayer[] ada, mlp0, mlp2;
    final LayerNormLayer[] inLn;
    final LayerNormLayer finalNorm;

    FlowHead(Parameters p, int channels, int width, int depth, int condWidth) {
        this.channels = channels;
        this.width = width;
        this.depth = depth;
        this.condWidth = condWidth;
        timeMlp0 = new LinearLayer(p, P + "time_embed.mlp.0", FREQ_DIM, width);
        timeMlp2 = new LinearLayer(p, P + "time_embed.mlp.2", width, width);
        condEmbed = new LinearLayer(p, P + "cond_embed", condWidth, width);
        inputProj = new LinearLayer(p, P + "input_proj", channels, width);
        ada = new LinearLayer[depth];
        mlp0 = new LinearLayer[depth];
        mlp2 = new LinearLayer[depth];
        inLn = new LayerNormLayer[depth];
        for (int k = 0; k < depth; k++) {
            String b = P + "res_blocks." + k + ".";
            inLn[k] = new LayerNormLayer(p, b + "in_ln", width, 1e-6f);
            mlp0[k] = new LinearLayer(p, b + "mlp.0", width, width);
            mlp2[k] = new LinearLayer(p, b + "mlp.2", width, width);
            ada[k] = new LinearLayer(p, b + "adaLN_modulation.1", width, 3 * width);
        }
        finalNorm = new LayerNormLayer(P + "final_layer.norm_final", width, 1e-6f);
        finalLinear = new LinearLayer(p, P + "final_layer.linear", width, channels);
        finalAda = new LinearLayer(p, P + "final_layer.adaLN_modulation.1", width, 2 * width);
    }

    /** Activations of the head for a fixed number of rows (and their gradients when training). */
    final class State {
        final int rows;
        /** The part that sees t and the condition only. */
        final Conditioning c;
        final FloatArray finalNormed, finalMod2;
        final LayerNormLayer.Saved finalLn;
        final FloatArray[] x, lnOut, hm, h1, h1s, h2;
        final LayerNormLayer.Saved[] ln;
        final FloatArray out;
        // gradients (training only)
        final FloatArray dOut, dFinalMod2, dFinalNormed, dFinalMod, dX, dH2, dH1s, dH1, dHm, dLn, dSy, dY, dT1s, dT1;
        final FloatArray[] dMod;

        State(String tag, int rows, boolean training) {
            this.rows = rows;
            int w = width;
            c = new Conditioning(tag, rows);
            x = new FloatArray[depth + 1];
            lnOut = new FloatArray[depth];
            hm = new FloatArray[depth];
            h1 = new FloatArray[depth];
            h1s = new FloatArray[depth];
            h2 = new FloatArray[depth];
            ln = new LayerNormLayer.Saved[depth];
            x[0] = f(tag + ".x0", rows * w);
            for (int k = 0; k < depth; k++) {
                x[k + 1] = f(tag + ".x" + (k + 1), rows * w);
                ln[k] = LayerNormLayer.Saved.of(tag + ".ln" + k, rows, w);
                hm[k] = f(tag + ".hm" + k, rows * w);
                h1[k] = f(tag + ".h1_" + k, rows * w);
                h1s[k] = f(tag + ".h1s" + k, rows * w);
                h2[k] = f(tag + ".h2_" + k, rows * w);
            }
            finalLn = LayerNormLayer.Saved.of(tag + ".fln", rows, w);
            finalNormed = finalLn.y();
            finalMod2 = f(tag + ".fm", rows * w);
            out = f(tag + ".out", rows * channels);
            if (training) {
                dOut = f(tag + ".d_out", rows * channels);
                dFinalMod2 = f(tag + ".d_fm", rows * w);
                dFinalNormed = f(tag + ".d_fn", rows * w);
                dFinalMod = f(tag + ".d_fmod", rows * 2 * w);
                dX = f(tag + ".d_x", rows * w);
                dH2 = f(tag + ".d_h2", rows * w);
                dH1s = f(tag + ".d_h1s", rows * w);
                dH1 = f(tag + ".d_h1", rows * w);
                dHm = f(tag + ".d_hm", rows * w);
                dLn = f(tag + ".d_ln", rows * w);
                dSy = f(tag + ".d_sy", rows * w);
                dY = f(tag + ".d_y", rows * w);
                dT1s = f(tag + ".d_t1s", rows * w);
                dT1 = f(tag + ".d_t1", rows * w);
                dMod = new FloatArray[depth];
                for (int k = 0; k < depth; k++) {
                    dMod[k] = f(tag + ".d_mod" + k, rows * 3 * w);
                }
            } else {
                dOut = dFinalMod2 = dFinalNormed = dFinalMod = dX = dH2 = dH1s = dH1 = dHm = dLn = dSy = dY = dT1s = dT1 = null;
                dMod = null;
            }
        }

        /** Gradient scratch arrays, zeroed before every backward. */
        FloatArray[] gradients() {
            FloatArray[] fixed = {dOut, dFinalMod2, dFinalNormed, dFinalMod, dX, dH2, dH1s, dH1, dHm, dLn, dSy, dY, dT1s, dT1};
            FloatArray[] all = java.util.Arrays.copyOf(fixed, fixed.length + depth);
            System.arraycopy(dMod, 0, all, fixed.length, depth);
            return all;
        }
    }

    /**
     * The arrays of the part of the head that sees t and the condition only, for n rows: the time
     * embedding (tFreq, t1, t1s), y = time_embed(t) + c, sy = silu(y), each block's (shift, scale,
     * gate) in mod[k] and the final layer's (shift, scale) in finalMod.
     */
    final class Conditioning {
        final FloatArray tFreq, t1, t1s, y, sy, finalMod;
        final FloatArray[] mod;

        Conditioning(String tag, int n) {
            int w = width;
            tFreq = f(tag + ".tfreq", n * FREQ_DIM);
            t1 = f(tag + ".t1", n * w);
            t1s = f(tag + ".t1s", n * w);
            y = f(tag + ".y", n * w);
            sy = f(tag + ".sy", n * w);
            mod = new FloatArray[depth];
            for (int k = 0; k < depth; k++) {
                mod[k] = f(tag + ".mod" + k, n * 3 * w);
            }
            finalMod = f(tag + ".fmod", n * 2 * w);
        }
    }

    private static FloatArray f(String name, int n) {
        return new FloatArray(name, n);
    }

    State newState(String tag, int rows, boolean training) {
        return new State(tag, rows, training);
    }

    /**
     * The adaLN modulations of a batch of flow steps, for sampling. They depend on t and the
     * condition, not on x_t, so a token's steps can get theirs in one pass of the time MLP and the
     * ada layers over steps · rows rows (row j·rows + r is step j of row r) before the Euler steps
     * run. At the few rows of a sampling step every linear layer is bound by reading its weights;
     * the ada layers hold ~60% of the head's, and batched they run as compute-bound GEMMs while the
     * rest of the head's weights stay in cache between steps.
     */
    final class Modulations {
        final int rows, steps;
        /** The times of the batch's steps, step-major (steps · rows); filled by the caller. */
        final FloatArray t;
        /** The condition embeddings repeated for every step (steps · rows, W). */
        final FloatArray cEmb;
        final Conditioning c;
        /** Where the selected step's rows start in c.mod[k] and c.finalMod. */
        final IntParam modOffset = new IntParam(0), finalOffset = new IntParam(0);

        Modulations(String tag, int rows, int steps) {
            if (rows <= 0 || steps <= 0) {
                throw new IllegalArgumentException("modulations need rows and steps > 0, got " + rows + ", " + steps);
            }
            this.rows = rows;
            this.steps = steps;
            int n = rows * steps;
            t = f(tag + ".t", n);
            cEmb = f(tag + ".cond_emb", n * width);
            c = new Conditioning(tag, n);
        }

        /** Makes {@link #forward(TaskGraph, State, FloatArray, Modulations)} read step {@code j} of the batch. */
        void select(int j) {
            if (j < 0 || j >= steps) {
                throw new IndexOutOfBoundsException("step " + j + " of a batch of " + steps);
            }
            modOffset.set(j * rows * 3 * width);
            finalOffset.set(j * rows * 2 * width);
        }
    }

    /** Floats a {@link Modulations} holds per row and step. */
    int modulationFloatsPerRow() {
        return FREQ_DIM + 5 * width + depth * 3 * width + 2 * width;
    }

    Modulations newModulations(String tag, int rows, int steps) {
        return new Modulations(tag, rows, steps);
    }

    /** cEmb (rows, W) = cond_embed(z (rows, D)). */
    void embedCondition(TaskGraph g, FloatArray z, FloatArray cEmb, int rows) {
        condEmbed.forward(g, z, cEmb, rows);
    }

    /** dz += ..., cond_embed's weights += ..., from dcEmb (rows, W). */
    void embedConditionBackward(TaskGraph g, FloatArray dcEmb, FloatArray z, FloatArray dz, int rows) {
        condEmbed.backward(g, dcEmb, z, dz, rows);
    }

    /** s.out (rows, C) = velocity for x_t (rows, C) at times t (rows) under embedded conditions cEmb (rows, W). */
    void forward(TaskGraph g, State s, FloatArray xt, FloatArray t, FloatArray cEmb) {
        modulate(g, s.rows, t, cEmb, s.c);
        body(g, s, xt);
    }

    /**
     * s.out (rows, C) = velocity for x_t (rows, C) at step {@link Modulations#select selected} in
     * {@code m}: the step's modulations are copied into s, and only the x_t-dependent part runs.
     */
    void forward(TaskGraph g, State s, FloatArray xt, Modulations m) {
        int n = s.rows, w = width;
        if (m.rows != n) {
            throw new IllegalArgumentException("modulations for " + m.rows + " rows, state of " + n);
        }
        for (int k = 0; k < depth; k++) {
            g.task("copy." + s.c.mod[k].name(), Elementwise.COPY, n * 3 * w, m.c.mod[k], m.modOffset, s.c.mod[k], 0, n * 3 * w);
        }
        g.task("copy." + s.c.finalMod.name(), Elementwise.COPY, n * 2 * w, m.c.finalMod, m.finalOffset, s.c.finalMod, 0,
                n * 2 * w);
        body(g, s, xt);
    }

    /**
     * The adaLN modulations of {@code m.steps} flow steps at once, at the times in m.t (step-major,
     * m.steps · m.rows), for embedded conditions cEmb (m.rows, W) shared by every step.
     */
    void modulations(TaskGraph g, Modulations m, FloatArray cEmb) {
        Ops.repeatRows(g, cEmb, m.cEmb, m.rows, width, m.steps);
        modulate(g, m.rows * m.steps, m.t, m.cEmb, m.c);
    }

    /** The part of the head that sees t (n) and the condition cEmb (n, W) only: c.sy = silu(time_embed(t) + cEmb), c.mod[k] = ada_k(c.sy). */
    private void modulate(TaskGraph g, int n, FloatArray t, FloatArray cEmb, Conditioning c) {
        Ops.timestepEmbedding(g, t, c.tFreq, n, FREQ_DIM);
        timeMlp0.forward(g, c.tFreq, c.t1, n);
        Ops.silu(g, c.t1, c.t1s);
        timeMlp2.forward(g, c.t1s, c.y, n);
        Ops.addInPlace(g, c.y, cEmb);
        Ops.silu(g, c.y, c.sy);
        for (int k = 0; k < depth; k++) {
            ada[k].forward(g, c.sy, c.mod[k], n);
        }
        finalAda.forward(g, c.sy, c.finalMod, n);
    }

    /** The part of the head that sees x_t: s.out from xt and the modulations in s.c.mod, s.c.finalMod. */
    private void body(TaskGraph g, State s, FloatArray xt) {
        int n = s.rows, w = width;
        inputProj.forward(g, xt, s.x[0], n);
        for (int k = 0; k < depth; k++) {
            inLn[k].forward(g, s.x[k], s.ln[k], n);
            Ops.modulate(g, s.ln[k].y(), s.c.mod[k], s.hm[k], n, w, 3 * w, 0, w);
            mlp0[k].forward(g, s.hm[k], s.h1[k], n);
            Ops.silu(g, s.h1[k], s.h1s[k]);
            mlp2[k].forward(g, s.h1s[k], s.h2[k], n);
            Ops.copy(g, s.x[k], 0, s.x[k + 1], 0, n * w);
            Ops.gateAdd(g, s.x[k + 1], s.h2[k], s.c.mod[k], n, w, 3 * w, 2 * w);
        }
        finalNorm.forward(g, s.x[depth], s.finalLn, n);
        Ops.modulate(g, s.finalNormed, s.c.finalMod, s.finalMod2, n, w, 2 * w, 0, w);
        finalLinear.forward(g, s.finalMod2, s.out, n);
    }

    /**
     * Backward of {@link #forward} from s.dOut: parameter gradients +=, and dcEmb += the gradient
     * of the embedded conditions. The caller zeroes {@link State#gradients()} first.
     */
    void backward(TaskGraph g, State s, FloatArray xt, FloatArray dcEmb) {
        int n = s.rows, w = width;
        finalLinear.backward(g, s.dOut, s.finalMod2, s.dFinalMod2, n);
        Ops.modulateBackward(g, s.finalNormed, s.c.finalMod, s.dFinalMod2, s.dFinalNormed, s.dFinalMod, n, w, 2 * w, 0, w);
        finalNorm.backward(g, s.dFinalNormed, s.x[depth], s.finalLn, s.dX, n);
        finalAda.backward(g, s.dFinalMod, s.c.sy, s.dSy, n);
        for (int k = depth - 1; k >= 0; k--) {
            // x[k+1] = x[k] + gate*h2: the residual keeps dX; the branch adds into it after dh is taken
            Ops.zero(g, s.dH2, s.dH1s, s.dH1, s.dHm, s.dLn);
            Ops.gateAddBackward(g, s.dX, s.h2[k], s.c.mod[k], s.dH2, s.dMod[k], n, w, 3 * w, 2 * w);
            mlp2[k].backward(g, s.dH2, s.h1s[k], s.dH1s, n);
            Ops.siluBackward(g, s.h1[k], s.dH1s, s.dH1);
            mlp0[k].backward(g, s.dH1, s.hm[k], s.dHm, n);
            Ops.modulateBackward(g, s.ln[k].y(), s.c.mod[k], s.dHm, s.dLn, s.dMod[k], n, w, 3 * w, 0, w);
            inLn[k].backward(g, s.dLn, s.x[k], s.ln[k], s.dX, n);
            ada[k].backward(g, s.dMod[k], s.c.sy, s.dSy, n);
        }
        inputProj.backward(g, s.dX, xt, null, n);
        Ops.siluBackward(g, s.c.y, s.dSy, s.dY);
        Ops.addInPlace(g, dcEmb, s.dY);
        timeMlp2.backward(g, s.dY, s.c.t1s, s.dT1s, n);
        Ops.siluBackward(g, s.c.t1, s.dT1s, s.dT1);
        timeMlp0.backward(g, s.dT1, s.c.tFreq, null, n);
    }
}
