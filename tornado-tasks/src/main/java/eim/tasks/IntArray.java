package eim.tasks;

import java.util.Arrays;

/** An int32 array that lives on the host and on devices (labels, indices, masks). */
public final class IntArray extends DeviceArray {
    private final int[] data;

    public IntArray(String name, int size) {
        this(name, new int[size]);
    }

    /** Wraps (does not copy) {@code data}. */
    public IntArray(String name, int[] data) {
        super(name);
        this.data = data;
    }

    public int[] array() {
        return data;
    }

    @Override
    public Object host() {
        return data;
    }

    @Override
    public int size() {
        return data.length;
    }

    public int get(int i) {
        return data[i];
    }

    public void set(int i, int v) {
        data[i] = v;
    }

    public void fill(int v) {
        Arrays.fill(data, v);
    }
}
