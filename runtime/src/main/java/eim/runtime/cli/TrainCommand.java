package eim.runtime.cli;

import eim.model.generator.EquivariantGenerator;
import eim.model.io.GeneratorCheckpoint;
import eim.model.generator.GeneratorConfig;
import eim.model.generator.GeneratorTraining;
import eim.runtime.train.DistributedTraining;
import eim.runtime.train.GeneratorTrainer;
import eim.runtime.train.RunDirectory;
import eim.runtime.train.TokenDataset;
import eim.runtime.train.TrainOptions;
import eim.tasks.Device;
import eim.tasks.Devices;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Trains the generator on a token file ('tokens' (N,L,C), 'labels' (N), optional 'views'): every "
                + "batch takes a random view of each sequence and a fresh posterior sample, mean + s x eps, times vae_norm "
                + "(the authors' recipe).")
final class TrainCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(TrainCommand.class);

    /**
     * The default peak learning rate. Measured on the README's example (preset tiny, batch 16, a
     * tokenized 32-px scene set, 60 steps with a 20-step warm-up): 1e-3 takes the flow-matching loss
     * from 0.98 to 0.056; the authors' recipe at this batch (1e-4 x 16 / 256 = 6.25e-6) leaves it at
     * 0.98. The demo trains its generator at 1e-3 too.
     */
    static final float DEFAULT_LR = 1e-3f;

    @Option(names = "--data", required = true, description = "token file or folder of token files")
    Path data;
    @Option(names = "--out", description = "output folder (generator.safetensors, loss.csv); default: a fresh "
            + "out/generator/run-YYYYMMDD-HHMMSS, or with --resume the resumed checkpoint's folder. A folder holding "
            + "another run's generator.safetensors is refused unless --resume names that file or --force is given")
    Path out;
    @Option(names = "--force", description = "replace the generator.safetensors in --out that this run did not create")
    boolean force;
    @Option(names = "--preset", defaultValue = "tiny", description = "tiny, small, S, B, L, H (default ${DEFAULT-VALUE})")
    String preset;
    @Option(names = "--classes", description = "class count (default: from the data; 1 trains unlabelled tokens as one class)")
    Integer classes;
    @Option(names = "--posterior-std", description = "posterior noise std s of the authors' recipe, in latent units x vae_norm "
            + "(default: the token file's tokenizer std, else the authors' 2.5; 0 = train on the stored means)")
    Float posteriorStd;
    @Option(names = "--length", description = "train on the first N tokens of every sequence only (the zero-shot "
            + "experiment: trained on 8 of 16 positions, sampled at all 16); default: all of them")
    Integer length;
    @Option(names = "--loss-positions", defaultValue = "all", description = "the positions the loss covers: all, even, "
            + "odd, or positions and ranges such as 0-7,12; every token is still read as context (the zero-shot "
            + "experiment's 'every other position'; default ${DEFAULT-VALUE})")
    String lossPositions;
    @Option(names = "--shift-range", description = "RoPE positions of a training batch start at a random shift in [0, N) "
            + "(default: the preset's, 16); a larger range trains the rotations that positions far along an ultra-long "
            + "image meet")
    Integer shiftRange;
    @Option(names = "--window", description = "attention window ω (0 = full causal); default 3")
    Integer window;
    @Option(names = "--width", description = "transformer width (default: the preset's)") Integer width;
    @Option(names = "--depth", description = "transformer blocks (default: the preset's)") Integer depth;
    @Option(names = "--heads", description = "attention heads (default: the preset's)") Integer heads;
    @Option(names = "--head-width", description = "flow head width (default: the preset's)") Integer headWidth;
    @Option(names = "--head-depth", description = "flow head blocks (default: the preset's)") Integer headDepth;
    @Option(names = "--buffer", description = "class buffer size S (default 16)") Integer buffer;
    @Option(names = "--label-drop", defaultValue = "0.1", description = "share of sequences trained as the null class, for "
            + "guidance (default ${DEFAULT-VALUE}, the authors')") float labelDrop;
    @Option(names = "--dropout", defaultValue = "0.1", description = "attention and projection dropout (default ${DEFAULT-VALUE}, "
            + "the authors')") float dropout;
    @Option(names = "--diffusion-batch-mul", defaultValue = "4", description = "flow-matching draws (noise, t) per token "
            + "(default ${DEFAULT-VALUE}, the authors')") int mul;
    @Option(names = "--batch", defaultValue = "8", description = "sequences per step (default ${DEFAULT-VALUE})") int batch;
    @Option(names = "--steps", defaultValue = "1000", description = "optimizer steps in total (default ${DEFAULT-VALUE})") long steps;
    @Option(names = "--lr", description = "peak learning rate after the warm-up (default " + DEFAULT_LR + ": the "
            + "authors' recipe at small batches gives a rate too small to train, see --blr)") Float lr;
    @Option(names = "--blr", description = "the authors' base learning rate, instead of --lr: lr = blr * batch / 256 "
            + "(their recipe: --blr 1e-4, meant for batches of thousands; at batch 16 it is 6.25e-6); default: none, --lr sets the rate") Float blr;
    @Option(names = "--warmup", defaultValue = "100", description = "warm-up steps (default ${DEFAULT-VALUE})") long warmup;
    @Option(names = "--schedule", defaultValue = "constant", description = "constant or cosine (default ${DEFAULT-VALUE})") String schedule;
    @Option(names = "--weight-decay", defaultValue = "0.02", description = "AdamW weight decay (default ${DEFAULT-VALUE}, the "
            + "authors')") float wd;
    @Option(names = "--grad-clip", defaultValue = "3.0", description = "gradient-norm clipping threshold, 0 = off (default "
            + "${DEFAULT-VALUE}, the authors')") float clip;
    @Option(names = "--ema", defaultValue = "0.9999", description = "EMA rate of the sampling weights (default ${DEFAULT-VALUE}, "
            + "the authors')") float ema;
    @Mixin SeedOption seed = new SeedOption(1);
    @Option(names = "--log-every", defaultValue = "50", description = "steps between progress log lines (default ${DEFAULT-VALUE})") int logEvery;
    @Option(names = "--checkpoint-every", defaultValue = "500", description = "steps between checkpoints (default ${DEFAULT-VALUE})")
    int ckptEvery;
    @Option(names = "--resume", description = "continue from this generator checkpoint (default: a fresh model)") Path resume;
    @Mixin DeviceOption device;
    @Option(names = "--workers", defaultValue = "1", description = "data-parallel replicas, each computing the gradients "
            + "of batch/workers sequences of every step on its own --device; more than 1 trains on Apache Spark, "
            + "embedded in this process unless --master is given (default ${DEFAULT-VALUE}: no Spark)") int workers;
    @Option(names = "--master", paramLabel = "URL", description = "Spark master URL to train on, e.g. spark://host:7077 "
            + "(scripts/cluster.sh starts one); default: none, --workers > 1 runs Spark's local mode in this process")
    String master;

    @Override
    public Integer call() throws Exception {
        UsageError.check(lr == null || blr == null, "--lr, --blr: give one of them (--blr sets lr = blr * batch / 256)");
        UsageError.check(lr == null || (lr > 0 && Float.isFinite(lr)), "--lr: must be a positive number, got " + lr);
        UsageError.check(blr == null || (blr > 0 && Float.isFinite(blr)), "--blr: must be a positive number, got " + blr);
        float baseLr = blr != null ? blr : (lr != null ? lr : DEFAULT_LR) * 256f / batch;
        TrainOptions opt = UsageError.options(() -> new TrainOptions(batch, steps, baseLr, warmup, schedule, 0f, wd, clip, ema,
                seed.value, logEvery, ckptEvery, null));
        UsageError.check(shiftRange == null || shiftRange >= 1, "--shift-range: must be >= 1, got " + shiftRange);
        UsageError.check(workers >= 1, "--workers: must be >= 1, got " + workers);
        UsageError.check(workers <= batch, "--workers " + workers + ": more workers than --batch " + batch
                + " sequences; every worker needs at least one");
        TokenDataset ds = TokenDataset.load(data, classes);
        if (posteriorStd != null) {
            ds = ds.withPosteriorStd(posteriorStd);
        }
        if (length != null) {
            TokenDataset full = ds;
            ds = UsageError.option("--length", () -> full.withLength(length));
        }
        int seqLen = ds.length();
        boolean[] covered = UsageError.option("--loss-positions", () -> TrainOptions.parseLossPositions(lossPositions, seqLen));
        UsageError.check(covered == null || (workers == 1 && master == null),
                "--loss-positions: not supported with data-parallel training (--workers, --master) yet");
        GeneratorCheckpoint.Loaded from = resume == null ? null : GeneratorCheckpoint.load(resume);
        GeneratorConfig cfg = from != null ? from.config() : config(ds);
        EquivariantGenerator model = new EquivariantGenerator(cfg);
        if (from == null) {
            model.initialize(seed.value);
        }
        log.info("generator: {} parameters, {} blocks, width {}, window {}; data: {}", model.params.count(), cfg.depth(),
                cfg.width(), cfg.window(), ds.describe());
        Path dir = out != null ? out : resume != null ? resume.toAbsolutePath().getParent()
                : RunDirectory.fresh(RunDirectory.defaultRoot().resolve("generator"));
        eim.tasks.io.OutputPaths.requireWritableFolder(dir, 0);
        try (RunDirectory run = RunDirectory.open(dir, GeneratorTrainer.CHECKPOINT, resume, force,
                "give --resume " + dir.resolve(GeneratorTrainer.CHECKPOINT), GeneratorTrainer.LOSS_LOG)) {
            System.out.println("run directory: " + dir + (from != null ? " (resuming at step " + from.step() + ")" : ""));
            DistributedTraining engine = distributed();
            try (Device dev = device.open();
                 GeneratorTrainer tr = new GeneratorTrainer(model, ds, opt.withOutDir(dir).withLossPositions(covered), dev, from, engine == null ? null
                         : b -> engine.open(new DistributedTraining.Settings(workers, master, device.name, 1), model, b,
                                 new GeneratorTraining.Recipe(wd, clip, ema)));
                 eim.runtime.Progress pb = eim.runtime.Progress.start("train", steps, "step", tr.step())) {
                tr.run(pb::stepTo);
            }
        } catch (RunDirectory.Refused e) {
            System.err.println("error: " + e.getMessage());
            return e.exitCode();
        }
        System.out.println("checkpoint: " + dir.resolve(GeneratorTrainer.CHECKPOINT));
        return 0;
    }

    /** The data-parallel engine for --workers > 1 or --master, or null to train in this process alone. */
    private DistributedTraining distributed() {
        if (workers == 1 && master == null) {
            return null;
        }
        return java.util.ServiceLoader.load(DistributedTraining.class).findFirst().orElseThrow(() ->
                new IllegalStateException("--workers, --master: this eim has no distributed trainer; run it with "
                        + "the distributed module on the class path (scripts/eim does)"));
    }

    private GeneratorConfig config(TokenDataset ds) {
        GeneratorConfig p = UsageError.option("--preset", () -> GeneratorConfig.preset(preset));
        int nClasses = ds.numClasses();
        return new GeneratorConfig(ds.channels(), width != null ? width : p.width(), depth != null ? depth : p.depth(),
                heads != null ? heads : p.heads(), p.mlpRatio(), buffer != null ? buffer : p.bufferSize(),
                window != null ? window : p.window(), shiftRange != null ? shiftRange : p.shiftRange(), nClasses, labelDrop, dropout, dropout,
                headWidth != null ? headWidth : p.headWidth(), headDepth != null ? headDepth : p.headDepth(), mul,
                ds.length(), p.ropeBase());
    }
}
