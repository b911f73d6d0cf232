package eim.tasks;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A named sequence of tasks with the transfers around them, in TornadoVM's programming model:
 * <pre>{@code
 * TaskGraph g = new TaskGraph("block0.forward")
 *     .transferToDevice(DataTransferMode.FIRST_EXECUTION, weight, bias)
 *     .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
 *     .task("qkv", Linear.FORWARD, Task ranges..., x, weight, bias, y, rows, out, in)
 *     .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
 * }</pre>
 * The transfers declare the data flow (what the host provides and reads, what is sent once); the
 * backends here keep host arrays current at every graph boundary, which satisfies any declaration
 * (see {@link Device}), and a device-resident backend will copy exactly these. A graph is only a
 * declaration; {@link ExecutionPlan} runs it.
 */
public final class TaskGraph {
    /** One declared transfer. */
    public record Transfer(DataTransferMode mode, DeviceArray array) {}

    private final String name;
    private final List<Transfer> toDevice = new ArrayList<>();
    private final List<Task> tasks = new ArrayList<>();
    private final List<Transfer> toHost = new ArrayList<>();
    private boolean tasksIndependent;

    public TaskGraph(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public TaskGraph transferToDevice(DataTransferMode mode, DeviceArray... arrays) {
        for (DeviceArray a : arrays) {
            toDevice.add(new Transfer(mode, a));
        }
        return this;
    }

    public TaskGraph transferToHost(DataTransferMode mode, DeviceArray... arrays) {
        for (DeviceArray a : arrays) {
            toHost.add(new Transfer(mode, a));
        }
        return this;
    }

    /** A task over a 1-D range. */
    public TaskGraph task(String taskName, Kernel kernel, int range, Object... args) {
        return add(new Task(name + "." + taskName, kernel, new int[] {range}, args));
    }

    /** A task over a 2-D range ({@code rows} is split across cores by the java backend). */
    public TaskGraph task2d(String taskName, Kernel kernel, int rows, int cols, Object... args) {
        return add(new Task(name + "." + taskName, kernel, new int[] {rows, cols}, args));
    }

    public TaskGraph add(Task task) {
        tasks.add(task);
        return this;
    }

    /** Appends every task of {@code other} (not its transfers). */
    public TaskGraph addAll(List<Task> more) {
        tasks.addAll(more);
        return this;
    }

    /**
     * Declares that no task of this graph reads or writes what another one writes (an optimizer's
     * update of each parameter): a backend may run them in any order, or side by side. The java
     * backend then deals whole tasks to its cores, largest first, instead of splitting each one.
     */
    public TaskGraph tasksIndependent() {
        tasksIndependent = true;
        return this;
    }

    /** Whether {@link #tasksIndependent()} was declared. */
    public boolean hasIndependentTasks() {
        return tasksIndependent;
    }

    public List<Task> tasks() {
        return Collections.unmodifiableList(tasks);
    }

    /** The declared host-to-device transfers, in order. */
    public List<Transfer> toDevice() {
        return Collections.unmodifiableList(toDevice);
    }

    /** The declared device-to-host transfers, in order. */
    public List<Transfer> toHost() {
        return Collections.unmodifiableList(toHost);
    }

    @Override
    public String toString() {
        return "TaskGraph(" + name + ", " + tasks.size() + " tasks)";
    }
}
