package eim.bench;

import eim.tasks.DataTransferMode;
import eim.tasks.Device;
import eim.tasks.Devices;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import eim.tasks.TaskGraph;
import java.util.SplittableRandom;

/**
 * Kernel graphs bound to one backend, ready to time. Inputs are sent once (FIRST_EXECUTION) and
 * results stay on the device, so a timed call is the kernels alone plus one sync; setup runs every
 * graph once so OpenCL compilation and the first transfers happen before timing.
 */
final class KernelRig implements AutoCloseable {
    private final Device device;
    private final ExecutionPlan plan;

    KernelRig(String backend, TaskGraph... graphs) {
        this.device = open(backend);
        this.plan = new ExecutionPlan(device, graphs);
        plan.execute();
        plan.sync();
    }

    /** "java" (all cores) or "tornado" (TornadoVM's first device: PoCL's CPU device here). */
    static Device open(String backend) {
        return switch (backend) {
            case "java" -> Devices.open("java");
            case "tornado" -> Devices.open("tornado:0");
            default -> throw new IllegalArgumentException("benchmark backend must be java or tornado, got " + backend);
        };
    }

    /** Runs one graph and waits for the device. */
    void run(String graph) {
        plan.execute(graph);
        plan.sync();
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
