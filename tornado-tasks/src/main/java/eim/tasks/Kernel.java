package eim.tasks;

import java.util.Objects;

/**
 * One kernel: a Java implementation (a static method with a {@link Parallel} loop, reached through
 * {@link Body}) and the name of its OpenCL C twin in {@code clSource} (a resource under
 * {@code /eim/tasks/kernels/}). Both take the same arguments in the same order.
 *
 * <p>Contract between the two: a task's range has one or two dimensions. The OpenCL twin runs one
 * work item per point of the range. The Java body is called with a slice {@code [from, to)} of
 * dimension 0 and does all of dimension 1 itself, so the {@code java} backend can split dimension 0
 * across cores.
 */
public record Kernel(String name, String clSource, Body body) {

    /** The Java implementation for a slice of dimension 0. */
    @FunctionalInterface
    public interface Body {
        void run(int from, int to, KernelArgs args);
    }

    public Kernel {
        Objects.requireNonNull(name);
        Objects.requireNonNull(clSource);
        Objects.requireNonNull(body);
    }

    public static Kernel of(String name, String clSource, Body body) {
        return new Kernel(name, clSource, body);
    }
}
