package eim.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The kernel benchmarks: runs the JMH benchmarks (1 fork, short iterations) on the java and tornado
 * backends, then scripts/bench_kernels.py for PyTorch's figures on the same shapes, and writes one
 * JSON array of records {benchmark, shape, backend, unit, ours, pytorch, higher_is_better,
 * steady_ms, first_execution_ms, date, machine} plus a markdown table with the ratio per shape. Also measures the Vector API FMA peak of the machine,
 * the yardstick for the Linear kernels.
 */
final class KernelBenchmarks {
    /** All kernel benchmark classes (GeneratorBench is not JMH). */
    static final String ALL = "eim\\.bench\\.(LinearBench|LinearBackwardBench|WindowedAttentionBench|LayerNormBench|Conv2dBench|SpatialAttentionBench)\\.";
    static final String JVM_FLAGS = "--add-modules=jdk.incubator.vector";

    record Options(String include, boolean quick, Path out, boolean pytorch, String python, Path script, String backend) {
        static Options parse(String[] args) {
            String include = ALL, backend = null;
            boolean quick = false, pytorch = true;
            Path out = null;
            String python = "/usr/bin/python3";
            Path script = Path.of("scripts", "bench_kernels.py");
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--include" -> include = value(args, ++i);
                    case "--quick" -> quick = true;
                    case "--out" -> out = Path.of(value(args, ++i));
                    case "--no-pytorch" -> pytorch = false;
                    case "--python" -> python = value(args, ++i);
                    case "--script" -> script = Path.of(value(args, ++i));
                    case "--backend" -> {
                        backend = value(args, ++i);
                        if (!backend.equals("java") && !backend.equals("tornado")) {
                            throw new IllegalArgumentException("kernels: --backend must be java or tornado, got " + backend);
                        }
                    }
                    default -> throw new IllegalArgumentException("kernels: unknown option " + args[i]);
                }
            }
            if (out == null) { // kernels-<date>.json, or -2, -3, ... when that day already has one
                String stem = "kernels-" + LocalDate.now();
                Path results = Path.of("benchmarks", "results");
                out = results.resolve(stem + ".json");
                for (int n = 2; Files.exists(out) || Files.exists(tableOf(out)); n++) {
                    out = results.resolve(stem + "-" + n + ".json");
                }
            } else if (Files.exists(out) || Files.exists(tableOf(out))) {
                throw new IllegalArgumentException("kernels: --out " + out + " (or its .md table) exists; results are "
                        + "not overwritten, choose another name");
            }
            Path dir = out.toAbsolutePath().getParent();
            if (Files.exists(dir) && !Files.isWritable(dir)) {
                throw new IllegalArgumentException("kernels: cannot write to " + dir + " (--out " + out + ")");
            }
            return new Options(include, quick, out, pytorch, python, script, backend);
        }

        private static String value(String[] args, int i) {
            if (i >= args.length) {
                throw new IllegalArgumentException("kernels: option " + args[i - 1] + " needs a value");
            }
            return args[i];
        }
    }

    /** One measured kernel: mean milliseconds per call from JMH. */
    record Measurement(String benchmark, String shape, String backend, double ms) {}

    /**
     * One line of the results file. {@code pytorch} is PyTorch with 2 threads (the reference);
     * {@code pytorch_1_thread} is the same op with 1 thread, measured right after it.
     */
    record Record(String benchmark, String shape, String backend, String unit, double ours, Double pytorch,
                  Double pytorch_1_thread, boolean higher_is_better, Double steady_ms, Double first_execution_ms,
                  String date, Map<String, Object> machine) {
    }

    private KernelBenchmarks() {}

    static void run(Options o) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        double peak = FmaPeak.measure(cores, 200, 1_000_000);
        System.err.printf(Locale.ROOT, "Vector API FMA peak, %d threads: %.1f GFLOP/s%n", cores, peak);

        Path firstRuns = Files.createTempFile("bench-first-runs", ".jsonl");
        List<Measurement> ours = runJmh(o, firstRuns);
        Map<String, Double> firstMs = readFirstRuns(firstRuns);
        Map<String, Double> peerSeconds = new LinkedHashMap<>();
        Map<String, Object> machine = new LinkedHashMap<>();
        if (o.pytorch()) {
            runPyTorch(o, ours, peerSeconds, machine);
        }
        machine.putIfAbsent("cpu", cpuModel());
        machine.putIfAbsent("cores", cores);
        machine.put("java", "Java " + Runtime.version() + ", Vector API " + jdk.incubator.vector.FloatVector.SPECIES_PREFERRED);
        machine.put("java_threads", cores);
        machine.put("fma_peak_gflops", Math.round(peak * 10) / 10.0);
        machine.putAll(MachineInfo.devices());

        String date = LocalDate.now().toString();
        List<Record> records = new ArrayList<>();
        records.add(new Record("fma_peak", cores + " threads", "java", "GFLOP/s", round(peak), null, null, true, null, null,
                date, machine));
        for (Measurement m : ours) {
            Metric metric = Metric.of(m.benchmark());
            String key = m.benchmark() + " " + m.shape();
            records.add(new Record(m.benchmark(), m.shape(), m.backend(), metric.unit(),
                    round(metric.value(m.shape(), m.ms() / 1e3)), peer(metric, m.shape(), peerSeconds.get(key)),
                    peer(metric, m.shape(), peerSeconds.get(key + " 1")), metric.higherIsBetter(), round(m.ms()),
                    firstMs.get(key + " " + m.backend()), date, machine));
        }
        Files.createDirectories(o.out().toAbsolutePath().getParent());
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeNulls().create();
        Files.writeString(o.out(), gson.toJson(records) + "\n");
        String table = table(records, peak);
        Path tableFile = tableOf(o.out());
        Files.writeString(tableFile, table);
        System.out.println(table);
        System.err.println("wrote " + o.out() + " and " + tableFile);
    }

    /** The markdown table written beside a results file. */
    static Path tableOf(Path out) {
        return Path.of(out.toString().replaceFirst("\\.json$", "") + ".md");
    }

    private static Double peer(Metric metric, String shape, Double seconds) {
        return seconds == null ? null : round(metric.value(shape, seconds));
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : v;
    }

    /** The first executions KernelRig logged: "benchmark shape backend" -> ms (the lowest when forks repeat). */
    private static Map<String, Double> readFirstRuns(Path file) throws IOException {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (line.isBlank()) {
                continue;
            }
            JsonObject r = JsonParser.parseString(line).getAsJsonObject();
            String key = r.get("benchmark").getAsString() + " " + r.get("shape").getAsString() + " "
                    + r.get("backend").getAsString();
            out.merge(key, round(r.get("first_ms").getAsDouble()), Math::min);
        }
        Files.deleteIfExists(file);
        return out;
    }

    private static List<Measurement> runJmh(Options o, Path firstRuns) throws Exception {
        String include = o.include().equals(ALL) ? ALL : "eim\\.bench\\..*(" + o.include() + ")";
        var builder = new OptionsBuilder();
        if (o.backend() != null) {
            builder.param("backend", o.backend());
        }
        var options = builder
                .include(include)
                .forks(1)
                .shouldFailOnError(true)
                .warmupIterations(o.quick() ? 1 : 2)
                .warmupTime(TimeValue.seconds(1))
                .measurementIterations(o.quick() ? 2 : 3)
                .measurementTime(TimeValue.seconds(1))
                .timeUnit(TimeUnit.MILLISECONDS)
                .jvmArgsAppend(JVM_FLAGS, "--enable-native-access=ALL-UNNAMED", "-Xmx4g",
                        "-Deim.bench.firstRunLog=" + firstRuns.toAbsolutePath(),
                        "-Deim.bench.tornadoDevice=" + System.getProperty("eim.bench.tornadoDevice", "tornado:0"))
                .build();
        Collection<RunResult> results = new Runner(options).run();
        List<Measurement> out = new ArrayList<>();
        for (RunResult r : results) {
            var params = r.getParams();
            String method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
            double score = r.getPrimaryResult().getScore();
            String unit = r.getPrimaryResult().getScoreUnit();
            if (!unit.equals("ms/op")) {
                throw new IllegalStateException(method + ": expected a score in ms/op, got " + unit);
            }
            out.add(new Measurement(method, params.getParam("shape"), params.getParam("backend"), score));
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no JMH benchmark matched " + include);
        }
        return out;
    }

    /** Runs scripts/bench_kernels.py on the measured (benchmark, shape) pairs; fills seconds and machine. */
    private static void runPyTorch(Options o, List<Measurement> ours, Map<String, Double> seconds,
                                   Map<String, Object> machine) throws IOException, InterruptedException {
        Set<String> keys = new LinkedHashSet<>();
        JsonArray spec = new JsonArray();
        for (Measurement m : ours) {
            if (keys.add(m.benchmark() + " " + m.shape())) {
                JsonObject item = new JsonObject();
                item.addProperty("benchmark", m.benchmark());
                item.addProperty("shape", m.shape());
                spec.add(item);
            }
        }
        Path specFile = Files.createTempFile("bench-spec", ".json"), outFile = Files.createTempFile("bench-torch", ".json");
        Files.writeString(specFile, spec.toString());
        Process p = new ProcessBuilder(o.python(), o.script().toString(), specFile.toString(), outFile.toString())
                .inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException(o.script() + " failed (exit " + p.exitValue() + "); rerun with "
                    + "--no-pytorch to skip the PyTorch figures");
        }
        JsonObject result = JsonParser.parseString(Files.readString(outFile)).getAsJsonObject();
        for (var e : result.getAsJsonArray("results")) {
            JsonObject r = e.getAsJsonObject();
            String key = r.get("benchmark").getAsString() + " " + r.get("shape").getAsString();
            seconds.put(key, r.get("seconds").getAsDouble());
            seconds.put(key + " 1", r.get("seconds_1_thread").getAsDouble());
        }
        JsonObject m = result.getAsJsonObject("machine");
        machine.put("cpu", m.get("cpu").getAsString());
        machine.put("cores", m.get("cores").getAsInt());
        machine.put("pytorch", "PyTorch " + m.get("torch").getAsString() + ", " + m.get("torch_threads").getAsInt() + " threads");
        machine.put("blas", m.get("blas").getAsString());
        machine.put("load_average_after_pytorch", new Gson().fromJson(m.get("load_average"), double[].class));
        Files.deleteIfExists(specFile);
        Files.deleteIfExists(outFile);
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            // fall through
        }
        return System.getProperty("os.arch");
    }

    /** Markdown: one row per record, with the speed ratio against PyTorch (> 1: ours is faster). */
    static String table(List<Record> records, double peak) {
        StringBuilder sb = new StringBuilder();
        sb.append("| benchmark | shape | backend | unit | ours | PyTorch 2 thr | ratio | PyTorch 1 thr | ratio vs 1 thr | % of FMA peak | ms/call | first call ms |\n");
        sb.append("|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Record r : records) {
            if (r.benchmark().equals("fma_peak")) {
                continue;
            }
            String ofPeak = r.unit().equals("GFLOP/s") ? String.format(Locale.ROOT, "%.0f%%", 100 * r.ours() / peak) : "";
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %.3g | %s | %s | %s | %s | %s | %s | %s |%n",
                    r.benchmark(), r.shape(), r.backend(), r.unit(), r.ours(), figure(r.pytorch()), ratio(r, r.pytorch()),
                    figure(r.pytorch_1_thread()), ratio(r, r.pytorch_1_thread()), ofPeak, figure(r.steady_ms()),
                    figure(r.first_execution_ms())));
        }
        sb.append(String.format(Locale.ROOT, "%nVector API FMA peak measured in the same run: %.1f GFLOP/s. "
                + "'first call': the graph's first execution (on tornado: TornadoVM's JIT compilation + one run), "
                + "'ms/call': JMH's steady state (on tornado: the graph's arrays copied in and out each call).%n", peak));
        return sb.toString();
    }

    private static String figure(Double v) {
        return v == null ? "—" : String.format(Locale.ROOT, "%.3g", v);
    }

    /** How many times faster ours is than the peer figure (> 1: ours is faster), whatever the unit's direction. */
    private static String ratio(Record r, Double peer) {
        if (peer == null) {
            return "—";
        }
        double x = r.higher_is_better() ? r.ours() / peer : peer / r.ours();
        return String.format(Locale.ROOT, "%.2fx", x);
    }

    /** How a benchmark's time per call becomes its reported figure. */
    record Metric(String unit, boolean higherIsBetter, Figure figure) {
        interface Figure {
            double of(int[] dims, double seconds);
        }

        double value(String shape, double seconds) {
            String[] parts = shape.split("x");
            int[] d = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                d[i] = Integer.parseInt(parts[i]);
            }
            return figure.of(d, seconds);
        }

        static Metric of(String benchmark) {
            return switch (benchmark) {
                // 2·M·N·K floating-point operations (shape MxNxK)
                case "linear_forward", "linear_backward_input", "linear_backward_weight" ->
                        new Metric("GFLOP/s", true, (d, s) -> 2.0 * d[0] * d[1] * d[2] / s / 1e9);
                // time per token (shape BxLxHxhd): flat in L means cost linear in L
                case "window_attention_forward" -> new Metric("us/token", false, (d, s) -> s * 1e6 / (d[0] * d[1]));
                // 2·B·Cout·Cin·K²·H·W (shape BxCinxCoutxHxWxK)
                case "conv2d_forward" -> new Metric("GFLOP/s", true,
                        (d, s) -> 2.0 * d[0] * d[1] * d[2] * d[5] * d[5] * d[3] * d[4] / s / 1e9);
                // qᵀk and P·vᵀ: 4·B·N²·C (shape BxCxN)
                case "spatial_attention_forward" -> new Metric("GFLOP/s", true,
                        (d, s) -> 4.0 * d[0] * d[2] * d[2] * d[1] / s / 1e9);
                // x read and y written once (shape rowsxD)
                case "layernorm_forward" -> new Metric("GB/s", true, (d, s) -> 8.0 * d[0] * d[1] / s / 1e9);
                default -> throw new IllegalArgumentException("no metric for benchmark " + benchmark);
            };
        }
    }
}
