package eim.tasks;

/**
 * A scalar kernel argument that may change between executions of a compiled plan (the current
 * sequence position in a sampler, say). Plain {@code Integer} arguments are fixed when the task is
 * declared; this one is read at every launch.
 */
public final class IntParam {
    private volatile int value;

    public IntParam(int value) {
        this.value = value;
    }

    public int get() {
        return value;
    }

    public void set(int value) {
        this.value = value;
    }
}
