package eim.bench;

import eim.model.generator.EquivariantGenerator;
import eim.model.generator.GeneratorConfig;
import eim.model.generator.GeneratorTraining;
import eim.model.generator.Sampler;
import eim.model.generator.TrainingPass;
import eim.tasks.Device;
import eim.tasks.Devices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * End-to-end generator timings (issue 3's targets), printed as JSON records
 * {benchmark, shape, unit, value}: one training step (forward + backward + AdamW) of tiny and
 * small at batch 8, 16 tokens of 16 channels, diffusion_batch_mul 4; sampling 4 images of 16
 * tokens with 25 flow steps and cfg 3; time per token at 16..1024 tokens with the incremental
 * sampler. scripts/bench_generator.sh pairs them with PyTorch's figures from the same run.
 *
 * <p>{@code traffic} (in {@code --only}) records, per training step and per sampled token, the
 * megabytes a device that keeps the plans' resident arrays copies between host and device (each
 * way), next to what it would copy if only FIRST_EXECUTION arrays stayed (before graph-local
 * arrays were kept on the device): counted from the plans ({@code ExecutionPlan.transfers}), so
 * the same on every device.
 *
 * <p>Usage: GeneratorBench [--device java] [--quick] [--only train_step,sample,sample_per_token,traffic]
 * [--presets tiny,small,s] [--sample-presets tiny,small] [--batch 8] [--out file.json]. A train step's shape is preset-bN when the
 * batch is not 8. -Deim.bench.trainSteps=N times at least N steps; -Deim.bench.warmupSeconds=S (10) and
 * -Deim.bench.timedSeconds=S (10) are the shortest untimed and timed spans of each measure;
 * -Deim.bench.verbose=true prints each call; -Deim.bench.paired=true lets scripts/bench_paired.py pace
 * the timed training steps against PyTorch's, one step of one side at a time ({@link Lockstep}).
 */
public final class GeneratorBench {
    record Result(String benchmark, String shape, String unit, double value) {}

    public static void main(String[] args) throws IOException {
        String device = "java";
        boolean quick = false;
        Path out = null;
        String only = "train_step,sample,sample_per_token";
        String presets = "tiny,small";
        String samplePresets = "tiny";
        int batch = 8;
        try {
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (!option.equals("--quick") && i + 1 >= args.length) {
                    throw new IllegalArgumentException("option " + option + " needs a value");
                }
                switch (option) {
                    case "--device" -> device = args[++i];
                    case "--quick" -> quick = true;
                    case "--out" -> out = Path.of(args[++i]);
                    case "--only" -> only = args[++i];
                    case "--presets" -> presets = args[++i];
                    case "--sample-presets" -> samplePresets = args[++i];
                    case "--batch" -> batch = positive("--batch", args[++i]);
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
            for (String preset : (presets + "," + samplePresets).split(",")) {
                config(preset); // an unknown preset is a usage error, before any work
            }
            if (Lockstep.enabled() && out == null) {
                throw new IllegalArgumentException("-Deim.bench.paired=true needs --out: stdout carries the lockstep protocol");
            }
            warmupSeconds = seconds("eim.bench.warmupSeconds", 10);
            timedSeconds = seconds("eim.bench.timedSeconds", 10);
        } catch (IllegalArgumentException e) {
            usage(e.getMessage());
        }
        quickRun = quick;
        List<Result> results = new ArrayList<>();
        try (Device dev = Devices.open(device)) {
            List<String> which = List.of(only.split(","));
            for (String preset : which.contains("train_step") ? List.of(presets.split(",")) : List.<String>of()) {
                boolean tiny = preset.equals("tiny");
                double[] t = trainStep(dev, preset, batch, quick ? 2 : tiny ? 12 : 4,
                        Integer.getInteger("eim.bench.trainSteps", quick ? 2 : tiny ? 10 : 5));
                String shape = batch == 8 ? preset : preset + "-b" + batch;
                results.add(new Result("train_step", shape, "ms", t[0]));
                results.add(new Result("train_step_first_call", shape, "ms", t[1]));
                double rss = peakResidentMb();
                if (rss > 0) { // the JVM's peak so far: this preset's when it is the run's first
                    results.add(new Result("train_step_peak_rss", shape, "MB", rss));
                }
                System.err.println(results.get(results.size() - 2) + " " + results.getLast());
            }
            for (String preset : which.contains("sample") ? List.of(samplePresets.split(",")) : List.<String>of()) {
                EquivariantGenerator model = randomizeHead(new EquivariantGenerator(config(preset)).initialize(1));
                double[] t = sampleMs(dev, model, 4, 16, quick ? 0 : 3, quick ? 1 : 5);
                results.add(new Result("sample", preset + "-16", "ms", t[0]));
                results.add(new Result("sample_first_call", preset + "-16", "ms", t[1]));
                System.err.println(results.get(results.size() - 2) + " " + results.getLast());
            }
            EquivariantGenerator tiny = which.contains("sample_per_token")
                    ? randomizeHead(new EquivariantGenerator(config("tiny")).initialize(1)) : null;
            if (which.contains("traffic")) {
                for (String preset : presets.split(",")) {
                    results.addAll(traffic(dev, preset));
                    results.subList(results.size() - 4, results.size()).forEach(System.err::println);
                }
            }
            if (tiny != null) {
                // warm the JIT up first (5 s of 64-token samples), as bench_generator.py warms its
                // model up: after one or two samples the first length's timed calls still ran code
                // the JIT had not finished compiling (16 tokens: 13.2, then 7.0 ms/token; 5.3 warm)
                long end = System.nanoTime() + (quick ? 1_000_000_000L : 5_000_000_000L);
                while (System.nanoTime() < end) {
                    sampleMs(dev, tiny, 1, 64, 0, 1);
                }
            }
            for (int len : !which.contains("sample_per_token") ? new int[0] : quick ? new int[] {16, 64} : new int[] {16, 64, 256, 1024}) {
                // one image, as bench_generator.py; the median of 3 calls where they are short
                double ms = sampleMs(dev, tiny, 1, len, 0, len <= 256 ? 3 : 1)[0];
                results.add(new Result("sample_per_token", "tiny-" + len, "ms/token", ms / len));
                System.err.println(results.getLast());
            }
        }
        StringBuilder sb = new StringBuilder("[\n");
        for (int i = 0; i < results.size(); i++) {
            Result r = results.get(i);
            String value = Double.isFinite(r.value()) ? String.format(Locale.ROOT, "%.4f", r.value()) : "null";
            sb.append(String.format(Locale.ROOT, "  {\"benchmark\": \"%s\", \"shape\": \"%s\", \"unit\": \"%s\", \"value\": %s}%s%n",
                    r.benchmark(), r.shape(), r.unit(), value, i + 1 < results.size() ? "," : ""));
        }
        sb.append("]\n");
        if (out != null) {
            Files.writeString(out, sb);
        } else {
            System.out.print(sb);
        }
    }

    /** Peak resident memory of this process in MB (VmHWM), or 0 where /proc is not there. */
    static double peakResidentMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** The preset at the benchmark's sizes: 16 tokens of 16 channels, 1000 classes, mul 4. */
    static GeneratorConfig config(String preset) {
        return GeneratorConfig.preset(preset).withTokenChannels(16).withSeqLen(16);
    }

    /** Zero-initialised head layers make sampling trivially cheap for nobody, but keep values non-degenerate. */
    static EquivariantGenerator randomizeHead(EquivariantGenerator m) {
        SplittableRandom r = new SplittableRandom(2);
        for (var p : m.params.all()) {
            if (p.name().contains("adaLN") || p.name().contains("final_layer.linear")) {
                float[] v = p.value().array();
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (r.nextGaussian() * 0.02);
                }
            }
        }
        return m;
    }

    /**
     * Median wall time of one training step in ms over at least {@code steps} steps and
     * {@link #timedNanos}, after the first step
     * (the plan's first execution: on tornado, TornadoVM's JIT compilation of every graph), whose
     * time is returned second, and at least {@code warmup} untimed steps, {@link #warmupNanos} long
     * (the JVM's JIT compiles the kernels' hot loops over the first seconds; a training run lasts
     * thousands of steps). With -Deim.bench.paired=true the timed steps are paced by a coordinator
     * instead ({@link Lockstep}).
     */
    static double[] trainStep(Device dev, String preset, int b, int warmup, int steps) {
        GeneratorConfig cfg = config(preset);
        EquivariantGenerator m = new EquivariantGenerator(cfg).initialize(1);
        int l = 16, c = 16, rows = cfg.diffusionBatchMul() * b * l;
        SplittableRandom r = new SplittableRandom(3);
        float[] tokens = new float[b * l * c], noise = new float[rows * c], t = new float[rows];
        for (int i = 0; i < tokens.length; i++) tokens[i] = (float) r.nextGaussian();
        for (int i = 0; i < noise.length; i++) noise[i] = (float) r.nextGaussian();
        for (int i = 0; i < rows; i++) t[i] = (float) r.nextDouble();
        int[] labels = new int[b];
        for (int i = 0; i < b; i++) labels[i] = r.nextInt(cfg.numClasses());
        TrainingPass.Batch batch = new TrainingPass.Batch(tokens, labels, new int[b], 3, noise, t, 7);
        List<Double> ms = new ArrayList<>();
        double first = 0;
        try (GeneratorTraining training = m.training(dev, b, l, new GeneratorTraining.Recipe(0.02f, 3f, 0.9999f))) {
            first = trainStepMs(training, batch, "first", 0);
            long warmupEnd = System.nanoTime() + warmupNanos(warmup);
            for (int i = 0; i < warmup || System.nanoTime() < warmupEnd; i++) {
                trainStepMs(training, batch, "warm-up", i);
            }
            if (Lockstep.enabled()) {
                while (Lockstep.next()) {
                    ms.add(trainStepMs(training, batch, "paired", ms.size()));
                    Lockstep.report(ms.getLast());
                }
            } else {
                long timedEnd = System.nanoTime() + timedNanos(warmup);
                for (int i = 0; i < steps || System.nanoTime() < timedEnd; i++) {
                    ms.add(trainStepMs(training, batch, "timed", i));
                }
            }
        }
        return new double[] {median(ms), first};
    }

    /** Wall time of one training step in ms; printed with -Deim.bench.verbose=true. */
    private static double trainStepMs(GeneratorTraining training, TrainingPass.Batch batch, String phase, int i) {
        long t0 = System.nanoTime();
        training.step(batch, 1e-4f);
        double stepMs = (System.nanoTime() - t0) / 1e6;
        if (Boolean.getBoolean("eim.bench.verbose")) {
            System.err.printf(Locale.ROOT, "train step (%s %d): %.1f ms%n", phase, i, stepMs);
        }
        return stepMs;
    }

    /**
     * MB carried each way per training step (batch 8) and per sampled token (4 images, cfg 3, 25
     * flow steps) of {@code preset}, with graph-local arrays resident and with them carried.
     */
    static List<Result> traffic(Device dev, String preset) {
        EquivariantGenerator m = new EquivariantGenerator(config(preset)).initialize(1);
        double[] train = {0, 0}, token = {0, 0};
        try (GeneratorTraining training = m.training(dev, 8, 16, new GeneratorTraining.Recipe(0.02f, 3f, 0.9999f))) {
            for (var g : training.pass().plan().transfers()) {
                train[0] += g.carriedBytes() / 1e6;
                train[1] += (g.carriedBytes() + g.localBytes()) / 1e6;
            }
        }
        int steps = 25;
        try (Sampler s = new Sampler(m, dev, Sampler.Mode.INCREMENTAL, 4, 16, 3f, steps)) {
            for (var g : s.plan().transfers()) {
                // per token: one token, condition and result execution, and one flow_step per Euler step
                int times = switch (g.graph()) {
                    case "token", "condition", "result" -> 1;
                    case "flow_step" -> steps;
                    default -> 0; // weights and prefill run once per sample
                };
                token[0] += times * g.carriedBytes() / 1e6;
                token[1] += times * (g.carriedBytes() + g.localBytes()) / 1e6;
            }
        }
        return List.of(new Result("traffic_per_train_step", preset, "MB", train[0]),
                new Result("traffic_per_train_step_all_carried", preset, "MB", train[1]),
                new Result("traffic_per_token", preset + "-4x16", "MB", token[0]),
                new Result("traffic_per_token_all_carried", preset + "-4x16", "MB", token[1]));
    }

    /** --quick: no warm-up time (a smoke run of the benchmark). */
    private static boolean quickRun;
    /** -Deim.bench.warmupSeconds and -Deim.bench.timedSeconds, checked in main. */
    private static double warmupSeconds = 10, timedSeconds = 10;

    private static int positive(String option, String value) {
        try {
            int v = Integer.parseInt(value);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(option + " must be a positive integer, got '" + value + "'");
    }

    /** System property {@code name} as a finite number of seconds >= 0, {@code fallback} when unset. */
    private static double seconds(String name, double fallback) {
        String value = System.getProperty(name);
        if (value == null) {
            return fallback;
        }
        try {
            double v = Double.parseDouble(value);
            if (v >= 0 && !Double.isInfinite(v)) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + name + " must be a number of seconds >= 0, got '" + value + "'");
    }

    private static void usage(String problem) {
        System.err.println("GeneratorBench: " + problem + "\nusage: GeneratorBench [--device java|tornado:N] [--quick] "
                + "[--presets tiny,small,s] [--sample-presets tiny,small] [--batch N] [--only train_step,sample,sample_per_token,traffic] [--out FILE]");
        System.exit(2);
    }

    /**
     * The shortest warm-up after the first call: the JIT keeps recompiling hot kernels for seconds
     * (tiny's step drifts from ~150 to ~120 ms over its first 30 steps, 4 s), so a fixed handful of
     * warm-up steps left the timed ones on the slope and the rounds 27% apart.
     * -Deim.bench.warmupSeconds=S (default 10; none with --quick or where no warm-up step is asked for).
     */
    static long warmupNanos(int warmupSteps) {
        return warmupSteps == 0 || quickRun ? 0 : (long) (warmupSeconds * 1e9);
    }

    /**
     * The shortest time a measure's timed calls span: this VM's speed moves in phases of seconds (one
     * JVM sampling tiny drifted between 166 and 266 ms in runs of 5-15 samples), so a median over a
     * few calls lasting a second depends on the phase it fell in (tiny's training step over 5 rounds:
     * 28% apart with 10 steps, 18% with 5 s of steps, 6% with 10 s). -Deim.bench.timedSeconds=S
     * (default 10; none with --quick or where no warm-up is asked for: the per-token lengths are
     * timed once).
     */
    static long timedNanos(int warmupSteps) {
        return warmupSteps == 0 || quickRun ? 0 : (long) (timedSeconds * 1e9);
    }

    /** The median, or NaN for no values (a paired run stopped before its first step). */
    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        return v[v.length / 2];
    }

    /**
     * Median ms to sample {@code batch} images of {@code len} tokens (25 steps, cfg 3) over at least
     * {@code reps} calls and {@link #timedNanos}, after the first (JIT compilation included, returned
     * second) and at least {@code warmup} untimed ones ({@link #warmupNanos}).
     */
    static double[] sampleMs(Device dev, EquivariantGenerator m, int batch, int len, int warmup, int reps) {
        int[] labels = new int[batch];
        for (int i = 0; i < batch; i++) labels[i] = i * 7 % m.cfg.numClasses();
        List<Double> ms = new ArrayList<>();
        double first;
        try (Sampler s = new Sampler(m, dev, Sampler.Mode.INCREMENTAL, batch, len, 3f, 25)) {
            long start = System.nanoTime();
            s.sample(labels, Sampler.NoiseSource.seeded(1), null); // warm-up (JVM JIT, TornadoVM compilation)
            first = (System.nanoTime() - start) / 1e6;
            long warmupEnd = System.nanoTime() + warmupNanos(warmup);
            for (int i = 0; i < warmup || System.nanoTime() < warmupEnd; i++) {
                long t0 = System.nanoTime();
                s.sample(labels, Sampler.NoiseSource.seeded(100 + i), null);
                if (Boolean.getBoolean("eim.bench.verbose")) {
                    System.err.printf(Locale.ROOT, "warm-up sample %d: %.1f ms%n", i, (System.nanoTime() - t0) / 1e6);
                }
            }
            long timedEnd = System.nanoTime() + timedNanos(warmup);
            for (int i = 0; i < reps || System.nanoTime() < timedEnd; i++) {
                long t0 = System.nanoTime();
                s.sample(labels, Sampler.NoiseSource.seeded(i), null);
                ms.add((System.nanoTime() - t0) / 1e6);
                if (Boolean.getBoolean("eim.bench.verbose")) {
                    System.err.printf(Locale.ROOT, "sample %d: %.1f ms%n", i, ms.get(i));
                }
            }
        }
        return new double[] {median(ms), first};
    }
}
