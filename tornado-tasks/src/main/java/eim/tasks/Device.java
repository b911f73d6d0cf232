package eim.tasks;

/**
 * A place where kernels run. Implementations: {@link eim.tasks.backend.JavaDevice} (reference,
 * host arrays are the device memory), {@link eim.tasks.backend.TornadoDevice} (TornadoVM) and
 * {@link eim.tasks.backend.OpenClDevice} (JOCL, being retired).
 */
public interface Device extends AutoCloseable {
    DeviceInfo info();

    /** Name used to select it: {@code java}, {@code opencl:0}, ... */
    default String name() {
        return info().id();
    }

    /** Copies the host array to the device (allocating device storage on first use). */
    void toDevice(DeviceArray a);

    /** Copies the device copy back into the host array. Blocks until it is there. */
    void toHost(DeviceArray a);

    /** Makes sure device storage exists without copying (outputs, scratch). */
    void allocate(DeviceArray a);

    /** Enqueues one task. Ordered after every task enqueued before it. */
    void launch(Task task);

    /** Waits for every enqueued task. */
    void sync();

    /** Frees the device storage of {@code a}, if any. */
    void release(DeviceArray a);

    /** Prepares every kernel of the task (compiles OpenCL programs); cheap when already done. */
    default void prepare(Task task) {}

    /**
     * Whether this device runs a whole graph at a time ({@link #execute}) rather than task by task
     * (TornadoVM compiles and schedules graphs, not single kernels).
     */
    default boolean runsWholeGraphs() {
        return false;
    }

    /** Runs every task of {@code graph}, with its transfers (devices that {@link #runsWholeGraphs}). */
    default void execute(TaskGraph graph) {
        throw new UnsupportedOperationException(name() + " runs task by task");
    }

    /** Frees what this device compiled and allocated for these graphs. */
    default void release(java.util.List<TaskGraph> graphs) {}

    @Override
    void close();
}
