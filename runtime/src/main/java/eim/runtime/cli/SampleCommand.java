package eim.runtime.cli;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorCheckpoint;
import eim.model.generator.Sampler;
import eim.runtime.train.TokenDataset;
import eim.tasks.Device;
import eim.tasks.Devices;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Samples column-token sequences from a generator checkpoint (EMA weights by default) "
                + "and writes them as safetensors ('tokens' (N,L,C), 'labels' (N)).")
final class SampleCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true) Path checkpoint;
    @Option(names = "--labels", split = ",", required = true, description = "class per image, e.g. 3,7 (-1 = unconditional)")
    int[] labels;
    @Option(names = "--count", defaultValue = "1", description = "images per label") int count;
    @Option(names = "--length", description = "tokens per image (default: training length); any length works")
    Integer length;
    @Option(names = "--cfg", defaultValue = "3.0") float cfg;
    @Option(names = "--steps", defaultValue = "100", description = "Euler steps per token") int steps;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--sampler", defaultValue = "incremental", description = "incremental or full") String sampler;
    @Option(names = "--no-ema", description = "use the live weights instead of the EMA") boolean noEma;
    @Mixin DeviceOption device;
    @Option(names = "--out", defaultValue = "out/samples.safetensors") Path out;

    @Override
    public Integer call() throws Exception {
        UsageError.check(count > 0 && steps > 0 && (length == null || length > 0), "--count, --steps and --length must be > 0");
        UsageError.checkOption("--cfg", () -> Sampler.checkGuidance(cfg));
        Sampler.Mode mode = switch (sampler) {
            case "incremental" -> Sampler.Mode.INCREMENTAL;
            case "full" -> Sampler.Mode.FULL_RECOMPUTE;
            default -> throw new UsageError("--sampler must be incremental or full, got " + sampler);
        };
        eim.tasks.io.OutputPaths.requireWritableFile(out, 0);
        GeneratorCheckpoint.Loaded ck = GeneratorCheckpoint.load(checkpoint);
        EquivariantGenerator m = ck.model(!noEma);
        int len = length != null ? length : m.cfg.seqLen();
        int[] all = new int[labels.length * count];
        for (int i = 0; i < all.length; i++) {
            all[i] = labels[i / count];
        }
        eim.tasks.io.OutputPaths.requireWritableFile(out, 4L * all.length * len * m.cfg.tokenChannels()); // room, now known
        float[] tokens;
        long t0 = System.nanoTime();
        try (Device dev = device.open();
             Sampler s = new Sampler(m, dev, mode, all.length, len, cfg, steps);
             eim.runtime.Progress pb = eim.runtime.Progress.start("sample", len, "token")) {
            tokens = s.sample(all, Sampler.NoiseSource.seeded(seed), (i, n) -> pb.stepTo(i + 1));
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        TokenDataset.save(out, tokens, all, len, m.cfg.tokenChannels(),
                Map.of("checkpoint", checkpoint.toString(), "cfg", "" + cfg, "steps", "" + steps, "seed", "" + seed,
                        "weights", noEma || !ck.hasEma() ? "model" : "model_ema"));
        System.out.printf("wrote %s: %d sequences x %d tokens x %d channels in %.1f s (%.2f ms/token)%n", out, all.length,
                len, m.cfg.tokenChannels(), secs, secs * 1000 / len);
        return 0;
    }
}
