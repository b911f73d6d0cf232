package eim.tasks.backend;

import eim.tasks.Device;
import eim.tasks.DeviceArray;
import eim.tasks.DeviceInfo;
import eim.tasks.Invoker;
import eim.tasks.KernelSignatures;
import eim.tasks.Task;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

/**
 * The {@code tornado} backend: each of our task graphs becomes one TornadoVM {@code TaskGraph}
 * of the kernels' portable bodies, JIT-compiled by TornadoVM for its device (OpenCL C here; PTX
 * or SPIR-V with those drivers) and kept in a {@code TornadoExecutionPlan} built once and reused
 * at every execution. Inside a graph, activations pass from task to task on the device.
 *
 * <p>Between graphs the host arrays are the point of coherence in this first version: a graph
 * copies every array it uses to the device at each execution and every array back after it. That
 * makes any order of graphs and any sharing between plans correct (training, samplers, the
 * tokenizer's networks and optimiser), at the cost of transfers at graph boundaries. Keeping
 * arrays resident across graphs needs TornadoVM's persist/consume chains, whose semantics (a
 * graph consumes from the graph run just before it) do not fit plans that run graphs in varying
 * orders; see KERNELS.md.
 *
 * <p>TornadoVM drops the host-to-device copy of an array that a graph's kernels only write (then
 * unwritten elements come back as garbage), so each graph starts with one {@link #keepFloats}
 * / {@link #keepInts} task per array: a read the compiler cannot remove, which makes the copy
 * happen.
 */
public final class TornadoDevice implements Device {
    private static final AtomicLong GRAPH_IDS = new AtomicLong();

    private final TornadoDevice0 device;
    private final DeviceInfo info;
    private final Map<eim.tasks.TaskGraph, TornadoExecutionPlan> plans = new IdentityHashMap<>();

    /** Thin holder so that the TornadoVM device type does not clash with this class's name. */
    private record TornadoDevice0(uk.ac.manchester.tornado.api.common.TornadoDevice device, String id) {}

    private TornadoDevice(uk.ac.manchester.tornado.api.common.TornadoDevice d, String id) {
        this.device = new TornadoDevice0(d, id);
        var phys = d.getPhysicalDevice();
        this.info = new DeviceInfo(id, "tornado", phys.getDeviceName().trim(), d.getPlatformName().trim(),
                d.getDeviceType().toString().replace("CL_DEVICE_TYPE_", ""), phys.getDeviceMaxComputeUnits(),
                phys.getDeviceGlobalMemorySize(), "TornadoVM " + d.getTornadoVMBackend() + " " + d.getDeviceOpenCLCVersion());
    }

    /** Whether the TornadoVM runtime is loaded in this JVM (started with its argfile). */
    public static boolean available() {
        if (System.getProperty("tornado.load.runtime.implementation") == null) {
            return false;
        }
        try {
            return !list().isEmpty();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }

    /** The one-line reason the tornado backend cannot start here. */
    public static String unavailableReason() {
        return "the tornado backend needs the TornadoVM SDK: set TORNADOVM_HOME and start Java with "
                + "@$TORNADOVM_HOME/tornado-argfile (scripts/eim does both; scripts/env.sh installs it)";
    }

    /** Every TornadoVM device, backend by backend, in TornadoVM's order: tornado:0, tornado:1, ... */
    public static List<uk.ac.manchester.tornado.api.common.TornadoDevice> list() {
        List<uk.ac.manchester.tornado.api.common.TornadoDevice> out = new ArrayList<>();
        var map = TornadoExecutionPlan.getTornadoDeviceMap();
        for (var backend : map.getAllBackends()) {
            for (int i = 0; i < backend.getNumDevices(); i++) {
                out.add(backend.getDevice(i));
            }
        }
        return out;
    }

    /** Opens {@code tornado:index}. */
    public static TornadoDevice open(int index) {
        if (System.getProperty("tornado.load.runtime.implementation") == null) {
            throw new IllegalStateException(unavailableReason());
        }
        List<uk.ac.manchester.tornado.api.common.TornadoDevice> all = list();
        if (all.isEmpty()) {
            throw new IllegalStateException("TornadoVM found no device (is an OpenCL driver installed? PoCL: apt-get install pocl-opencl-icd)");
        }
        if (index < 0 || index >= all.size()) {
            throw new IllegalArgumentException("no device tornado:" + index + ": this machine has tornado:0..tornado:" + (all.size() - 1));
        }
        return new TornadoDevice(all.get(index), "tornado:" + index);
    }

    @Override
    public DeviceInfo info() {
        return info;
    }

    @Override
    public boolean runsWholeGraphs() {
        return true;
    }

    @Override
    public synchronized void execute(eim.tasks.TaskGraph graph) {
        if (graph.tasks().isEmpty()) {
            return; // transfers only: the host arrays already are the coherent copy
        }
        plans.computeIfAbsent(graph, this::compile).execute();
    }

    /** Our graph as a TornadoVM graph: keep-reads, the portable bodies, every array in and out. */
    private TornadoExecutionPlan compile(eim.tasks.TaskGraph graph) {
        String name = "g" + GRAPH_IDS.incrementAndGet() + "_" + graph.name().replaceAll("[^A-Za-z0-9_]", "_");
        TaskGraph tg = new TaskGraph(name);
        Map<Object, Boolean> arrays = new LinkedHashMap<>(); // host array -> is float
        List<Object[]> bound = new ArrayList<>();
        for (Task t : graph.tasks()) {
            if (t.kernel().portable() == null) {
                throw new IllegalStateException("kernel " + t.kernel().name() + " has no portable body: the tornado "
                        + "backend cannot run task " + t.name());
            }
            Object[] a = KernelSignatures.bind(t);
            bound.add(a);
            for (int i = 2; i < a.length; i++) {
                if (a[i] instanceof float[] || a[i] instanceof int[]) {
                    arrays.putIfAbsent(a[i], a[i] instanceof float[]);
                }
            }
        }
        Object[] all = arrays.keySet().toArray();
        tg.transferToDevice(DataTransferMode.EVERY_EXECUTION, all);
        int k = 0;
        for (var e : arrays.entrySet()) {
            String id = "keep" + (k++);
            if (e.getValue()) {
                tg.task(id, TornadoDevice::keepFloats, (float[]) e.getKey());
            } else {
                tg.task(id, TornadoDevice::keepInts, (int[]) e.getKey());
            }
        }
        for (int i = 0; i < bound.size(); i++) {
            Task t = graph.tasks().get(i);
            String id = "t" + i + "_" + t.kernel().name().replaceAll("[^A-Za-z0-9_]", "_");
            Invoker.task(tg, id, t.kernel().portable(), bound.get(i));
        }
        tg.transferToHost(DataTransferMode.EVERY_EXECUTION, all);
        ImmutableTaskGraph itg = tg.snapshot();
        TornadoExecutionPlan plan = new TornadoExecutionPlan(itg);
        plan.withDevice(device.device());
        return plan;
    }

    /** Reads a[0] so the array is copied in; writes only a NaN back over itself (never a change). */
    public static void keepFloats(float[] a) {
        for (@Parallel int i = 0; i < 1; i++) {
            float v = a[0];
            if (v != v) {
                a[0] = v;
            }
        }
    }

    /** The int twin of {@link #keepFloats}. */
    public static void keepInts(int[] a) {
        for (@Parallel int i = 0; i < 1; i++) {
            int v = a[0];
            if (v == Integer.MIN_VALUE) {
                a[0] = v;
            }
        }
    }

    // Host arrays are the coherent copy between graphs: these are no-ops.
    @Override
    public void toDevice(DeviceArray a) {}

    @Override
    public void toHost(DeviceArray a) {}

    @Override
    public void allocate(DeviceArray a) {}

    @Override
    public void release(DeviceArray a) {}

    @Override
    public void sync() {}

    @Override
    public void launch(Task task) {
        eim.tasks.TaskGraph g = new eim.tasks.TaskGraph("launch").add(task);
        execute(g);
        forget(g);
    }

    private synchronized void forget(eim.tasks.TaskGraph g) {
        TornadoExecutionPlan p = plans.remove(g);
        if (p != null) {
            closeQuietly(p);
        }
    }

    /** Frees the TornadoVM plans of these graphs (their device buffers and compiled kernels). */
    @Override
    public synchronized void release(List<eim.tasks.TaskGraph> graphs) {
        for (eim.tasks.TaskGraph g : graphs) {
            forget(g);
        }
    }

    private static void closeQuietly(TornadoExecutionPlan p) {
        try {
            p.freeDeviceMemory();
            p.close();
        } catch (Exception ignored) {
            // the plan's device memory is already gone
        }
    }

    @Override
    public synchronized void close() {
        for (TornadoExecutionPlan p : plans.values()) {
            closeQuietly(p);
        }
        plans.clear();
    }
}
