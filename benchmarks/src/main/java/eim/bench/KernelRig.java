package eim.bench;

import eim.tasks.DataTransferMode;
import eim.tasks.Device;
import eim.tasks.Devices;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import eim.tasks.TaskGraph;
import java.util.SplittableRandom;

/**
 * Kernel graphs bound to one backend, ready to time. Setup runs every graph once, so TornadoVM's
 * JIT compilation happens before timing; that first execution is timed apart and, when
 * {@code -Deim.bench.firstRunLog=FILE} is set, appended to FILE as one JSON line per graph
 * ({@code benchmark}, {@code shape}, {@code backend}, {@code first_ms}), which
 * {@link KernelBenchmarks} reports beside JMH's steady-state time. On tornado a timed call also
 * copies the graph's arrays in and out (see TornadoDevice).
 */
final class KernelRig implements AutoCloseable {
    private final Device device;
    private final ExecutionPlan plan;

    /** @param benchmarkPrefix with a graph's name, the benchmark method that times it (linear_ + forward) */
    KernelRig(String backend, String benchmarkPrefix, String shape, TaskGraph... graphs) {
        this.device = open(backend);
        this.plan = new ExecutionPlan(device, graphs);
        for (TaskGraph g : graphs) {
            long t0 = System.nanoTime();
            plan.execute(g.name());
            double ms = (System.nanoTime() - t0) / 1e6;
            logFirstRun(benchmarkPrefix + g.name(), shape, backend, ms);
        }
    }

    private static void logFirstRun(String benchmark, String shape, String backend, double ms) {
        String file = System.getProperty("eim.bench.firstRunLog");
        if (file == null) {
            return;
        }
        String line = String.format(java.util.Locale.ROOT,
                "{\"benchmark\":\"%s\",\"shape\":\"%s\",\"backend\":\"%s\",\"first_ms\":%.3f}%n", benchmark, shape,
                backend, ms);
        try {
            java.nio.file.Files.writeString(java.nio.file.Path.of(file), line, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot append to " + file, e);
        }
    }

    /**
     * "java" (all cores) or "tornado": TornadoVM's tornado:0 (PoCL's CPU device here) or the
     * device named by -Deim.bench.tornadoDevice=tornado:N (scripts/gpu-check.sh picks the GPU).
     */
    static Device open(String backend) {
        return switch (backend) {
            case "java" -> Devices.open("java");
            case "tornado" -> Devices.open(System.getProperty("eim.bench.tornadoDevice", "tornado:0"));
            default -> throw new IllegalArgumentException("benchmark backend must be java or tornado, got " + backend);
        };
    }

    /** Runs one graph (devices here return when it is done). */
    void run(String graph) {
        plan.execute(graph);
    }

    /** A graph whose inputs are sent on its first execution only. */
    static TaskGraph graph(String name, FloatArray... inputs) {
        return new TaskGraph(name).transferToDevice(DataTransferMode.FIRST_EXECUTION, inputs);
    }

    static FloatArray randn(String name, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new FloatArray(name, v);
    }

    /** The dimensions of a shape parameter such as "256x512x128", checked against the expected count. */
    static int[] dims(String shape, int count, String meaning) {
        String[] parts = shape.split("x");
        if (parts.length != count) {
            throw new IllegalArgumentException("shape '" + shape + "' must be " + meaning);
        }
        int[] d = new int[count];
        for (int i = 0; i < count; i++) {
            d[i] = Integer.parseInt(parts[i]);
        }
        return d;
    }

    @Override
    public void close() {
        plan.free();
        device.close();
    }
}
