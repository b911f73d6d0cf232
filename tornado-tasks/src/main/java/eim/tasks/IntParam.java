package eim.tasks;

/**
 * A scalar kernel argument that may change between executions of a compiled plan (the current
 * sequence position in a sampler, say). Plain {@code Integer} arguments are fixed when the task is
 * declared; this one lives in a one-element array that every backend reads at each launch (the
 * portable body takes it as {@code int[]} and reads index 0; {@link #of} adds a second slot), as TornadoVM requires.
 */
public final class IntParam {
    private final int[] cell;

    public IntParam(int value) {
        cell = new int[] {value};
    }

    private IntParam(int[] cell) {
        this.cell = cell;
    }

    /**
     * A param with a second slot read at [1] by the kernels that take one (a dropout seed and the
     * shard's offset of its draw indices, say); kernels that read only [0] see {@code value}.
     */
    public static IntParam of(int value, int second) {
        return new IntParam(new int[] {value, second});
    }

    public int get() {
        return cell[0];
    }

    public void set(int value) {
        cell[0] = value;
    }

    /** Slot {@code slot} (0 = the value); a slot this param lacks reads 0. */
    public int get(int slot) {
        return slot < cell.length ? cell[slot] : 0;
    }

    /** Sets slot {@code slot}, which this param must have. */
    public void set(int slot, int value) {
        cell[slot] = value;
    }

    /** The one-element array kernels read. */
    public int[] cell() {
        return cell;
    }
}
