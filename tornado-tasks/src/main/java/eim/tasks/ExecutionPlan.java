package eim.tasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Graphs bound to one device, compiled once and executed many times (TornadoVM's
 * {@code TornadoExecutionPlan}): a model builds its plan when it is created and reuses it for every
 * training step or sampled token.
 */
public final class ExecutionPlan implements AutoCloseable {
    private final Device device;
    private final Map<String, TaskGraph> graphs = new LinkedHashMap<>();

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
            device.execute(g);
        }
        return this;
    }

    /** Runs the named graphs in the given order. */
    public ExecutionPlan execute(String... names) {
        for (String n : names) {
            TaskGraph g = graphs.get(n);
            if (g == null) {
                throw new IllegalArgumentException("no graph named " + n + " in this plan; have " + graphs.keySet());
            }
            device.execute(g);
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
            device.execute(g);
        }
        return this;
    }

    /**
     * Makes the host copies of {@code arrays} current. Every device here keeps host arrays current
     * after each graph, so this costs nothing today; model code calls it where it reads results
     * (checkpoints, gradients for tests), the places a device-resident backend must copy.
     */
    public void transferToHost(DeviceArray... arrays) {}

    /**
     * Makes the device see host changes to {@code arrays} (weights loaded or edited on the host).
     * Every device here reads host arrays at each graph, so this costs nothing today.
     */
    public void transferToDevice(DeviceArray... arrays) {}

    @Override
    public void close() {}

    /** Frees what the device compiled and allocated for this plan's graphs. */
    public void free() {
        device.release(List.copyOf(graphs.values()));
    }
}
