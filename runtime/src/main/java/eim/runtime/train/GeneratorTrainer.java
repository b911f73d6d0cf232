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
    private final Batches batches;
    private final Stepper stepper;
    private final List<StepLog> history = new ArrayList<>();
    private long step;

    /**
     * How the steps of a run are computed when not by the trainer's own {@link GeneratorTraining}
     * alone: data-parallel replicas ({@link DistributedTraining}) compute the gradients of the batch
     * of step s ({@link #batches}) and the stepper applies their combination to {@code training}, the
     * driver's copy of the model, which the trainer checkpoints.
     */
    public interface Stepper extends AutoCloseable {
        GeneratorTraining.Result step(GeneratorTraining training, long step, float lr);

        @Override
        void close();
    }

    /** A fresh run, or a resumed one when {@code resume} is not null. */
    public GeneratorTrainer(EquivariantGenerator model, TokenDataset data, TrainOptions opt, Device device,
                            GeneratorCheckpoint.Loaded resume) {
        this(model, data, opt, device, resume, null);
    }

    /**
     * A run whose steps {@code stepper} computes from {@link #batches()} (null: this trainer, on
     * {@code device}). With a stepper the trainer's own training pass holds one sequence: it only
     * applies the updates and writes the checkpoints. The stepper is closed with the trainer.
     */
    public GeneratorTrainer(EquivariantGenerator model, TokenDataset data, TrainOptions opt, Device device,
                            GeneratorCheckpoint.Loaded resume, java.util.function.Function<Batches, Stepper> stepper) {
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
        this.batches = new Batches(data, cfg, opt.batch(), opt.seed());
        if (resume != null) {
            model.params.load(resume.tensors(), "model.", resume.file().toString());
        }
        this.training = model.training(device, stepper == null ? opt.batch() : 1, data.length(),
                new GeneratorTraining.Recipe(opt.weightDecay(), opt.gradClip(), opt.emaRate()), opt.lossPositions());
        if (resume != null) {
            training.restore(resume.tensors(), resume.step(), resume.file().toString());
            this.step = resume.step();
        }
        this.stepper = stepper == null ? null : stepper.apply(batches);
    }

    /** The batches of this run (the same for every replica of a data-parallel run). */
    public Batches batches() {
        return batches;
    }

    public long step() {
        return step;
    }

    public List<StepLog> history() {
        return history;
    }

    /**
     * The batch of step s: a pure function of (seed, s), each sample's draws a function of its index
     * in the batch ({@link Batches}). Each sequence is a random view plus a fresh posterior sample as
     * {@link TokenDataset#trainingSequence} makes it (the authors' recipe).
     */
    public TrainingPass.Batch batch(long s) {
        return batches.batch(s);
    }

    /** One optimisation step; returns its log. */
    public StepLog trainStep() {
        float lr = opt.lr(step);
        GeneratorTraining.Result r = stepper == null ? training.step(batch(step), lr) : stepper.step(training, step, lr);
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
        try (training) {
            if (stepper != null) {
                stepper.close();
            }
        }
    }
}
