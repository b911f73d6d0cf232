package eim.tasks;

import java.util.List;
import java.util.Set;

/**
 * A place where kernels run. Implementations: {@link eim.tasks.backend.JavaDevice} (the JVM: the
 * reference, host arrays are the device memory) and {@link eim.tasks.backend.TornadoDevice}
 * (TornadoVM: each task graph JIT-compiled for a GPU or CPU).
 *
 * <p>A plan's resident arrays (declared {@link DataTransferMode#FIRST_EXECUTION}, or graph-local:
 * see {@link ExecutionPlan}) may live on the device: sent once, copied back only when the plan
 * asks ({@link #transferToHost}), re-sent only when the host announces a change
 * ({@link #transferToDevice}). Every other array is current on the host after every graph, so it
 * may be shared by any graphs of any plans and read or written by the host between executions.
 */
public interface Device extends AutoCloseable {
    DeviceInfo info();

    /** Name used to select it: {@code java}, {@code tornado:0}, ... */
    default String name() {
        return info().id();
    }

    /** Whether kernels work on the host arrays themselves (the JVM), so transfers never happen. */
    default boolean hostMemory() {
        return false;
    }

    /** Runs every task of {@code graph} in order, every array host-coherent. */
    void execute(TaskGraph graph);

    /**
     * Runs {@code graph} as part of a plan whose {@code resident} host arrays (identity set) the device
     * may keep resident. The same graph is always run with the same set.
     */
    default void execute(TaskGraph graph, Set<Object> resident) {
        execute(graph);
    }

    /** Makes the host copies of these resident arrays current (the device may have written them). */
    default void transferToHost(List<Object> hostArrays) {}

    /** The host changed these resident arrays: the device must send them again before its next use. */
    default void transferToDevice(List<Object> hostArrays) {}

    /** Frees what this device compiled and allocated for these graphs. */
    default void release(List<TaskGraph> graphs) {}

    @Override
    void close();
}
