package eim.tasks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Graphs bound to one device, prepared once and executed many times (TornadoVM's
 * {@code TornadoExecutionPlan}). The first execution copies the FIRST_EXECUTION arrays; later ones
 * copy only EVERY_EXECUTION arrays. Arrays shared by several graphs live on the device once.
 */
public final class ExecutionPlan implements AutoCloseable {
    private final Device device;
    private final Map<String, TaskGraph> graphs = new LinkedHashMap<>();
    private final Set<DeviceArray> sentOnce = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<DeviceArray> touched = Collections.newSetFromMap(new IdentityHashMap<>());

    public ExecutionPlan(Device device, TaskGraph... graphs) {
        this(device, List.of(graphs));
    }

    public ExecutionPlan(Device device, List<TaskGraph> graphs) {
        this.device = device;
        for (TaskGraph g : graphs) {
            if (this.graphs.put(g.name(), g) != null) {
                throw new IllegalArgumentException("two graphs named " + g.name());
            }
            for (Task t : g.tasks()) {
                if (!device.runsWholeGraphs()) {
                    device.prepare(t);
                }
                for (Object a : t.args()) {
                    if (a instanceof DeviceArray d) {
                        touched.add(d);
                    }
                }
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
            run(g);
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
            run(g);
        }
        return this;
    }

    private void run(TaskGraph g) {
        if (device.runsWholeGraphs()) {
            device.execute(g);
            return;
        }
        for (TaskGraph.Transfer t : g.toDevice()) {
            switch (t.mode()) {
                case FIRST_EXECUTION -> {
                    if (sentOnce.add(t.array())) {
                        device.toDevice(t.array());
                    }
                }
                case EVERY_EXECUTION -> device.toDevice(t.array());
                case UNDER_DEMAND -> device.allocate(t.array());
            }
        }
        for (Task task : g.tasks()) {
            for (Object a : task.args()) {
                if (a instanceof DeviceArray d) {
                    device.allocate(d);
                }
            }
            device.launch(task);
        }
        for (TaskGraph.Transfer t : g.toHost()) {
            if (t.mode() != DataTransferMode.UNDER_DEMAND) {
                device.toHost(t.array());
            }
        }
    }

    /** Brings arrays back to the host now (UNDER_DEMAND results, weights for a checkpoint). */
    public void transferToHost(DeviceArray... arrays) {
        for (DeviceArray a : arrays) {
            device.toHost(a);
        }
    }

    /** Sends arrays to the device now, e.g. after the host changed weights that were sent once. */
    public void transferToDevice(DeviceArray... arrays) {
        for (DeviceArray a : arrays) {
            device.toDevice(a);
            sentOnce.add(a);
        }
    }

    /** Waits for every enqueued task. */
    public void sync() {
        device.sync();
    }

    /** Waits for the device; device storage stays (other plans may share it). */
    @Override
    public void close() {
        device.sync();
    }

    /** Frees the device storage of every array this plan used. Only when no other plan needs them. */
    public void free() {
        for (DeviceArray a : touched) {
            device.release(a);
        }
        for (TaskGraph g : graphs.values()) {
            for (TaskGraph.Transfer t : g.toDevice()) {
                device.release(t.array());
            }
        }
        sentOnce.clear();
        device.release(List.copyOf(graphs.values()));
    }
}
