package eim.tasks.backend;

import eim.tasks.Device;
import eim.tasks.DeviceInfo;
import eim.tasks.Invoker;
import eim.tasks.Task;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

/**
 * The {@code tornado} backend: each of our task graphs becomes one TornadoVM {@code TaskGraph}
 * of the kernels' portable bodies, JIT-compiled by TornadoVM for its device (OpenCL C here; PTX
 * or SPIR-V with those drivers) and kept in a {@code TornadoExecutionPlan} built once and reused
 * at every execution. Inside a graph, activations pass from task to task on the device.
 *
 * <p>The plan's resident arrays (declared {@code FIRST_EXECUTION}: a sampler's or tokenizer's
 * weights, the optimiser's moments and EMA; or graph-local: the activations and scratch that one
 * graph alone uses) are sent once, at the first execution of the graph, and stay on the device:
 * they come back only when the plan asks ({@code UNDER_DEMAND}), and a host change announced with
 * {@code plan.transferToDevice} rebuilds the graphs that hold them. For every other array (host
 * inputs and outputs, arrays several graphs share) the host is the point of coherence between
 * graphs: a graph copies it in at each execution and back after it, so any order of graphs and any
 * sharing between plans is correct. Keeping the shared ones resident too with TornadoVM's
 * persist/consume works for any graph order only if every graph carries every shared array, which
 * a training plan's thousands of arrays exceed (TornadoVM's graphs hold at most 1024 nodes); see
 * KERNELS.md.
 *
 * <p>TornadoVM drops the host-to-device copy of an array that a graph's kernels only write (then
 * unwritten elements come back as garbage), so each graph starts with {@link Keep} tasks: reads
 * the compiler cannot remove, which make the copy happen.
 */
public final class TornadoDevice implements Device {
    private static final AtomicLong GRAPH_IDS = new AtomicLong();

    private final uk.ac.manchester.tornado.api.common.TornadoDevice device;
    private final DeviceInfo info;
    /** Each of our graphs, once run: its TornadoVM plans, in order (one unless the graph is long). */
    private final Map<eim.tasks.TaskGraph, List<Part>> plans = new IdentityHashMap<>();
    /** Each resident host array -> the part that last ran with it (whose device copy is newest). */
    private final Map<Object, Part> newest = new IdentityHashMap<>();

    /** One TornadoVM plan, the kernels it runs (for error messages), its resident arrays, its last result. */
    private static final class Part {
        final TornadoExecutionPlan plan;
        final List<String> kernels;
        final List<Object> resident;
        TornadoExecutionResult last;

        Part(TornadoExecutionPlan plan, List<String> kernels, List<Object> resident) {
            this.plan = plan;
            this.kernels = kernels;
            this.resident = resident;
        }
    }

    private TornadoDevice(uk.ac.manchester.tornado.api.common.TornadoDevice d, String id) {
        this.device = d;
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
            OpenClDrivers.requireDriverFor("tornado");
        } catch (IllegalStateException e) {
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
        OpenClDrivers.requireDriverFor("tornado:" + index); // one clear line instead of TornadoVM's start-up failure
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

    /**
     * TornadoVM compiles a graph into fixed-size structures (at most 256 tasks, 1024 graph nodes, a
     * bytecode buffer we enlarge with -Dtornado.tvm.maxbytecodesize): longer graphs of ours (zeroing
     * every gradient, the optimiser over every parameter) run as consecutive TornadoVM graphs of at
     * most this many tasks and {@link #MAX_ARRAYS_PER_PART} arrays.
     */
    static final int MAX_TASKS_PER_PART = 64;
    static final int MAX_ARRAYS_PER_PART = 96;

    @Override
    public void execute(eim.tasks.TaskGraph graph) {
        execute(graph, Set.of());
    }

    @Override
    public synchronized void execute(eim.tasks.TaskGraph graph, Set<Object> resident) {
        if (graph.tasks().isEmpty()) {
            return; // transfers only: the host arrays already are the coherent copy
        }
        for (Part p : plans.computeIfAbsent(graph, g -> compile(g, resident))) {
            try {
                p.last = p.plan.execute();
            } catch (RuntimeException | Error e) {
                throw new IllegalStateException("TornadoVM failed on graph " + graph.name() + " (kernels " + p.kernels
                        + "): " + e.getMessage(), e);
            }
            p.resident.forEach(a -> newest.put(a, p));
        }
    }

    @Override
    public synchronized void transferToHost(List<Object> hostArrays) {
        for (Object a : hostArrays) {
            Part p = newest.get(a);
            if (p != null && p.last != null) {
                p.last.transferToHost(a);
            }
        }
    }

    /**
     * TornadoVM sends a FIRST_EXECUTION array once per plan, so a graph holding a changed array is
     * rebuilt (and recompiled) at its next execution; its other resident arrays come home first.
     */
    @Override
    public synchronized void transferToDevice(List<Object> hostArrays) {
        Set<Object> changed = Collections.newSetFromMap(new IdentityHashMap<>());
        changed.addAll(hostArrays);
        List<eim.tasks.TaskGraph> stale = new ArrayList<>();
        plans.forEach((g, parts) -> {
            if (parts.stream().anyMatch(p -> p.resident.stream().anyMatch(changed::contains))) {
                stale.add(g);
            }
        });
        for (eim.tasks.TaskGraph g : stale) {
            for (Part p : plans.remove(g)) {
                for (Object a : p.resident) {
                    if (!changed.contains(a) && newest.get(a) == p && p.last != null) {
                        p.last.transferToHost(a);
                    }
                    newest.remove(a, p);
                }
                closeQuietly(p);
            }
        }
        changed.forEach(newest::remove);
    }

    /**
     * Our graph as TornadoVM graphs (one, unless it is long): keep-reads, the portable bodies, arrays
     * in and out. A resident array that two parts of one graph share goes through the host like the
     * others (the first part may write it).
     */
    private List<Part> compile(eim.tasks.TaskGraph graph, Set<Object> resident) {
        String base = "g" + GRAPH_IDS.incrementAndGet() + "_" + graph.name().replaceAll("[^A-Za-z0-9_]", "_");
        List<Part> parts = new ArrayList<>();
        List<Task> tasks = graph.tasks();
        List<List<Object[]>> bounds = new ArrayList<>();
        List<Map<Object, Boolean>> arraySets = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        int start = 0;
        while (start < tasks.size()) {
            Map<Object, Boolean> arrays = new LinkedHashMap<>(); // host array -> is float
            List<Object[]> bound = new ArrayList<>();
            int end = start;
            while (end < tasks.size() && end - start < MAX_TASKS_PER_PART) {
                Object[] a = tasks.get(end).boundArgs();
                Map<Object, Boolean> more = new LinkedHashMap<>(arrays);
                for (int i = 2; i < a.length; i++) {
                    if (a[i] instanceof float[] || a[i] instanceof int[]) {
                        more.putIfAbsent(a[i], a[i] instanceof float[]);
                    }
                }
                if (end > start && more.size() > MAX_ARRAYS_PER_PART) {
                    break;
                }
                arrays = more;
                bound.add(a);
                end++;
            }
            bounds.add(bound);
            arraySets.add(arrays);
            starts.add(start);
            start = end;
        }
        Map<Object, Integer> partsUsing = new IdentityHashMap<>();
        arraySets.forEach(set -> set.keySet().forEach(a -> partsUsing.merge(a, 1, Integer::sum)));
        for (int i = 0; i < bounds.size(); i++) {
            int from = starts.get(i), to = i + 1 < starts.size() ? starts.get(i + 1) : tasks.size();
            List<Task> part = tasks.subList(from, to);
            List<Object> kept = arraySets.get(i).keySet().stream()
                    .filter(a -> resident.contains(a) && partsUsing.get(a) == 1).toList();
            parts.add(new Part(compilePart(base + "_" + i, part, bounds.get(i), arraySets.get(i), kept),
                    part.stream().map(t -> t.kernel().name()).toList(), kept));
        }
        return parts;
    }

    private TornadoExecutionPlan compilePart(String name, List<Task> tasks, List<Object[]> bound, Map<Object, Boolean> arrays,
                                             List<Object> resident) {
        TaskGraph tg = new TaskGraph(name);
        Set<Object> once = Collections.newSetFromMap(new IdentityHashMap<>());
        once.addAll(resident);
        Object[] every = arrays.keySet().stream().filter(a -> !once.contains(a)).toArray();
        if (!resident.isEmpty()) {
            tg.transferToDevice(DataTransferMode.FIRST_EXECUTION, resident.toArray());
        }
        if (every.length > 0) {
            tg.transferToDevice(DataTransferMode.EVERY_EXECUTION, every);
        }
        List<float[]> floats = new ArrayList<>();
        List<int[]> ints = new ArrayList<>();
        arrays.forEach((a, isFloat) -> {
            if (isFloat) {
                floats.add((float[]) a);
            } else {
                ints.add((int[]) a);
            }
        });
        Keep.addTasks(tg, floats, ints);
        for (int i = 0; i < bound.size(); i++) {
            String id = "t" + i + "_" + tasks.get(i).kernel().name().replaceAll("[^A-Za-z0-9_]", "_");
            Invoker.task(tg, id, tasks.get(i).kernel().portable(), bound.get(i));
        }
        if (every.length > 0) {
            tg.transferToHost(DataTransferMode.EVERY_EXECUTION, every);
        }
        if (!resident.isEmpty()) {
            tg.transferToHost(DataTransferMode.UNDER_DEMAND, resident.toArray());
        }
        TornadoExecutionPlan plan = new TornadoExecutionPlan(tg.snapshot());
        plan.withDevice(device);
        return plan;
    }

    /** Frees the TornadoVM plans of these graphs (their device buffers and compiled kernels). */
    @Override
    public synchronized void release(List<eim.tasks.TaskGraph> graphs) {
        for (eim.tasks.TaskGraph g : graphs) {
            List<Part> ps = plans.remove(g);
            if (ps != null) {
                for (Part p : ps) {
                    p.resident.forEach(a -> newest.remove(a, p));
                    closeQuietly(p);
                }
            }
        }
    }

    private static void closeQuietly(Part p) {
        try {
            p.plan.freeDeviceMemory();
            p.plan.close();
        } catch (Exception ignored) {
            // the plan's device memory is already gone
        }
    }

    @Override
    public synchronized void close() {
        plans.values().forEach(ps -> ps.forEach(TornadoDevice::closeQuietly));
        plans.clear();
        newest.clear();
    }
}
