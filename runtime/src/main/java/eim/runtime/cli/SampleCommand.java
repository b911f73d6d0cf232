package eim.runtime.cli;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorImport;
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
    @Mixin GeneratorCheckpointOption checkpoint;
    @Option(names = "--labels", split = ",", required = true, description = "class per image, e.g. 3,7 (-1 = unconditional)")
    int[] labels;
    @Option(names = "--count", defaultValue = "1", description = "images per label (default ${DEFAULT-VALUE})") int count;
    @Option(names = "--length", description = "tokens per image (default: training length); any length works")
    Integer length;
    @Option(names = "--cfg", defaultValue = "3.0", description = "guidance scale, 1 = none (default ${DEFAULT-VALUE})") float cfg;
    @Option(names = "--cfg-schedule", defaultValue = "linear", description = "guidance along the sequence: linear (the authors': "
            + "1 + (cfg-1)(i+1)/L at token i of L) or constant (cfg at every token) (default ${DEFAULT-VALUE})")
    String cfgSchedule;
    @Option(names = "--steps", defaultValue = "100", description = "Euler steps per token (default ${DEFAULT-VALUE})") int steps;
    @Mixin SeedOption seed;
    @Option(names = "--sampler", defaultValue = "incremental", description = "incremental or full (the authors' recompute) "
            + "(default ${DEFAULT-VALUE})") String sampler;
    @Mixin DeviceOption device;
    @Option(names = "--out", defaultValue = "out/samples.safetensors", description = "token file to write (default ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (count <= 0 || steps <= 0 || (length != null && length <= 0)) {
            throw new IllegalArgumentException("--count, --steps and --length must be > 0");
        }
        Sampler.Schedule schedule = Sampler.Schedule.parse(cfgSchedule);
        GeneratorImport.Loaded ck = checkpoint.load();
        EquivariantGenerator m = ck.model();
        int len = length != null ? length : m.cfg.seqLen();
        int[] all = new int[labels.length * count];
        for (int i = 0; i < all.length; i++) {
            all[i] = labels[i / count];
        }
        Sampler.Mode mode = switch (sampler) {
            case "incremental" -> Sampler.Mode.INCREMENTAL;
            case "full" -> Sampler.Mode.FULL_RECOMPUTE;
            default -> throw new IllegalArgumentException("--sampler must be incremental or full, got " + sampler);
        };
        float[] tokens;
        long t0 = System.nanoTime();
        try (Device dev = device.open();
             Sampler s = new Sampler(m, dev, mode, all.length, len, cfg, schedule, steps);
             eim.runtime.Progress pb = eim.runtime.Progress.start("sample", len, "token")) {
            tokens = s.sample(all, Sampler.NoiseSource.seeded(seed.value), (i, n) -> pb.stepTo(i + 1));
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        TokenDataset.save(out, tokens, all, len, m.cfg.tokenChannels(),
                Map.of("checkpoint", checkpoint.path.toString(), "cfg", "" + cfg, "cfg_schedule", schedule.label(), "steps",
                        "" + steps, "seed", "" + seed.value, "weights", ck.ema() ? "model_ema" : "model"));
        System.out.printf("wrote %s: %d sequences x %d tokens x %d channels in %.1f s (%.2f ms/token)%n", out, all.length,
                len, m.cfg.tokenChannels(), secs, secs * 1000 / len);
        return 0;
    }
}
