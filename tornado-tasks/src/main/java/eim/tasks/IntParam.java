package eim.tasks;

/**
 * A scalar kernel argument that may change between executions of a compiled plan (the current
 * sequence position in a sampler, say). Plain {@code Integer} arguments are fixed when the task is
 * declared; this one lives in a one-element array that every backend reads at each launch (the
 * portable body takes it as {@code int[]} and reads index 0), as TornadoVM requires.
 */
public final class IntParam {
    private final int[] cell = new int[1];

    public IntParam(int value) {
        cell[0] = value;
    }

    public int get() {
        return cell[0];
    }

    public void set(int value) {
        cell[0] = value;
    }

    /** The one-element array kernels read. */
    public int[] cell() {
        return cell;
    }
}
