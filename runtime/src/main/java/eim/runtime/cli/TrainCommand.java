package eim.runtime.cli;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorCheckpoint;
import eim.model.generator.GeneratorConfig;
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
        description = "Trains the generator on column tokens (safetensors with 'tokens' (N,L,C) and 'labels' (N)).")
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
    @Option(names = "--preset", defaultValue = "tiny", description = "tiny, small, S, B, L, H")
    String preset;
    @Option(names = "--classes", description = "class count (default: from the data)")
    Integer classes;
    @Option(names = "--window", description = "attention window ω (0 = full causal); default 3")
    Integer window;
    @Option(names = "--width", description = "override the preset's width") Integer width;
    @Option(names = "--depth", description = "override the preset's block count") Integer depth;
    @Option(names = "--heads", description = "override the preset's head count") Integer heads;
    @Option(names = "--head-width", description = "override the flow head width") Integer headWidth;
    @Option(names = "--head-depth", description = "override the flow head depth") Integer headDepth;
    @Option(names = "--buffer", description = "class buffer size S (default 16)") Integer buffer;
    @Option(names = "--label-drop", defaultValue = "0.1") float labelDrop;
    @Option(names = "--dropout", defaultValue = "0.1", description = "attention and projection dropout") float dropout;
    @Option(names = "--diffusion-batch-mul", defaultValue = "4") int mul;
    @Option(names = "--batch", defaultValue = "8") int batch;
    @Option(names = "--steps", defaultValue = "1000") long steps;
    @Option(names = "--lr", description = "peak learning rate after the warm-up (default " + DEFAULT_LR + ": the "
            + "authors' recipe at small batches gives a rate too small to train, see --blr)") Float lr;
    @Option(names = "--blr", description = "the authors' base learning rate, instead of --lr: lr = blr * batch / 256 "
            + "(their recipe: --blr 1e-4, meant for batches of thousands; at batch 16 it is 6.25e-6)") Float blr;
    @Option(names = "--warmup", defaultValue = "100", description = "warm-up steps") long warmup;
    @Option(names = "--schedule", defaultValue = "constant", description = "constant or cosine") String schedule;
    @Option(names = "--weight-decay", defaultValue = "0.02") float wd;
    @Option(names = "--grad-clip", defaultValue = "3.0") float clip;
    @Option(names = "--ema", defaultValue = "0.9999") float ema;
    @Option(names = "--seed", defaultValue = "1") long seed;
    @Option(names = "--log-every", defaultValue = "50") int logEvery;
    @Option(names = "--checkpoint-every", defaultValue = "500") int ckptEvery;
    @Option(names = "--resume", description = "continue from this generator checkpoint") Path resume;
    @Mixin DeviceOption device;

    @Override
    public Integer call() throws Exception {
        if (lr != null && blr != null) {
            System.err.println("error: --lr, --blr: give one of them (--blr sets lr = blr * batch / 256)");
            return 2;
        }
        for (Float v : new Float[] {lr, blr}) {
            if (v != null && !(v > 0 && Float.isFinite(v))) {
                System.err.println("error: " + (v == lr ? "--lr" : "--blr") + ": must be a positive number, got " + v);
                return 2;
            }
        }
        float baseLr = blr != null ? blr : (lr != null ? lr : DEFAULT_LR) * 256f / batch;
        TokenDataset ds = TokenDataset.load(data);
        GeneratorCheckpoint.Loaded from = resume == null ? null : GeneratorCheckpoint.load(resume);
        GeneratorConfig cfg = from != null ? from.config() : config(ds);
        EquivariantGenerator model = new EquivariantGenerator(cfg);
        if (from == null) {
            model.initialize(seed);
        }
        TrainOptions opt = new TrainOptions(batch, steps, baseLr, warmup, schedule, 0f, wd, clip, ema, seed, logEvery,
                ckptEvery, null);
        log.info("generator: {} parameters, {} blocks, width {}, window {}, {} sequences of {} tokens x {} channels",
                model.params.count(), cfg.depth(), cfg.width(), cfg.window(), ds.size(), ds.length(), ds.channels());
        Path dir = out != null ? out : resume != null ? resume.toAbsolutePath().getParent()
                : RunDirectory.fresh(RunDirectory.defaultRoot().resolve("generator"));
        try (RunDirectory run = RunDirectory.open(dir, GeneratorTrainer.CHECKPOINT, resume, force,
                "give --resume " + dir.resolve(GeneratorTrainer.CHECKPOINT), GeneratorTrainer.LOSS_LOG)) {
            System.out.println("run directory: " + dir + (from != null ? " (resuming at step " + from.step() + ")" : ""));
            try (Device dev = device.open();
                 GeneratorTrainer tr = new GeneratorTrainer(model, ds, opt.withOutDir(dir), dev, from);
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

    private GeneratorConfig config(TokenDataset ds) {
        GeneratorConfig p = GeneratorConfig.preset(preset);
        int nClasses = classes != null ? classes : ds.maxLabel() + 1;
        return new GeneratorConfig(ds.channels(), width != null ? width : p.width(), depth != null ? depth : p.depth(),
                heads != null ? heads : p.heads(), p.mlpRatio(), buffer != null ? buffer : p.bufferSize(),
                window != null ? window : p.window(), p.shiftRange(), nClasses, labelDrop, dropout, dropout,
                headWidth != null ? headWidth : p.headWidth(), headDepth != null ? headDepth : p.headDepth(), mul,
                ds.length(), p.ropeBase());
    }
}
