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
 * <p>Arrays that any graph of the plan declares {@link DataTransferMode#FIRST_EXECUTION} are the
 * plan's resident arrays (weights of a sampler, optimiser moments): a device may send them once
 * and keep them; {@link #transferToHost} and {@link #transferToDevice} move them on request. With
 * {@code -Deim.checkTransfers=true} (on in the tests) every execution on the java backend checks
 * the rules of that declaration (see {@link DataTransferMode#FIRST_EXECUTION}).
 */
public final class ExecutionPlan implements AutoCloseable {
    private final Device device;
    private final Map<String, TaskGraph> graphs = new LinkedHashMap<>();
    /** Host arrays of the FIRST_EXECUTION declarations (identity set). */
    private final Set<Object> sentOnce = Collections.newSetFromMap(new IdentityHashMap<>());
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
        // checked where kernels work on the host arrays (the java backend), which every test also runs
        this.check = TransferCheck.ENABLED && device.hostMemory() ? new TransferCheck(String.join(",", this.graphs.keySet()), once) : null;
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
        device.execute(g, sentOnce);
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
            if (sentOnce.contains(a.host())) {
                out.add(a.host());
            }
        }
        return out;
    }

    @Override
    public void close() {}

    /** Frees what the device compiled and allocated for this plan's graphs. */
    public void free() {
        device.release(List.copyOf(graphs.values()));
    }
}
