package eim.runtime.cli;

import eim.model.generator.GeneratorImport;
import eim.model.generator.Sampler;
import eim.model.io.TokenFile;
import eim.tasks.Device;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Samples column-token sequences from a generator checkpoint (ours or the authors' .ckpt; EMA weights "
                + "by default) and writes a token file ('tokens' (N,L,C) in the generator's scale, 'labels' (N), the "
                + "generator's vae_norm) that 'decode' turns into images.")
final class SampleCommand implements Callable<Integer> {
    @Mixin GeneratorCheckpointOption checkpoint;
    @Option(names = "--labels", split = ",", required = true, description = "class per image, e.g. 3,7 (-1 = unconditional)")
    int[] labels;
    @Option(names = "--count", defaultValue = "1", description = "images per label (default ${DEFAULT-VALUE})") int count;
    @Option(names = "--length", description = "tokens per image (default: training length); any length works")
    Integer length;
    @Mixin SamplingOptions sampling = new SamplingOptions(100, 3f);
    @Mixin SeedOption seed;
    @Option(names = "--sampler", defaultValue = "incremental", description = "incremental or full (the authors' recompute) "
            + "(default ${DEFAULT-VALUE})") String sampler;
    @Mixin DeviceOption device;
    @Option(names = "--out", defaultValue = "out/samples.safetensors", description = "token file to write (default ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        UsageError.check(count > 0 && (length == null || length > 0), "--count and --length must be > 0");
        Sampler.Schedule schedule = sampling.checkedSchedule();
        Sampler.Mode mode = switch (sampler) {
            case "incremental" -> Sampler.Mode.INCREMENTAL;
            case "full" -> Sampler.Mode.FULL_RECOMPUTE;
            default -> throw new UsageError("--sampler must be incremental or full, got " + sampler);
        };
        eim.tasks.io.OutputPaths.requireWritableFile(out, 0);
        GeneratorImport.Opened g = checkpoint.load();
        var m = g.model();
        int len = length != null ? length : m.cfg.seqLen();
        int[] all = new int[labels.length * count];
        for (int i = 0; i < all.length; i++) {
            all[i] = labels[i / count];
        }
        eim.tasks.io.OutputPaths.requireWritableFile(out, 4L * all.length * len * m.cfg.tokenChannels()); // room, now known
        float[] tokens;
        long t0 = System.nanoTime();
        try (Device dev = device.open();
             Sampler s = new Sampler(m, dev, mode, all.length, len, sampling.cfg, schedule, sampling.steps);
             eim.runtime.Progress pb = eim.runtime.Progress.start("sample", len, "token")) {
            tokens = s.sample(all, Sampler.NoiseSource.seeded(seed.value), (i, n) -> pb.stepTo(i + 1));
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("checkpoint", checkpoint.path.toString());
        provenance.put("cfg", "" + sampling.cfg);
        provenance.put("cfg_schedule", schedule.label());
        provenance.put("steps", "" + sampling.steps);
        provenance.put("seed", "" + seed.value);
        provenance.put("sampler", sampler);
        provenance.put("weights", g.ema() ? "model_ema" : "model");
        TokenFile tf = TokenFile.of(tokens, all.length, len, m.cfg.tokenChannels(), g.vaeNorm()).withProvenance(provenance);
        if (Arrays.stream(all).allMatch(l -> l >= 0)) {
            tf = tf.withLabels(all, g.classNames().size() == m.cfg.numClasses() ? g.classNames() : java.util.List.of());
        } else {
            // labels are class indices >= 0; the null class (-1) is recorded as what was asked for
            tf = tf.withProvenance(Map.of("sampled_labels", Arrays.stream(all).mapToObj(Integer::toString)
                    .collect(Collectors.joining(","))));
        }
        tf.write(out);
        System.out.printf("wrote %s: %d sequences x %d tokens x %d channels, vae_norm %s, in %.1f s (%.2f ms/token)%n", out,
                all.length, len, m.cfg.tokenChannels(), g.vaeNorm() != null ? g.vaeNorm() : "not recorded", secs,
                secs * 1000 / len);
        return 0;
    }
}
