package eim.tasks;

import java.util.Arrays;

/**
 * A kernel bound to its arguments and its range, as declared in a {@link TaskGraph}. The arguments
 * are checked against the kernel's portable body and bound to its parameter types once, here
 * ({@link KernelSignatures#bind}), so a mismatch fails at declaration on every backend and no
 * launch repeats the work.
 */
public final class Task {
    private final String name;
    private final Kernel kernel;
    private final int[] range;
    private final Object[] args;
    private final Object[] bound;

    /**
     * @param range global range, 1 or 2 dimensions
     * @param args  {@link FloatArray}, {@link IntArray}, {@link Integer}, {@link Float},
     *              {@link IntParam} or {@link FloatParam}, in the kernel's parameter order
     */
    public Task(String name, Kernel kernel, int[] range, Object[] args) {
        if (range.length < 1 || range.length > 2) {
            throw new IllegalArgumentException(name + ": range must have 1 or 2 dimensions");
        }
        for (Object a : args) {
            if (!(a instanceof DeviceArray || a instanceof Integer || a instanceof Float
                    || a instanceof IntParam || a instanceof FloatParam)) {
                throw new IllegalArgumentException(name + ": unsupported kernel argument " + a);
            }
        }
        this.name = name;
        this.kernel = kernel;
        this.range = range;
        this.args = args;
        this.bound = KernelSignatures.bind(name, kernel, range, args);
    }

    public String name() {
        return name;
    }

    public Kernel kernel() {
        return kernel;
    }

    public int[] range() {
        return range;
    }

    public Object[] args() {
        return args;
    }

    /**
     * The portable body's arguments: {@code from = 0}, {@code to = range[0]}, then the host arrays,
     * param cells and scalars as its parameters take them. Shared: copy it before changing a slot.
     */
    public Object[] boundArgs() {
        return bound;
    }

    @Override
    public String toString() {
        return name + "[" + kernel.name() + " " + Arrays.toString(range) + "]";
    }
}
