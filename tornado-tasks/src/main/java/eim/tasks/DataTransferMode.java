package eim.tasks;

/** When a graph copies an array host-to-device or device-to-host (TornadoVM's names). */
public enum DataTransferMode {
    /**
     * Once, at the first execution of the plan; then the array lives on the device (weights of a
     * sampler, optimiser moments). Rules, checked by {@link ExecutionPlan} on the java
     * backend with {@code -Deim.checkTransfers=true} (on in the tests): kernels may write such an array only if
     * a single graph of the plan uses it; the host reads it after {@code plan.transferToHost(a)}
     * and, after changing it, calls {@code plan.transferToDevice(a)} (which may make the device
     * rebuild the graphs that hold it: do it between runs, not every step).
     */
    FIRST_EXECUTION,
    /** At every execution (inputs, outputs, and anything the host or another plan changes). */
    EVERY_EXECUTION,
    /** Never automatically: only when the caller asks the plan for it. */
    UNDER_DEMAND
}
