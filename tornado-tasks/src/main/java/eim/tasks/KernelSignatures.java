package eim.tasks;

/**
 * Checks every task's arguments against its kernel's portable body when the task is declared, on
 * every backend (an {@code Integer} where the body takes {@code float}, a param where it takes a
 * fixed scalar, a wrong count: all fail at once with the task's name), and binds them to the
 * body's parameter types.
 */
public final class KernelSignatures {
    private KernelSignatures() {}

    /**
     * The portable body's argument list for task {@code task}: slots 0 and 1 hold {@code from = 0}
     * and {@code to = range[0]}, then each task argument as the body's parameter type wants it (host
     * arrays, a param's one-element cell, a constant wrapped in a one-element array). Throws a
     * message naming the task, the argument and both types when one does not fit.
     */
    static Object[] bind(String task, Kernel k, int[] range, Object[] args) {
        if (k.arity() != args.length) {
            throw new IllegalArgumentException("task " + task + ": kernel " + k.name() + " ("
                    + k.method().getDeclaringClass().getSimpleName() + "." + k.method().getName() + ") takes "
                    + k.arity() + " arguments after (from, to), got " + args.length);
        }
        Object[] out = new Object[args.length + 2];
        out[0] = 0;
        out[1] = range[0];
        for (int i = 0; i < args.length; i++) {
            Class<?> want = k.argType(i);
            Object a = args[i];
            Object v = null;
            if (want == float[].class) {
                v = a instanceof FloatArray f ? f.array() : a instanceof FloatParam p ? p.cell()
                        : a instanceof Float c ? new float[] {c} : null;
            } else if (want == int[].class) {
                v = a instanceof IntArray n ? n.array() : a instanceof IntParam p ? p.cell()
                        : a instanceof Integer c ? new int[] {c} : null;
            } else if (want == float.class) {
                v = a instanceof Float ? a : null;
            } else if (want == int.class) {
                v = a instanceof Integer ? a : null;
            }
            if (v == null) {
                String hint = (a instanceof IntParam || a instanceof FloatParam)
                        ? " (a value that changes between executions needs an array parameter read at [0])" : "";
                throw new IllegalArgumentException("task " + task + ": argument " + i + " of kernel " + k.name()
                        + " is " + want.getSimpleName() + ", got "
                        + (a == null ? "null" : a.getClass().getSimpleName() + " " + a) + hint);
            }
            out[i + 2] = v;
        }
        return out;
    }

}
