package eim.tasks;

/** When a graph copies an array host-to-device or device-to-host (TornadoVM's names). */
public enum DataTransferMode {
    /** Once, at the first execution of the plan (weights). */
    FIRST_EXECUTION,
    /** At every execution (inputs, outputs). */
    EVERY_EXECUTION,
    /** Never automatically: only when the caller asks the plan for it. */
    UNDER_DEMAND
}
