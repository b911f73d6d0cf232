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

    /**
     * Slot {@code slot} of an int argument that a portable body takes as {@code int[]}: an
     * {@link IntParam}'s slot, an {@link IntArray}'s element, 0 where there is no such slot (a plain
     * int is a one-slot array, as the portable body sees it).
     */
    public int i(int i, int slot) {
        Object a = args[i];
        if (a instanceof IntParam p) {
            return p.get(slot);
        }
        if (a instanceof IntArray n) {
            return slot < n.array().length ? n.array()[slot] : 0;
        }
        return slot == 0 ? (Integer) a : 0;
    }

    public float x(int i) {
        Object a = args[i];
        return a instanceof FloatParam p ? p.get() : (Float) a;
    }
}
