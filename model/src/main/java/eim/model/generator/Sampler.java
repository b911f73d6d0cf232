package eim.model.generator;

import eim.model.Parameters;
import eim.model.nn.LayerNormLayer;
import eim.model.nn.Ops;
import eim.tasks.DataTransferMode;
import eim.tasks.Device;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import eim.tasks.FloatParam;
import eim.tasks.IntArray;
import eim.tasks.IntParam;
import eim.tasks.TaskGraph;
import eim.tasks.kernels.Elementwise;
import eim.tasks.kernels.FlowMatching;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Class-conditional sampling: autoregressive over token positions, and for each position an
 * Euler integration of the flow head from t=1 (noise) to t=0, with classifier-free guidance whose
 * scale follows a {@link Schedule}: by default it ramps linearly over positions
 * (s_i = 1 + (cfg-1)(i+1)/L, the authors' "linear" schedule), or stays at cfg ("constant").
 *
 * <p>Two ways to get the condition z for position i, which give the same tokens:
 * <ul>
 *   <li>{@link Mode#INCREMENTAL}: each block keeps the keys/values of its last ω+1 positions and
 *       the buffer's cross-attention keys/values; one new position costs the same at any length
 *       and memory does not grow with length (ultra-long images);</li>
 *   <li>{@link Mode#FULL_RECOMPUTE}: the authors' sample_tokens, re-running the whole sequence at
 *       every step (cost grows with L²); the reference.</li>
 * </ul>
 * With guidance, rows [0,B) carry the classes and rows [B,2B) the null class; both halves get the
 * same noise, as the authors' code does.
 */
public final class Sampler implements AutoCloseable {
    public enum Mode { INCREMENTAL, FULL_RECOMPUTE }

    /** How the guidance scale moves along the sequence: the authors' {@code cfg_schedule}. */
    public enum Schedule {
        /** s_i = 1 + (cfg-1)(i+1)/L at AR step i of L: rises to cfg at the last token (the authors' default). */
        LINEAR,
        /** s_i = cfg at every token. */
        CONSTANT;

        /** The guidance scale at AR step {@code i} of {@code length}, computed in double as the authors' Python. */
        public float scale(float cfg, int i, int length) {
            return switch (this) {
                case LINEAR -> (float) (1 + (cfg - 1.0) * (i + 1.0) / length);
                case CONSTANT -> cfg;
            };
        }

        /** The command-line name: linear or constant. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Parses a command-line name (linear or constant), failing with a one-line message. */
        public static Schedule parse(String name) {
            for (Schedule s : values()) {
                if (s.label().equals(name)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("--cfg-schedule must be linear or constant, got " + name);
        }
    }

    /** Noise for AR step i: B rows of C values (the conditional rows). */
    @FunctionalInterface
    public interface NoiseSource {
        float[] noise(int step, int batch, int channels);

        static NoiseSource seeded(long seed) {
            return (step, b, c) -> {
                SplittableRandom r = new SplittableRandom(seed * 1_000_003L + step);
                float[] v = new float[b * c];
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) r.nextGaussian();
                }
                return v;
            };
        }
    }

    /** Called after each token with (position, length) for progress reporting. */
    @FunctionalInterface
    public interface Progress {
        void tokenDone(int position, int length);
    }

    private final EquivariantGenerator m;
    private final Mode mode;
    private final int batch, length, rows, steps;
    private final boolean guided;
    private final float cfg;
    private final Schedule schedule;
    private final ExecutionPlan plan;
    private final IntArray labels, drop;
    private final FloatArray x, prevToken, z;
    private final FloatParam tValue = new FloatParam(1f), cfgScale = new FloatParam(1f);
    private final IntParam pos = new IntParam(0), slot = new IntParam(0), count = new IntParam(0);
    /** Flow steps whose modulations are computed together; null modulations when 1 (each step computes its own). */
    private final int stepsPerBatch;
    private final FlowHead.Modulations modulations;
    private final IntParam[] fullRowOffsets;
    private final FloatArray fullTokens;
    private final int slots;

    /** Rejects a guidance scale that is not a finite number > 0 (NaN and infinities included). */
    public static void checkGuidance(float cfg) {
        if (!(Float.isFinite(cfg) && cfg > 0)) {
            throw new IllegalArgumentException("--cfg must be a finite number > 0, got " + cfg);
        }
    }

    /** A sampler with the authors' default {@link Schedule#LINEAR} guidance schedule. */
    public Sampler(EquivariantGenerator m, Device device, Mode mode, int batch, int length, float cfg, int steps) {
        this(m, device, mode, batch, length, cfg, Schedule.LINEAR, steps);
    }

    /**
     * Compiles the sampling graphs for {@code batch} images of {@code length} tokens.
     *
     * @param cfg      guidance scale; 1 = no guidance (no null-class half)
     * @param schedule how the scale moves along the sequence (linear ramp to cfg, or constant cfg)
     * @param steps    Euler steps per token
     */
    public Sampler(EquivariantGenerator m, Device device, Mode mode, int batch, int length, float cfg, Schedule schedule,
                   int steps) {
        this(m, device, mode, batch, length, cfg, schedule, steps, Integer.MAX_VALUE);
    }

    /** As above, with at most {@code maxStepsPerBatch} flow steps' modulations computed together (tests compare 1 and more). */
    Sampler(EquivariantGenerator m, Device device, Mode mode, int batch, int length, float cfg, Schedule schedule, int steps,
            int maxStepsPerBatch) {
        if (batch <= 0 || length <= 0 || steps <= 0) {
            throw new IllegalArgumentException("sampler: batch, length and steps must be > 0");
        }
        checkGuidance(cfg);
        this.m = m;
        this.mode = mode;
        this.batch = batch;
        this.length = length;
        this.steps = steps;
        this.cfg = cfg;
        this.schedule = java.util.Objects.requireNonNull(schedule, "schedule");
        this.guided = cfg != 1f;
        this.rows = guided ? 2 * batch : batch;
        GeneratorConfig c = m.cfg;
        int d = c.width(), ch = c.tokenChannels(), s = c.bufferSize(), w = c.headWidth();
        labels = new IntArray("sample.labels", rows);
        drop = new IntArray("sample.drop", rows);
        x = new FloatArray("sample.x", rows * ch);
        prevToken = new FloatArray("sample.prev_token", rows * ch);
        LayerNormLayer.Saved lnOut = LayerNormLayer.Saved.of("sample.encoder_norm", rows, d);
        z = lnOut.y();
        FloatArray tArr = new FloatArray("sample.t", rows);
        FloatArray cEmb = new FloatArray("sample.cond_emb", rows * w);
        FlowHead.State hs = m.head.newState("sample.head", rows, false);

        List<TaskGraph> graphs = new ArrayList<>();
        TaskGraph weights = new TaskGraph("weights");
        for (Parameters.Param p : m.params.all()) {
            weights.transferToDevice(DataTransferMode.FIRST_EXECUTION, p.value());
        }
        graphs.add(weights);
        if (mode == Mode.INCREMENTAL) {
            slots = m.cacheSlots(length);
            fullRowOffsets = null;
            fullTokens = null;
            FloatArray bufEmb = new FloatArray("sample.buffer_emb", rows * s * d);
            LayerNormLayer.Saved lnBuf = LayerNormLayer.Saved.of("sample.z_proj_ln.buf", rows * s, d);
            FloatArray zIn = new FloatArray("sample.z_in", rows * d);
            TransformerBlock.DecodeState[] ds = new TransformerBlock.DecodeState[m.blocks.length];
            // prefill: buffer positions through every block, condition of token 0
            TaskGraph g = new TaskGraph("prefill");
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, labels, drop);
            m.embedBuffer(g, labels, drop, bufEmb, lnBuf, rows);
            for (int k = 0; k < m.blocks.length; k++) {
                ds[k] = m.blocks[k].newDecodeState(rows, slots);
                m.blocks[k].prefillBuffer(g, ds[k], lnBuf.y());
            }
            // with L = 1 the gather only reads the buffer's last position (the image array is never read)
            m.predictionStates(g, lnBuf.y(), zIn, zIn, lnOut, rows, 1);
            graphs.add(g);
            // one token: embed the previous token, run it through every block with the caches
            g = new TaskGraph("token");
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, prevToken);
            FloatArray projected = new FloatArray("sample.z_proj", rows * d);
            LayerNormLayer.Saved lnTok = LayerNormLayer.Saved.of("sample.z_proj_ln.img", rows, d);
            m.embedTokens(g, prevToken, projected, lnTok, rows);
            for (int k = 0; k < m.blocks.length; k++) {
                m.blocks[k].decode(g, ds[k], lnTok.y(), pos, slot, count);
            }
            m.encoderNorm.forward(g, lnTok.y(), lnOut, rows);
            graphs.add(g);
        } else {
            slots = 0;
            int ri = rows * length;
            fullTokens = new FloatArray("sample.all_tokens", ri * ch);
            fullRowOffsets = new IntParam[rows];
            TaskGraph g = new TaskGraph("full");
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, labels, drop, fullTokens);
            FloatArray zAll = m.forwardEncoder(g, fullTokens, labels, drop, rows, length);
            for (int r = 0; r < rows; r++) {
                fullRowOffsets[r] = new IntParam(0);
                g.task("pick" + r, Elementwise.COPY, d, zAll, fullRowOffsets[r], z, r * d, d);
            }
            graphs.add(g);
        }
        // per token: embed the condition; per batch of flow steps: their modulations; per flow step:
        // velocity, guidance, Euler update
        TaskGraph g = new TaskGraph("condition");
        g.transferToDevice(DataTransferMode.EVERY_EXECUTION, x);
        m.head.embedCondition(g, z, cEmb, rows);
        graphs.add(g);
        stepsPerBatch = stepsPerBatch(device, m.head, rows, steps, maxStepsPerBatch);
        if (stepsPerBatch > 1) {
            modulations = m.head.newModulations("sample.head.steps", rows, stepsPerBatch);
            g = new TaskGraph("modulations");
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, modulations.t);
            m.head.modulations(g, modulations, cEmb);
            graphs.add(g);
            g = new TaskGraph("flow_step");
            m.head.forward(g, hs, x, modulations);
        } else {
            modulations = null;
            g = new TaskGraph("flow_step");
            g.task("t", Elementwise.FILL, rows, tArr, tValue, rows);
            m.head.forward(g, hs, x, tArr, cEmb);
        }
        if (guided) {
            g.task2d("cfg", FlowMatching.CFG_COMBINE, batch, ch, hs.out, batch, ch, cfgScale);
        }
        g.task("euler", FlowMatching.EULER_STEP, rows * ch, x, hs.out, -1f / steps, rows * ch);
        graphs.add(g);
        g = new TaskGraph("result");
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, x);
        graphs.add(g);
        this.plan = new ExecutionPlan(device, graphs);
    }

    /** At most this many floats (64 MB) for a batch of flow steps' modulations. */
    static final long MODULATION_BUDGET_FLOATS = 16L << 20;

    /**
     * How many flow steps get their modulations in one batch: all of a token's steps when they fit
     * {@link #MODULATION_BUDGET_FLOATS}, else batches of about equal size. 1 on a device whose
     * graphs share arrays through the host (the tornado backend), where the batch's modulations
     * would be carried to the device at every flow step.
     */
    static int stepsPerBatch(Device device, FlowHead head, int rows, int steps, int maxStepsPerBatch) {
        if (!device.hostMemory() || maxStepsPerBatch <= 1 || steps == 1) {
            return 1;
        }
        long perStep = (long) rows * head.modulationFloatsPerRow();
        int fit = (int) Math.max(1, Math.min(Math.min(steps, maxStepsPerBatch), MODULATION_BUDGET_FLOATS / perStep));
        int batches = (steps + fit - 1) / fit;
        return (steps + batches - 1) / batches;
    }

    /** Flow steps whose modulations are computed together (1: each step computes its own). */
    public int stepsPerBatch() {
        return stepsPerBatch;
    }

    /** The compiled plan (its transfer report, in benchmarks and tests). */
    public ExecutionPlan plan() {
        return plan;
    }

    /** Sends the model's current weights to the device again (after they changed on the host). */
    public void refreshWeights() {
        for (Parameters.Param p : m.params.all()) {
            plan.transferToDevice(p.value());
        }
    }

    /** Samples {@code batch} sequences of {@code length} tokens: (B, L, C) row-major. */
    public float[] sample(int[] classLabels, NoiseSource noise, Progress progress) {
        GeneratorConfig c = m.cfg;
        int ch = c.tokenChannels();
        if (classLabels.length != batch) {
            throw new IllegalArgumentException("expected " + batch + " labels, got " + classLabels.length);
        }
        for (int i = 0; i < rows; i++) {
            int lab = classLabels[i % batch];
            if (lab < -1 || lab >= c.numClasses()) {
                throw new IllegalArgumentException("class " + lab + " outside [0, " + c.numClasses() + ") (-1 = unconditional)");
            }
            boolean nullClass = i >= batch || lab < 0;
            labels.set(i, Math.max(lab, 0));
            drop.set(i, nullClass ? 1 : 0);
        }
        float[] out = new float[batch * length * ch];
        plan.execute("weights");
        if (mode == Mode.INCREMENTAL) {
            plan.execute("prefill");
        } else {
            fullTokens.fill(0f);
        }
        for (int i = 0; i < length; i++) {
            if (mode == Mode.INCREMENTAL) {
                if (i > 0) {
                    pos.set(i - 1);
                    slot.set((i - 1) % slots);
                    count.set(Math.min(i, slots));
                    plan.execute("token");
                }
            } else {
                for (int r = 0; r < rows; r++) {
                    fullRowOffsets[r].set((r * length + i) * c.width());
                }
                plan.execute("full");
            }
            float[] n = noise.noise(i, batch, ch);
            float[] xv = x.array();
            for (int r = 0; r < rows; r++) {
                System.arraycopy(n, (r % batch) * ch, xv, r * ch, ch);
            }
            cfgScale.set(schedule.scale(cfg, i, length));
            plan.execute("condition");
            for (int j = 0; j < steps; j++) {
                if (modulations == null) {
                    tValue.set((float) (steps - j) / steps);
                } else {
                    int inBatch = j % stepsPerBatch;
                    if (inBatch == 0) {
                        // t of step j + b for each row; a last, partial batch repeats its last step's t
                        float[] t = modulations.t.array();
                        for (int b = 0; b < stepsPerBatch; b++) {
                            java.util.Arrays.fill(t, b * rows, (b + 1) * rows, (float) Math.max(steps - j - b, 1) / steps);
                        }
                        plan.execute("modulations");
                    }
                    modulations.select(inBatch);
                }
                plan.execute("flow_step");
            }
            plan.execute("result");
            for (int b = 0; b < batch; b++) {
                System.arraycopy(xv, b * ch, out, (b * length + i) * ch, ch);
                if (mode == Mode.INCREMENTAL) {
                    System.arraycopy(xv, b * ch, prevToken.array(), b * ch, ch);
                    if (guided) {
                        System.arraycopy(xv, b * ch, prevToken.array(), (batch + b) * ch, ch);
                    }
                } else {
                    for (int r = b; r < rows; r += batch) {
                        System.arraycopy(xv, b * ch, fullTokens.array(), (r * length + i) * ch, ch);
                    }
                }
            }
            if (progress != null) {
                progress.tokenDone(i, length);
            }
        }
        return out;
    }

    @Override
    public void close() {
        plan.free();
    }
}
