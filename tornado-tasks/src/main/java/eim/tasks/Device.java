package eim.tasks;

/**
 * A place where kernels run. Implementations: {@link eim.tasks.backend.JavaDevice} (the JVM: the
 * reference, host arrays are the device memory) and {@link eim.tasks.backend.TornadoDevice}
 * (TornadoVM: each task graph JIT-compiled for a GPU or CPU).
 *
 * <p>Both keep the host arrays current after every graph they run, so arrays may be shared by any
 * graphs of any plans on the device and read or written by the host between executions.
 */
public interface Device extends AutoCloseable {
    DeviceInfo info();

    /** Name used to select it: {@code java}, {@code tornado:0}, ... */
    default String name() {
        return info().id();
    }

    /** Runs every task of {@code graph} in order, with its transfers. */
    void execute(TaskGraph graph);

    /** Frees what this device compiled and allocated for these graphs. */
    default void release(java.util.List<TaskGraph> graphs) {}

    @Override
    void close();
}
