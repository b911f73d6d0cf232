package eim.tasks;

/**
 * The arguments of one launch as the {@code java} backend hands them to a kernel body: device
 * arrays as their host arrays, scalars unboxed. Index = position in the task's argument list.
 */
public final class KernelArgs {
    private final Object[] args;

    private KernelArgs(Object[] args) {
        this.args = args;
    }

    /** Wraps a task's argument list (no copy). */
    public static KernelArgs of(Object[] args) {
        return new KernelArgs(args);
    }

    public float[] f(int i) {
        return ((FloatArray) args[i]).array();
    }

    public int[] n(int i) {
        return ((IntArray) args[i]).array();
    }

    public int i(int i) {
        Object a = args[i];
        return a instanceof IntParam p ? p.get() : (Integer) a;
    }

    public float x(int i) {
        Object a = args[i];
        return a instanceof FloatParam p ? p.get() : (Float) a;
    }
}
