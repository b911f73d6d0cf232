package eim.tasks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Graphs bound to one device, compiled once and executed many times (TornadoVM's
 * {@code TornadoExecutionPlan}): a model builds its plan when it is created and reuses it for every
 * training step or sampled token.
 *
 * <p>The plan's resident arrays, which a device may send once and keep ({@link #transferToHost}
 * and {@link #transferToDevice} move them on request), are
 * <ul>
 *   <li>the arrays any graph declares {@link DataTransferMode#FIRST_EXECUTION} (a sampler's
 *       weights, the optimiser's moments), and</li>
 *   <li>the <em>graph-local</em> arrays: used by the tasks of a single graph and named in no
 *       transfer of the plan (the activations inside a block, the flow head's scratch, a decoding
 *       block's state). Their data stays where the graph's kernels run; the host reads one only
 *       after {@code transferToHost}, and a change it makes reaches the device only through
 *       {@code transferToDevice}.</li>
 * </ul>
 * Every other array (declared EVERY_EXECUTION, or shared by several graphs) is carried through the
 * host at each graph boundary. With {@code -Deim.checkTransfers=true} (on in the tests) every
 * execution on the java backend checks the rules (see {@link DataTransferMode#FIRST_EXECUTION});
 * {@link #transferReport} shows what moves.
 */
public final class ExecutionPlan implements AutoCloseable {
    private final Device device;
    private final Map<String, TaskGraph> graphs = new LinkedHashMap<>();
    /** Host arrays of the FIRST_EXECUTION declarations (identity set). */
    private final Set<Object> sentOnce = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Host arrays that a single graph uses and no transfer names (identity set). */
    private final Set<Object> local = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Constants bound as one-element arrays (an Integer where a body takes int[]): never change. */
    private final Set<Object> constants = Collections.newSetFromMap(new IdentityHashMap<>());
    /** All three: what a device may keep resident (identity set). */
    private final Set<Object> resident = Collections.newSetFromMap(new IdentityHashMap<>());
    private final TransferCheck check;

    public ExecutionPlan(Device device, TaskGraph... graphs) {
        this(device, List.of(graphs));
    }

    public ExecutionPlan(Device device, List<TaskGraph> graphs) {
        this.device = device;
        for (TaskGraph g : graphs) {
            if (this.graphs.put(g.name(), g) != null) {
                throw new IllegalArgumentException("two graphs named " + g.name());
            }
        }
        Set<DeviceArray> once = Collections.newSetFromMap(new IdentityHashMap<>());
        for (TaskGraph g : graphs) {
            for (TaskGraph.Transfer t : g.toDevice()) {
                if (t.mode() == DataTransferMode.FIRST_EXECUTION) {
                    once.add(t.array());
                    sentOnce.add(t.array().host());
                }
            }
        }
        Set<DeviceArray> graphLocal = graphLocal(graphs);
        graphLocal.forEach(a -> local.add(a.host()));
        resident.addAll(sentOnce);
        resident.addAll(local);
        // a constant bound as a one-element array (an Integer where the body takes int[]) never changes
        for (TaskGraph g : graphs) {
            for (Task t : g.tasks()) {
                for (int i = 0; i < t.args().length; i++) {
                    if (t.args()[i] instanceof Number && !(t.boundArgs()[i + 2] instanceof Number)) {
                        resident.add(t.boundArgs()[i + 2]);
                        constants.add(t.boundArgs()[i + 2]);
                    }
                }
            }
        }
        // checked where kernels work on the host arrays (the java backend), which every test also runs
        this.check = TransferCheck.ENABLED && device.hostMemory()
                ? new TransferCheck(String.join(",", this.graphs.keySet()), once, graphLocal) : null;
    }

    /**
     * The graph-local arrays: each used by the tasks of a single graph and named in no transfer of
     * the plan (nor a param cell). A device keeps them like FIRST_EXECUTION arrays (activations
     * inside a block, scratch of the flow head, sent once and never copied back unless asked).
     */
    private static Set<DeviceArray> graphLocal(List<TaskGraph> graphs) {
        Set<Object> declared = Collections.newSetFromMap(new IdentityHashMap<>());
        Map<Object, TaskGraph> user = new IdentityHashMap<>();
        Map<Object, DeviceArray> byHost = new IdentityHashMap<>();
        Set<Object> shared = Collections.newSetFromMap(new IdentityHashMap<>());
        for (TaskGraph g : graphs) {
            g.toDevice().forEach(t -> declared.add(t.array().host()));
            g.toHost().forEach(t -> declared.add(t.array().host()));
            for (Task t : g.tasks()) {
                for (Object a : t.args()) {
                    if (a instanceof DeviceArray d) {
                        byHost.put(d.host(), d);
                        TaskGraph before = user.putIfAbsent(d.host(), g);
                        if (before != null && before != g) {
                            shared.add(d.host());
                        }
                    }
                }
            }
        }
        Set<DeviceArray> out = Collections.newSetFromMap(new IdentityHashMap<>());
        byHost.forEach((h, d) -> {
            if (!declared.contains(h) && !shared.contains(h)) {
                out.add(d);
            }
        });
        return out;
    }

    public Device device() {
        return device;
    }

    public List<String> graphNames() {
        return new ArrayList<>(graphs.keySet());
    }

    /** Runs every graph in declaration order. */
    public ExecutionPlan execute() {
        for (TaskGraph g : graphs.values()) {
            run(g);
        }
        return this;
    }

    private void run(TaskGraph g) {
        if (check != null) {
            check.before(g);
        }
        device.execute(g, resident);
        if (check != null) {
            check.after(g);
        }
    }

    /** Runs the named graphs in the given order. */
    public ExecutionPlan execute(String... names) {
        for (String n : names) {
            TaskGraph g = graphs.get(n);
            if (g == null) {
                throw new IllegalArgumentException("no graph named " + n + " in this plan; have " + graphs.keySet());
            }
            run(g);
        }
        return this;
    }

    /**
     * Runs {@code graphs}, in the given order; each must be one of this plan's graphs (the same
     * object), so a caller holds the graphs it built instead of looking them up by name.
     */
    public ExecutionPlan execute(TaskGraph... graphs) {
        for (TaskGraph g : graphs) {
            if (this.graphs.get(g.name()) != g) {
                throw new IllegalArgumentException("graph " + g.name() + " is not part of this plan; have "
                        + this.graphs.keySet());
            }
            run(g);
        }
        return this;
    }

    /**
     * Makes the host copies of {@code arrays} current: resident arrays come back from the device;
     * any other array already is current after each graph, so it costs nothing.
     */
    public void transferToHost(DeviceArray... arrays) {
        List<Object> resident = resident(arrays);
        if (!resident.isEmpty()) {
            device.transferToHost(resident);
        }
    }

    /**
     * Makes the device see host changes to {@code arrays} (weights loaded or edited on the host):
     * resident arrays are sent again before their next use; any other array is read at each graph.
     */
    public void transferToDevice(DeviceArray... arrays) {
        List<Object> resident = resident(arrays);
        if (!resident.isEmpty()) {
            device.transferToDevice(resident);
            if (check != null) {
                resident.forEach(check::refreshed);
            }
        }
    }

    private List<Object> resident(DeviceArray[] arrays) {
        List<Object> out = new ArrayList<>();
        for (DeviceArray a : arrays) {
            if (resident.contains(a.host())) {
                out.add(a.host());
            }
        }
        return out;
    }

    /**
     * What one graph moves at every execution on a device that keeps the plan's resident arrays:
     * host inputs/outputs (declared EVERY_EXECUTION), param cells and arrays shared with other
     * graphs are carried each way; arrays sent once (FIRST_EXECUTION) and graph-local arrays (and
     * constants) stay. A device that splits a long graph into parts also carries what its parts share.
     */
    public record GraphTransfers(String graph, int tasks, int hostArrays, long hostBytes, int cells, long cellBytes, int sharedArrays,
                                 long sharedBytes, int onceArrays, long onceBytes, int localArrays, long localBytes) {
        /** Bytes copied host-to-device (and again device-to-host) at every execution. */
        public long carriedBytes() {
            return hostBytes + sharedBytes + cellBytes;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT,
                    "%-16s %4d tasks | carried each way %9.3f MB: host %3d arrays %9.3f MB, shared %4d arrays %9.3f MB, %3d cells"
                            + " | resident: once %4d arrays %9.3f MB, local %4d arrays %9.3f MB",
                    graph, tasks, carriedBytes() / 1e6, hostArrays, hostBytes / 1e6, sharedArrays, sharedBytes / 1e6, cells,
                    onceArrays, onceBytes / 1e6, localArrays, localBytes / 1e6);
        }
    }

    /** Per graph, in declaration order: what it carries and what stays resident. */
    public List<GraphTransfers> transfers() {
        Set<Object> declared = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<Object> cells = Collections.newSetFromMap(new IdentityHashMap<>());
        for (TaskGraph g : graphs.values()) {
            g.toDevice().stream().filter(t -> t.mode() == DataTransferMode.EVERY_EXECUTION).forEach(t -> declared.add(t.array().host()));
            g.toHost().stream().filter(t -> t.mode() == DataTransferMode.EVERY_EXECUTION).forEach(t -> declared.add(t.array().host()));
            for (Task t : g.tasks()) {
                for (Object a : t.args()) {
                    if (a instanceof IntParam p) {
                        cells.add(p.cell());
                    } else if (a instanceof FloatParam p) {
                        cells.add(p.cell());
                    }
                }
            }
        }
        List<GraphTransfers> out = new ArrayList<>();
        for (TaskGraph g : graphs.values()) {
            int[] n = new int[5];
            long[] bytes = new long[5]; // declared, cells, once, local, shared
            Set<Object> mine = Collections.newSetFromMap(new IdentityHashMap<>());
            for (Task t : g.tasks()) {
                for (Object a : t.boundArgs()) {
                    if ((a instanceof float[] || a instanceof int[]) && !constants.contains(a) && mine.add(a)) {
                        int k = cells.contains(a) ? 1 : sentOnce.contains(a) ? 2 : local.contains(a) ? 3 : declared.contains(a) ? 0 : 4;
                        n[k]++;
                        bytes[k] += 4L * (a instanceof float[] f ? f.length : ((int[]) a).length);
                    }
                }
            }
            out.add(new GraphTransfers(g.name(), g.tasks().size(), n[0], bytes[0], n[1], bytes[1], n[4], bytes[4], n[2], bytes[2], n[3], bytes[3]));
        }
        return out;
    }

    /** {@link #transfers()}, one line per graph. */
    public String transferReport() {
        StringBuilder sb = new StringBuilder();
        transfers().forEach(t -> sb.append(t).append('\n'));
        return sb.toString();
    }

    @Override
    public void close() {}

    /** Frees what the device compiled and allocated for this plan's graphs. */
    public void free() {
        if (check != null) {
            check.release();
        }
        device.release(List.copyOf(graphs.values()));
    }
}
