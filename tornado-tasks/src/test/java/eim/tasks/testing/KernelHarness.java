package eim.tasks.testing;

import static org.junit.jupiter.api.Assertions.fail;

import eim.tasks.DataTransferMode;
import eim.tasks.Device;
import eim.tasks.DeviceArray;
import eim.tasks.Devices;
import eim.tasks.ExecutionPlan;
import eim.tasks.FloatArray;
import eim.tasks.IntArray;
import eim.tasks.Kernel;
import eim.tasks.Task;
import eim.tasks.TaskGraph;
import eim.tasks.backend.JavaDevice;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs single kernels on a device and compares results: the parity (every backend against the
 * portable body on the JVM), finite difference and golden tests of every kernel are built from
 * these.
 */
public final class KernelHarness {
    /** Tolerance of every backend against the portable body: max error / max |expected| per tensor. */
    public static final double PARITY_TOL = 1e-5;

    private static Device tornado;
    private static final JavaDevice PORTABLE = new JavaDevice(Runtime.getRuntime().availableProcessors(), true);

    /**
     * The TornadoVM device: tornado:0 (PoCL's CPU device here), or the one named by
     * {@code -Deim.test.tornadoDevice=tornado:N} (scripts/gpu-check.sh picks the GPU). In CI a
     * missing TornadoVM fails the test (CI installs it); on a developer machine without it the test
     * is skipped.
     */
    public static synchronized Device tornado() {
        if (tornado == null) {
            boolean ok = Devices.tornadoAvailable();
            if (!ok && System.getenv("CI") != null) {
                fail("CI must run with TornadoVM (TORNADOVM_HOME, tornado-argfile): "
                        + eim.tasks.backend.TornadoDevice.unavailableReason());
            }
            Assumptions.assumeTrue(ok, "TornadoVM is not loaded in this JVM");
            tornado = Devices.open(System.getProperty("eim.test.tornadoDevice", "tornado:0"));
        }
        return tornado;
    }

    /** The java backend running portable bodies only: the reference of every parity test. */
    public static Device javaPortable() {
        return PORTABLE;
    }

    private KernelHarness() {}

    private static final JavaDevice JAVA = new JavaDevice();

    public static Device java() {
        return JAVA;
    }

    /** Runs one task on {@code device}: every array goes down before and comes back after. */
    public static void run(Device device, Kernel kernel, int[] range, Object... args) {
        TaskGraph g = new TaskGraph("test");
        for (Object a : args) {
            if (a instanceof DeviceArray d) {
                g.transferToDevice(DataTransferMode.EVERY_EXECUTION, d);
            }
        }
        g.add(new Task("test." + kernel.name(), kernel, range, args));
        for (Object a : args) {
            if (a instanceof DeviceArray d) {
                g.transferToHost(DataTransferMode.EVERY_EXECUTION, d);
            }
        }
        try (ExecutionPlan p = new ExecutionPlan(device, g)) {
            p.execute();
            p.free();
        }
    }

    /**
     * Runs one task (fresh copies of its arrays) on the portable body on the JVM, the fast path of
     * the java backend and TornadoVM, and compares every array with the portable run, each tensor
     * relative to its own scale.
     */
    public static void assertParity(Kernel kernel, int[] range, Object... args) {
        if (kernel.portable() == null) {
            fail("kernel " + kernel.name() + " has no portable body");
        }
        Object[] ref = copy(args);
        run(javaPortable(), kernel, range, ref);
        for (Device d : List.of(java(), tornado())) {
            Object[] got = copy(args);
            run(d, kernel, range, got);
            compareAll(kernel.name() + " on " + d.name(), ref, got);
        }
    }

    private static void compareAll(String what, Object[] expected, Object[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] instanceof FloatArray fe) {
                assertCloseToScale(what + " arg " + i + " (" + fe.name() + ")", ((FloatArray) actual[i]).array(),
                        fe.array(), PARITY_TOL);
            } else if (expected[i] instanceof IntArray ie) {
                int[] a = ((IntArray) actual[i]).array();
                int[] b = ie.array();
                for (int k = 0; k < a.length; k++) {
                    if (a[k] != b[k]) {
                        fail(what + " int arg " + i + "[" + k + "]: " + a[k] + ", portable body " + b[k]);
                    }
                }
            }
        }
    }

    /**
     * max |a - b| <= tol * max |expected| over the whole tensor (its own scale, so a small tensor
     * is not excused by an absolute floor), reporting the worst element; NaN always fails.
     */
    public static void assertCloseToScale(String what, float[] actual, float[] expected, double tol) {
        if (actual.length != expected.length) {
            fail(what + ": length " + actual.length + " != expected " + expected.length);
        }
        double scale = 0, worst = 0;
        int at = -1;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < actual.length; i++) {
            double err = Math.abs((double) actual[i] - expected[i]);
            if (!(err <= worst)) {
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                at = i;
            }
        }
        if (worst > tol * scale) {
            fail(String.format("%s: element %d is %s, expected %s (error %.3g > %.1g x max|expected| %.3g)", what, at,
                    actual[at], expected[at], worst, tol, scale));
        }
    }

    /** Deep copy of the array arguments (scalars kept). */
    public static Object[] copy(Object[] args) {
        Object[] out = new Object[args.length];
        for (int i = 0; i < args.length; i++) {
            out[i] = switch (args[i]) {
                case FloatArray f -> new FloatArray(f.name(), f.array().clone());
                case IntArray n -> new IntArray(n.name(), n.array().clone());
                default -> args[i];
            };
        }
        return out;
    }

    /** |a-b| <= tol * max(1, |b|) elementwise, reporting the worst element. */
    public static void assertClose(String what, float[] actual, float[] expected, double tol) {
        if (actual.length != expected.length) {
            fail(what + ": length " + actual.length + " != expected " + expected.length);
        }
        double worst = 0;
        int at = -1;
        for (int i = 0; i < actual.length; i++) {
            double err = Math.abs((double) actual[i] - expected[i]) / Math.max(1.0, Math.abs(expected[i]));
            if (!(err <= worst)) { // catches NaN too
                worst = Double.isNaN(err) ? Double.POSITIVE_INFINITY : err;
                at = i;
            }
        }
        if (worst > tol) {
            fail(String.format("%s: element %d is %s, expected %s (relative error %.3g > %.1g)", what, at,
                    actual[at], expected[at], worst, tol));
        }
    }

    public static FloatArray randn(String name, int n, Random r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return new FloatArray(name, v);
    }

    public static FloatArray zeros(String name, int n) {
        return new FloatArray(name, n);
    }

    /**
     * Every backend a golden test runs on: java (fast paths), java (portable bodies), tornado. Tornado is
     * opened only when an iteration reaches it, so without TornadoVM a test checks both java backends
     * before it is skipped there (an eager list skipped the whole test before anything ran).
     */
    public static List<Device> devices() {
        return new java.util.AbstractList<>() {
            @Override
            public Device get(int i) {
                return switch (i) {
                    case 0 -> java();
                    case 1 -> javaPortable();
                    case 2 -> tornado();
                    default -> throw new IndexOutOfBoundsException(i);
                };
            }

            @Override
            public int size() {
                return 3;
            }
        };
    }
}
