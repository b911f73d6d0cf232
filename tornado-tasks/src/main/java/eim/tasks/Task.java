package eim.tasks;

import java.util.Arrays;

/**
 * A kernel bound to its arguments and its range, as declared in a {@link TaskGraph}.
 *
 * @param range  global range, 1 or 2 dimensions
 * @param args   {@link FloatArray}, {@link IntArray}, {@link Integer}, {@link Float},
 *               {@link IntParam} or {@link FloatParam}, in the kernel's parameter order
 */
public record Task(String name, Kernel kernel, int[] range, Object[] args) {
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
    }

    @Override
    public String toString() {
        return name + "[" + kernel.name() + " " + Arrays.toString(range) + "]";
    }
}
