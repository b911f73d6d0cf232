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
 * Runs single kernels on a device and compares results: the parity (OpenCL vs Java), finite
 * difference and golden tests of every kernel are built from these.
 */
public final class KernelHarness {
    /** Relative tolerance for OpenCL twins against their Java kernels. */
    public static final double PARITY_TOL = 1e-5;

    private static Device openCl;

    private KernelHarness() {}

    /**
     * The OpenCL device used by parity tests (opencl:0). In CI (env CI set) a missing platform
     * fails the test, since CI installs PoCL; on a developer machine without one the test is
     * skipped.
     */
    public static synchronized Device openCl() {
        if (openCl == null) {
            boolean ok = Devices.openClAvailable();
            if (!ok && System.getenv("CI") != null) {
                fail("CI must have an OpenCL platform (PoCL): none found");
            }
            Assumptions.assumeTrue(ok, "no OpenCL platform on this machine");
            openCl = Devices.open("opencl:0");
        }
        return openCl;
    }

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
        g.add(new Task("test." + kernel.name(), kernel, range, null, args));
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

    /** Runs a sequence of tasks (fresh copies of its arrays) on both backends and compares every array. */
    public static void assertParity(Kernel kernel, int[] range, Object... args) {
        Object[] j = copy(args);
        Object[] c = copy(args);
        run(java(), kernel, range, j);
        run(openCl(), kernel, range, c);
        for (int i = 0; i < args.length; i++) {
            if (j[i] instanceof FloatArray fj) {
                assertClose(kernel.name() + " arg " + i + " (" + fj.name() + ")", fj.array(),
                        ((FloatArray) c[i]).array(), PARITY_TOL);
            } else if (j[i] instanceof IntArray ij) {
                int[] a = ij.array();
                int[] b = ((IntArray) c[i]).array();
                for (int k = 0; k < a.length; k++) {
                    if (a[k] != b[k]) {
                        fail(kernel.name() + " int arg " + i + "[" + k + "]: java " + a[k] + " opencl " + b[k]);
                    }
                }
            }
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

    public static List<Device> devices() {
        List<Device> out = new ArrayList<>();
        out.add(java());
        if (Devices.openClAvailable()) {
            out.add(openCl());
        }
        return out;
    }
}
