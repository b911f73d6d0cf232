package eim.model.generator;

import eim.model.Parameters;
import eim.model.nn.LayerNormLayer;
import eim.model.nn.LinearLayer;
import eim.model.nn.Ops;
import eim.tasks.FloatArray;
import eim.tasks.IntParam;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.CrossAttention;
import eim.tasks.kernels.Rope;
import eim.tasks.kernels.Sequence;
import eim.tasks.kernels.WindowedCausalAttention;

/**
 * One block of the generator, the authors' MaskedBlockRoPECrossAttn ({@code encoder_blocks.N.*}).
 * The hidden state is kept as two arrays: the S buffer (class) positions {@code xc} (B·S, D) and the
 * L image positions {@code xi} (B·L, D), because only image tokens attend:
 * <pre>
 *   xi += proj(WindowAttn(RoPE(qkv(LN1(xi)))))                     i sees i-ω..i
 *   xi += proj2(CrossAttn(RoPE(q(LNx(xi))), k(LNc(xc)), v(LNc(xc)))) no mask
 *   xc += MLP(LN2(xc));  xi += MLP(LN2(xi))                          same weights
 * </pre>
 * In training the MLP runs once over both kinds of rows, interleaved by sample
 * ({@link Sequence#INTERLEAVE}): one GEMM of B·(S+L) rows per layer instead of two.
 * Dropout (attention probabilities, projections, both MLP dropouts) uses per-step seeds.
 */
final class TransformerBlock {
    final GeneratorConfig cfg;
    final int index, d, heads, hd;
    final String prefix;
    final LayerNormLayer norm1, crossNorm, crossCondNorm, norm2;
    final LinearLayer qkv, proj, q2, k2, v2, proj2, fc1, fc2;

    TransformerBlock(Parameters p, GeneratorConfig cfg, int index) {
        this.cfg = cfg;
        this.index = index;
        this.d = cfg.width();
        this.heads = cfg.heads();
        this.hd = cfg.headDim();
        this.prefix = "encoder_blocks." + index + ".";
        // declared in the order of the authors' named_parameters()
        norm1 = new LayerNormLayer(p, prefix + "norm1", d, 1e-6f);
        qkv = new LinearLayer(p, prefix + "attn.qkv", d, 3 * d);
        proj = new LinearLayer(p, prefix + "attn.proj", d, d);
        norm2 = new LayerNormLayer(p, prefix + "norm2", d, 1e-6f);
        fc1 = new LinearLayer(p, prefix + "mlp.fc1", d, cfg.mlpHidden());
        fc2 = new LinearLayer(p, prefix + "mlp.fc2", cfg.mlpHidden(), d);
        q2 = new LinearLayer(p, prefix + "attn2.qkv", d, d); // the authors' cross-attention "qkv" makes only q
        proj2 = new LinearLayer(p, prefix + "attn2.proj", d, d);
        k2 = new LinearLayer(p, prefix + "attn2.k", d, d);
        v2 = new LinearLayer(p, prefix + "attn2.v", d, d);
        crossNorm = new LayerNormLayer(p, prefix + "cross_norm", d, 1e-5f); // PyTorch's default eps, as the authors
        crossCondNorm = new LayerNormLayer(p, prefix + "cross_cond_norm", d, 1e-5f);
    }

    /**
     * Dropout seeds of one block, changed every training step ({@link #set}). Each is a two-slot
     * IntParam: the seed and the offset of the replica's draw indices, so that a data-parallel
     * replica holding samples [first, first+B) of the global batch draws exactly the masks the whole
     * batch has for them (the attention kernels take a sample offset, Dropout an element offset).
     */
    static final class Seeds {
        final IntParam attn = IntParam.of(0, 0), proj = IntParam.of(0, 0), crossAttn = IntParam.of(0, 0),
                crossProj = IntParam.of(0, 0), mlp1 = IntParam.of(0, 0), mlp2 = IntParam.of(0, 0);
        /** Per site of {@link #all}: its draws per sample (1 sample for attention, elements for Dropout). */
        private final int[] perSample;

        /**
         * For L image tokens and S buffer tokens per sample, width d and MLP hidden width f (the MLP's
         * dropouts draw over a sample's S + L interleaved rows).
         */
        Seeds(int l, int s, int d, int f) {
            perSample = new int[] {1, l * d, 1, l * d, (s + l) * f, (s + l) * d};
        }

        IntParam[] all() {
            return new IntParam[] {attn, proj, crossAttn, crossProj, mlp1, mlp2};
        }

        /** Site k of {@link #all} draws with {@code seed}, its sample 0 being sample {@code first} of the batch. */
        void set(int k, int seed, int first) {
            IntParam p = all()[k];
            p.set(seed);
            p.set(1, first * perSample[k]); // int wrap-around is the whole batch's index arithmetic too
        }
    }

    /**
     * The MLP branch on one set of rows: y = x + drop2(fc2(drop1(gelu(fc1(LN2(x)))))), GELU and
     * drop1 in one kernel (the GELU's output is not kept: its backward needs fc1's output only).
     */
    final class MlpState {
        final int rows;
        final LayerNormLayer.Saved ln;
        final FloatArray h, gd, o, od;

        MlpState(String tag, int rows) {
            this.rows = rows;
            int f = cfg.mlpHidden();
            ln = LayerNormLayer.Saved.of(tag + ".ln2", rows, d);
            h = new FloatArray(tag + ".fc1", rows * f);
            gd = new FloatArray(tag + ".gelu_drop", rows * f);
            o = new FloatArray(tag + ".fc2", rows * d);
            od = new FloatArray(tag + ".fc2_drop", rows * d);
        }
    }

    /** Gradients of the MLP branch's intermediate activations on one set of rows. */
    final class MlpGradients {
        final FloatArray dO, dGd, dH, dLn;

        MlpGradients(String tag, int rows) {
            int f = cfg.mlpHidden();
            dO = new FloatArray(tag + ".d_fc2", rows * d);
            dGd = new FloatArray(tag + ".d_gelu_drop", rows * f);
            dH = new FloatArray(tag + ".d_fc1", rows * f);
            dLn = new FloatArray(tag + ".d_ln2", rows * d);
        }
    }

    /** x (rows, D) += MLP(LN2(x)). */
    void mlpForward(TaskGraph g, MlpState s, FloatArray x, float p, IntParam seed1, IntParam seed2) {
        mlpBranch(g, s, x, p, seed1, seed2);
        Ops.addInPlace(g, x, s.od);
    }

    /** s.od (rows, D) = MLP(LN2(x)), the branch without the residual. */
    void mlpBranch(TaskGraph g, MlpState s, FloatArray x, float p, IntParam seed1, IntParam seed2) {
        norm2.forward(g, x, s.ln, s.rows);
        fc1.forward(g, s.ln.y(), s.h, s.rows);
        Ops.geluDropout(g, s.h, s.gd, p, seed1);
        fc2.forward(g, s.gd, s.o, s.rows);
        Ops.dropout(g, s.o, s.od, p, seed2);
    }

    /**
     * dx += the MLP branch's gradient, given dx = gradient of the branch output (residual kept).
     * xIn is the block input of these rows (saved before the in-place residual add). Each
     * intermediate gradient is written by its first task, so none is zeroed first.
     */
    void mlpBackward(TaskGraph g, MlpState s, MlpGradients gr, FloatArray xIn, FloatArray dx, float p, IntParam seed1,
                     IntParam seed2) {
        Ops.dropoutBackwardOverwriting(g, dx, gr.dO, p, seed2);
        fc2.backwardOverwritingInput(g, gr.dO, s.gd, gr.dGd, s.rows);
        Ops.geluDropoutBackward(g, s.h, gr.dGd, gr.dH, p, seed1);
        fc1.backwardOverwritingInput(g, gr.dH, s.ln.y(), gr.dLn, s.rows);
        norm2.backward(g, gr.dLn, xIn, s.ln, dx, s.rows);
    }

    /**
     * Gradients of a block's intermediate activations for batch B and L image tokens: scratch of
     * the block's backward alone, so one set can serve every block (where the device works on host
     * memory: {@link #newGradients}'s callers decide).
     */
    final class Gradients {
        final FloatArray dProj, dAttn, delta1, dQkv, dLn1, dProj2, dAttn2, delta2, dQ2, dK2, dV2, dLnCross, dLnCond;
        /** The MLP's, on the interleaved rows; dJ: the gradient of the block's output rows, interleaved. */
        final MlpGradients mlp;
        final FloatArray dJ;

        Gradients(String t, int b, int l) {
            int ri = b * l, rc = b * cfg.bufferSize();
            dProj = new FloatArray(t + ".d_proj", ri * d);
            dAttn = new FloatArray(t + ".d_attn", ri * d);
            delta1 = new FloatArray(t + ".delta1", ri * heads);
            dQkv = new FloatArray(t + ".d_qkv", ri * 3 * d);
            dLn1 = new FloatArray(t + ".d_ln1", ri * d);
            dProj2 = new FloatArray(t + ".d_proj2", ri * d);
            dAttn2 = new FloatArray(t + ".d_attn2", ri * d);
            delta2 = new FloatArray(t + ".delta2", ri * heads);
            dQ2 = new FloatArray(t + ".d_q2", ri * d);
            dK2 = new FloatArray(t + ".d_k2", rc * d);
            dV2 = new FloatArray(t + ".d_v2", rc * d);
            dLnCross = new FloatArray(t + ".d_ln_cross", ri * d);
            dLnCond = new FloatArray(t + ".d_ln_cond", rc * d);
            mlp = new MlpGradients(t + ".mlp", ri + rc);
            dJ = new FloatArray(t + ".d_joint", (ri + rc) * d);
        }

        /**
         * The gradients the attention kernels accumulate into (each element from one task, but +=);
         * every other one is overwritten by its first task in {@link #backward}.
         */
        FloatArray[] accumulated() {
            return new FloatArray[] {dQkv, dQ2, dK2, dV2};
        }
    }

    /** Activation gradients for batch B and L image tokens, named by {@code tag}. */
    Gradients newGradients(String tag, int b, int l) {
        return new Gradients(tag, b, l);
    }

    /** Training activations of the block for batch B and L image tokens. */
    final class TrainState {
        final int b, l, s;
        final Seeds seeds;
        final FloatArray xiIn, xcIn; // copies of the block inputs (the stream is updated in place)
        final LayerNormLayer.Saved ln1, lnCross, lnCond;
        final FloatArray qkvOut, attnOut, lse1, projOut, projDrop, xiMid;
        final FloatArray q2Out, k2Out, v2Out, attn2Out, lse2, proj2Out, proj2Drop;
        /** The MLP's input, buffer and image rows interleaved by sample ({@link Sequence#INTERLEAVE}). */
        final FloatArray xj;
        final MlpState mlp;
        /** Null for a forward alone. */
        final Gradients grads;

        TrainState(int b, int l, Gradients grads) {
            this.b = b;
            this.l = l;
            this.s = cfg.bufferSize();
            this.grads = grads;
            this.seeds = new Seeds(l, s, d, cfg.mlpHidden());
            int ri = b * l, rc = b * s;
            String t = "blk" + index;
            xiIn = new FloatArray(t + ".xi_in", ri * d);
            xcIn = new FloatArray(t + ".xc_in", rc * d);
            ln1 = LayerNormLayer.Saved.of(t + ".ln1", ri, d);
            qkvOut = new FloatArray(t + ".qkv", ri * 3 * d);
            attnOut = new FloatArray(t + ".attn", ri * d);
            lse1 = new FloatArray(t + ".lse1", ri * heads);
            projOut = new FloatArray(t + ".proj", ri * d);
            projDrop = new FloatArray(t + ".proj_drop", ri * d);
            xiMid = new FloatArray(t + ".xi_mid", ri * d);
            lnCross = LayerNormLayer.Saved.of(t + ".ln_cross", ri, d);
            lnCond = LayerNormLayer.Saved.of(t + ".ln_cond", rc, d);
            q2Out = new FloatArray(t + ".q2", ri * d);
            k2Out = new FloatArray(t + ".k2", rc * d);
            v2Out = new FloatArray(t + ".v2", rc * d);
            attn2Out = new FloatArray(t + ".attn2", ri * d);
            lse2 = new FloatArray(t + ".lse2", ri * heads);
            proj2Out = new FloatArray(t + ".proj2", ri * d);
            proj2Drop = new FloatArray(t + ".proj2_drop", ri * d);
            xj = new FloatArray(t + ".x_joint", (ri + rc) * d);
            mlp = new MlpState(t + ".mlp", ri + rc);
        }
    }

    /** Activations for batch B and L image tokens; {@code grads} for a backward too (null for a forward alone). */
    TrainState newTrainState(int b, int l, Gradients grads) {
        return new TrainState(b, l, grads);
    }

    /**
     * Full-sequence forward: updates xc (B·S, D) and xi (B·L, D) in place. {@code shift} is the RoPE
     * position offset of this step (the same for the whole batch); dropout only when {@code train}.
     */
    void forward(TaskGraph g, TrainState st, FloatArray xc, FloatArray xi, IntParam shift, boolean train) {
        int ri = st.b * st.l, rc = st.b * st.s;
        float pa = train ? cfg.attnDropout() : 0f, pp = train ? cfg.projDropout() : 0f;
        Ops.copy(g, xi, 0, st.xiIn, 0, ri * d);
        Ops.copy(g, xc, 0, st.xcIn, 0, rc * d);
        // windowed causal self-attention over image tokens
        norm1.forward(g, xi, st.ln1, ri);
        qkv.forward(g, st.ln1.y(), st.qkvOut, ri);
        rope(g, st.qkvOut, ri, st.l, 3 * d, 0, shift, false);
        rope(g, st.qkvOut, ri, st.l, 3 * d, d, shift, false);
        g.task2d(prefix + "attn", WindowedCausalAttention.FORWARD, ri, heads, st.qkvOut, st.attnOut, st.lse1, st.b, st.l,
                heads, hd, cfg.kernelWindow(), pa, st.seeds.attn);
        proj.forward(g, st.attnOut, st.projOut, ri);
        Ops.dropout(g, st.projOut, st.projDrop, pp, st.seeds.proj);
        Ops.addInPlace(g, xi, st.projDrop);
        Ops.copy(g, xi, 0, st.xiMid, 0, ri * d);
        // cross-attention: image queries, buffer keys/values
        crossNorm.forward(g, xi, st.lnCross, ri);
        crossCondNorm.forward(g, xc, st.lnCond, rc);
        q2.forward(g, st.lnCross.y(), st.q2Out, ri);
        rope(g, st.q2Out, ri, st.l, d, 0, shift, false);
        k2.forward(g, st.lnCond.y(), st.k2Out, rc);
        v2.forward(g, st.lnCond.y(), st.v2Out, rc);
        g.task2d(prefix + "attn2", CrossAttention.FORWARD, ri, heads, st.q2Out, st.k2Out, st.v2Out, st.attn2Out, st.lse2,
                st.b, st.l, st.s, heads, hd, pa, st.seeds.crossAttn);
        proj2.forward(g, st.attn2Out, st.proj2Out, ri);
        Ops.dropout(g, st.proj2Out, st.proj2Drop, pp, st.seeds.crossProj);
        Ops.addInPlace(g, xi, st.proj2Drop);
        // MLP on every position: buffer and image rows as one batch, then added back to each
        interleave(g, xc, xi, st.xj, st.b, st.l);
        mlpBranch(g, st.mlp, st.xj, pp, st.seeds.mlp1, st.seeds.mlp2);
        deinterleave(g, st.mlp.od, xc, xi, st.b, st.l, true);
    }

    /** xj (B·(S+L), D) = each sample's rows of xc (B·S, D), then its rows of xi (B·L, D). */
    private void interleave(TaskGraph g, FloatArray xc, FloatArray xi, FloatArray xj, int b, int l) {
        int s = cfg.bufferSize();
        g.task2d(prefix + "interleave", Sequence.INTERLEAVE, b * (s + l), d, xc, xi, xj, s, l, d);
    }

    /** xc, xi = (or += with {@code accumulate}) their rows of xj, {@link #interleave}'s inverse. */
    private void deinterleave(TaskGraph g, FloatArray xj, FloatArray xc, FloatArray xi, int b, int l, boolean accumulate) {
        int s = cfg.bufferSize();
        g.task2d(prefix + (accumulate ? "deinterleave_add" : "deinterleave"), Sequence.DEINTERLEAVE, b * (s + l), d, xj,
                xc, xi, s, l, d, accumulate ? 1 : 0);
    }

    /** Backward: dxc, dxi hold the gradients of the block outputs and become those of its inputs. */
    void backward(TaskGraph g, TrainState st, FloatArray dxc, FloatArray dxi, IntParam shift) {
        int ri = st.b * st.l, rc = st.b * st.s;
        float pa = cfg.attnDropout(), pp = cfg.projDropout();
        Gradients gr = st.grads;
        Ops.zero(g, gr.accumulated());
        // MLP, on the interleaved rows: dJ = the output's gradient, then its input's, split back
        interleave(g, dxc, dxi, gr.dJ, st.b, st.l);
        mlpBackward(g, st.mlp, gr.mlp, st.xj, gr.dJ, pp, st.seeds.mlp1, st.seeds.mlp2);
        deinterleave(g, gr.dJ, dxc, dxi, st.b, st.l, false);
        // cross-attention
        Ops.dropoutBackwardOverwriting(g, dxi, gr.dProj2, pp, st.seeds.crossProj);
        proj2.backwardOverwritingInput(g, gr.dProj2, st.attn2Out, gr.dAttn2, ri);
        g.task2d(prefix + "attn2.delta", WindowedCausalAttention.DELTA, ri, heads, st.attn2Out, gr.dAttn2, gr.delta2, ri,
                heads, hd);
        g.task2d(prefix + "attn2.bw_q", CrossAttention.BACKWARD_QUERY, ri, heads, st.q2Out, st.k2Out, st.v2Out, gr.dAttn2,
                st.lse2, gr.delta2, gr.dQ2, st.b, st.l, st.s, heads, hd, pa, st.seeds.crossAttn);
        g.task2d(prefix + "attn2.bw_kv", CrossAttention.BACKWARD_KV, rc, heads, st.q2Out, st.k2Out, st.v2Out, gr.dAttn2,
                st.lse2, gr.delta2, gr.dK2, gr.dV2, st.b, st.l, st.s, heads, hd, pa, st.seeds.crossAttn);
        rope(g, gr.dQ2, ri, st.l, d, 0, shift, true);
        q2.backwardOverwritingInput(g, gr.dQ2, st.lnCross.y(), gr.dLnCross, ri);
        k2.backwardOverwritingInput(g, gr.dK2, st.lnCond.y(), gr.dLnCond, rc);
        v2.backward(g, gr.dV2, st.lnCond.y(), gr.dLnCond, rc);
        crossNorm.backward(g, gr.dLnCross, st.xiMid, st.lnCross, dxi, ri);
        crossCondNorm.backward(g, gr.dLnCond, st.xcIn, st.lnCond, dxc, rc);
        // windowed self-attention
        Ops.dropoutBackwardOverwriting(g, dxi, gr.dProj, pp, st.seeds.proj);
        proj.backwardOverwritingInput(g, gr.dProj, st.attnOut, gr.dAttn, ri);
        g.task2d(prefix + "attn.delta", WindowedCausalAttention.DELTA, ri, heads, st.attnOut, gr.dAttn, gr.delta1, ri,
                heads, hd);
        g.task2d(prefix + "attn.bw_q", WindowedCausalAttention.BACKWARD_QUERY, ri, heads, st.qkvOut, gr.dAttn, st.lse1,
                gr.delta1, gr.dQkv, st.b, st.l, heads, hd, cfg.kernelWindow(), pa, st.seeds.attn);
        g.task2d(prefix + "attn.bw_k", WindowedCausalAttention.BACKWARD_KEY, ri, heads, st.qkvOut, gr.dAttn, st.lse1,
                gr.delta1, gr.dQkv, st.b, st.l, heads, hd, cfg.kernelWindow(), pa, st.seeds.attn);
        rope(g, gr.dQkv, ri, st.l, 3 * d, 0, shift, true);
        rope(g, gr.dQkv, ri, st.l, 3 * d, d, shift, true);
        qkv.backwardOverwritingInput(g, gr.dQkv, st.ln1.y(), gr.dLn1, ri);
        norm1.backward(g, gr.dLn1, st.xiIn, st.ln1, dxi, ri);
    }

    /** In-place RoPE (or its backward) on the D columns at colOff of rows with stride rowStride. */
    void rope(TaskGraph g, FloatArray x, int rows, int l, int rowStride, int colOff, Object posOff, boolean backward) {
        g.task2d(prefix + (backward ? "rope_bw" : "rope") + colOff, backward ? Rope.BACKWARD : Rope.FORWARD, rows,
                heads * hd / 2, x, rows, l, rowStride, colOff, heads, hd, posOff, cfg.ropeBase());
    }

    /**
     * Inference state for decoding one position at a time: per sample, the keys/values of the last
     * {@code slots} positions (ω+1 for windowed attention) and the buffer's cross-attention keys/values.
     */
    final class DecodeState {
        final int rows, slots;
        final FloatArray kCache, vCache, bufK, bufV;
        final LayerNormLayer.Saved ln1, lnCross, lnCond;
        final FloatArray qkvOut, q, attnOut, projOut, q2Out, attn2Out, lse, proj2Out;
        final MlpState mlp, mlpBuf;

        DecodeState(int rows, int slots) {
            this.rows = rows;
            this.slots = slots;
            int rc = rows * cfg.bufferSize();
            String t = "dec" + index;
            kCache = new FloatArray(t + ".kcache", rows * slots * d);
            vCache = new FloatArray(t + ".vcache", rows * slots * d);
            bufK = new FloatArray(t + ".buf_k", rc * d);
            bufV = new FloatArray(t + ".buf_v", rc * d);
            lnCond = LayerNormLayer.Saved.of(t + ".ln_cond", rc, d);
            ln1 = LayerNormLayer.Saved.of(t + ".ln1", rows, d);
            lnCross = LayerNormLayer.Saved.of(t + ".ln_cross", rows, d);
            qkvOut = new FloatArray(t + ".qkv", rows * 3 * d);
            q = new FloatArray(t + ".q", rows * d);
            attnOut = new FloatArray(t + ".attn", rows * d);
            projOut = new FloatArray(t + ".proj", rows * d);
            q2Out = new FloatArray(t + ".q2", rows * d);
            attn2Out = new FloatArray(t + ".attn2", rows * d);
            lse = new FloatArray(t + ".lse", rows * heads);
            proj2Out = new FloatArray(t + ".proj2", rows * d);
            mlp = new MlpState(t + ".img", rows);
            mlpBuf = new MlpState(t + ".buf", rc);
        }
    }

    DecodeState newDecodeState(int rows, int slots) {
        return new DecodeState(rows, slots);
    }

    /**
     * Once per sampling call: the buffer positions through this block (they never attend, so they
     * do not depend on the image tokens), and the cross-attention keys/values they provide.
     * Updates xc (R·S, D) in place.
     */
    void prefillBuffer(TaskGraph g, DecodeState st, FloatArray xc) {
        int rc = st.rows * cfg.bufferSize();
        crossCondNorm.forward(g, xc, st.lnCond, rc);
        k2.forward(g, st.lnCond.y(), st.bufK, rc);
        v2.forward(g, st.lnCond.y(), st.bufV, rc);
        mlpForward(g, st.mlpBuf, xc, 0f, null, null);
    }

    /**
     * One image position through the block for every sample: x (R, D) in place; the position's
     * key/value go to cache slot {@code slot}; attention covers the {@code count} filled slots.
     */
    void decode(TaskGraph g, DecodeState st, FloatArray x, IntParam pos, IntParam slot, IntParam count) {
        int r = st.rows;
        norm1.forward(g, x, st.ln1, r);
        qkv.forward(g, st.ln1.y(), st.qkvOut, r);
        rope(g, st.qkvOut, r, 1, 3 * d, 0, pos, false);
        rope(g, st.qkvOut, r, 1, 3 * d, d, pos, false);
        g.task2d(prefix + "kv_write", Sequence.KV_CACHE_WRITE, r, d, st.qkvOut, st.q, st.kCache, st.vCache, r, d, st.slots,
                slot);
        g.task2d(prefix + "attn_decode", WindowedCausalAttention.DECODE, r, heads, st.q, st.kCache, st.vCache, st.attnOut, r,
                heads, hd, st.slots, count);
        proj.forward(g, st.attnOut, st.projOut, r);
        Ops.addInPlace(g, x, st.projOut);
        crossNorm.forward(g, x, st.lnCross, r);
        q2.forward(g, st.lnCross.y(), st.q2Out, r);
        rope(g, st.q2Out, r, 1, d, 0, pos, false);
        g.task2d(prefix + "attn2", CrossAttention.FORWARD, r, heads, st.q2Out, st.bufK, st.bufV, st.attn2Out, st.lse, r, 1,
                cfg.bufferSize(), heads, hd, 0f, 0);
        proj2.forward(g, st.attn2Out, st.proj2Out, r);
        Ops.addInPlace(g, x, st.proj2Out);
        mlpForward(g, st.mlp, x, 0f, null, null);
    }
}
