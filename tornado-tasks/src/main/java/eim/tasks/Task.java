package eim.tasks;

import java.util.Arrays;

/**
 * A kernel bound to its arguments and its range, as declared in a {@link TaskGraph}.
 *
 * @param range  global range, 1 or 2 dimensions
 * @param local  OpenCL work-group size, or {@code null} to let the driver choose
 * @param args   {@link FloatArray}, {@link IntArray}, {@link Integer}, {@link Float},
 *               {@link IntParam} or {@link FloatParam}, in the kernel's parameter order
 */
public record Task(String name, Kernel kernel, int[] range, int[] local, Object[] args) {
    public Task {
        if (range.length < 1 || range.length > 2) {
            throw new IllegalArgumentException(name + ": range must have 1 or 2 dimensions");
        }
        for (Object a : args) {
            if (!(a instanceof DeviceArray || a instanceof Integer || a instanceof Float
                    || a instanceof IntParam || a instanceof FloatParam)) {
                throw new IllegalArgumentException(name + ": unsupported kernel argument " + a);
            }
        }
        if (local != null && local.length != range.length) {
            throw new IllegalArgumentException(name + ": local size must have as many dimensions as the range");
        }
    }

    @Override
    public String toString() {
        return name + "[" + kernel.name() + " " + Arrays.toString(range) + "]";
    }
}
