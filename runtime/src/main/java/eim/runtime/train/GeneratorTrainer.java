package eim.runtime.train;

import eim.model.generator.EquivariantGenerator;
import eim.model.io.GeneratorCheckpoint;
import eim.model.generator.GeneratorTraining;
import eim.model.generator.TrainingPass;
import eim.tasks.Device;
import eim.tasks.io.Tensor;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The joint training loop of the generator (transformer + flow head, one loss): batches with label
 * dropout and every random draw explicit, warm-up then constant or cosine lr, periodic atomic
 * checkpoints and exact resume. The step itself (forward, backward, clipping, AdamW with the
 * authors' no-decay groups, EMA) is the model's {@link GeneratorTraining#step}.
 *
 * <p>Every random draw of step s (batch indices, label drops, RoPE shift, t, noise, dropout seeds)
 * is a function of (seed, s), so a run resumed from a checkpoint at step s follows the same loss
 * trajectory as an uninterrupted one.
 */
public final class GeneratorTrainer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(GeneratorTrainer.class);

    /** The checkpoint and the loss log that {@link #run} writes in the output directory. */
    public static final String CHECKPOINT = "generator.safetensors", LOSS_LOG = "loss.csv";

    /** One logged step. */
    public record StepLog(long step, float loss, float lr, double gradNorm) {}

    private final EquivariantGenerator model;
    private final TokenDataset data;
    private final TrainOptions opt;
    private final GeneratorTraining training;
    private final List<StepLog> history = new ArrayList<>();
    private long step;

    /** A fresh run, or a resumed one when {@code resume} is not null. */
    public GeneratorTrainer(EquivariantGenerator model, TokenDataset data, TrainOptions opt, Device device,
                            GeneratorCheckpoint.Loaded resume) {
        this.model = model;
        this.data = data;
        this.opt = opt;
        var cfg = model.cfg;
        if (data.channels() != cfg.tokenChannels()) {
            throw new IllegalArgumentException("tokens have " + data.channels() + " channels but the model expects "
                    + cfg.tokenChannels());
        }
        if (data.maxLabel() >= cfg.numClasses()) {
            throw new IllegalArgumentException("data has label " + data.maxLabel() + " but the model has "
                    + cfg.numClasses() + " classes");
        }
        if (resume != null) {
            model.params.load(resume.tensors(), "model.", resume.file().toString());
        }
        this.training = model.training(device, opt.batch(), data.length(),
                new GeneratorTraining.Recipe(opt.weightDecay(), opt.gradClip(), opt.emaRate()));
        if (resume != null) {
            training.restore(resume.tensors(), resume.step(), resume.file().toString());
            this.step = resume.step();
        }
    }

    public long step() {
        return step;
    }

    public List<StepLog> history() {
        return history;
    }

    private static final long RECIPE_STREAM = 0x632BE59BD9B4E019L;

    /**
     * The batch of step s: a pure function of (seed, s). Each sequence is a random view plus a fresh
     * posterior sample as {@link TokenDataset#trainingSequence} makes it (the authors' recipe).
     */
    public TrainingPass.Batch batch(long s) {
        var cfg = model.cfg;
        int b = opt.batch(), l = data.length(), c = data.channels(), n = data.size();
        int rows = cfg.diffusionBatchMul() * b * l;
        SplittableRandom r = new SplittableRandom(opt.seed() * 0x9E3779B97F4A7C15L + s);
        // the data recipe (view, posterior noise) draws from its own stream, so the other draws do not depend on it
        SplittableRandom recipe = new SplittableRandom(opt.seed() * 0x9E3779B97F4A7C15L + s + RECIPE_STREAM);
        float[] tokens = new float[b * l * c];
        int[] labels = new int[b], drop = new int[b];
        for (int j = 0; j < b; j++) {
            long k = s * b + j;
            int idx = permutation((int) (k / n), n)[(int) (k % n)];
            data.trainingSequence(idx, tokens, j * l * c, recipe);
            labels[j] = data.label(idx);
            drop[j] = r.nextDouble() < cfg.labelDropProb() ? 1 : 0;
        }
        int shift = r.nextInt(cfg.shiftRange());
        float[] t = new float[rows];
        for (int i = 0; i < rows; i++) {
            t[i] = (float) r.nextDouble();
        }
        float[] noise = new float[rows * c];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) r.nextGaussian();
        }
        return new TrainingPass.Batch(tokens, labels, drop, shift, noise, t, r.nextInt());
    }

    private int[] cachedPerm;
    private int cachedEpoch = -1;

    /** The data order of an epoch: a seeded shuffle. */
    private int[] permutation(int epoch, int n) {
        if (epoch != cachedEpoch) {
            int[] p = new int[n];
            for (int i = 0; i < n; i++) {
                p[i] = i;
            }
            SplittableRandom r = new SplittableRandom(opt.seed() * 31 + epoch);
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int tmp = p[i];
                p[i] = p[j];
                p[j] = tmp;
            }
            cachedPerm = p;
            cachedEpoch = epoch;
        }
        return cachedPerm;
    }

    /** One optimisation step; returns its log. */
    public StepLog trainStep() {
        float lr = opt.lr(step);
        GeneratorTraining.Result r = training.step(batch(step), lr);
        StepLog sl = new StepLog(step, r.loss(), lr, r.gradNorm());
        history.add(sl);
        step++;
        return sl;
    }

    /**
     * Trains until {@code opt.steps()}, logging, appending to {@code loss.csv} and checkpointing in
     * {@code opt.outDir()}. {@code onStep} sees each finished step (progress bars). A resumed run's
     * {@code loss.csv} keeps the rows before its first step and gets its own appended (each step
     * once, see {@link RunDirectory#trimLossLog}); the rows are on disk whenever a checkpoint is.
     */
    public void run(LongConsumer onStep) throws IOException {
        Files.createDirectories(opt.outDir());
        Path csv = opt.outDir().resolve(LOSS_LOG);
        RunDirectory.trimLossLog(csv, step, "step,loss,lr,grad_norm");
        long t0 = System.nanoTime(), tokensSeen = 0;
        try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND)) {
            while (step < opt.steps()) {
                StepLog sl = trainStep();
                tokensSeen += (long) opt.batch() * data.length();
                w.write(sl.step() + "," + sl.loss() + "," + sl.lr() + "," + sl.gradNorm() + "\n");
                if (step % opt.logEvery() == 0 || step == opt.steps()) {
                    double secs = (System.nanoTime() - t0) / 1e9;
                    log.info(String.format("step %d/%d  loss %.4f  lr %.2e  grad-norm %.3f  %.0f tokens/s", step,
                            opt.steps(), sl.loss(), sl.lr(), sl.gradNorm(), tokensSeen / secs));
                    w.flush();
                }
                if (step % opt.checkpointEvery() == 0 || step == opt.steps()) {
                    w.flush();
                    saveCheckpoint(opt.outDir().resolve(CHECKPOINT));
                }
                if (onStep != null) {
                    onStep.accept(step);
                }
            }
        }
    }

    /** Model, EMA, optimiser moments, step and options, written atomically. */
    public void saveCheckpoint(Path file) throws IOException {
        Map<String, Tensor> optimizer = training.optimizerState();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", Long.toString(step));
        meta.put("train.batch", "" + opt.batch());
        meta.put("train.steps", "" + opt.steps());
        meta.put("train.blr", "" + opt.blr());
        meta.put("train.lr", "" + opt.peakLr());
        meta.put("train.seed", "" + opt.seed());
        meta.put("train.schedule", opt.schedule());
        meta.put("train.ema", "" + opt.emaRate());
        meta.putAll(data.checkpointMetadata());
        GeneratorCheckpoint.save(file, model, optimizer, meta);
        log.debug("checkpoint {} at step {}", file, step);
    }

    @Override
    public void close() {
        training.close();
    }
}
