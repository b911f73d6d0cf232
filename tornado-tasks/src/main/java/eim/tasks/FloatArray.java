package eim.tasks;

import java.util.Arrays;

/** A float32 array that lives on the host and on devices. */
public final class FloatArray extends DeviceArray {
    private final float[] data;

    public FloatArray(String name, int size) {
        this(name, new float[size]);
    }

    /** Wraps (does not copy) {@code data}. */
    public FloatArray(String name, float[] data) {
        super(name);
        this.data = data;
    }

    /** The host copy. Kernels on the {@code java} backend work on it directly. */
    public float[] array() {
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

    public float get(int i) {
        return data[i];
    }

    public void set(int i, float v) {
        data[i] = v;
    }

    public void fill(float v) {
        Arrays.fill(data, v);
    }

    public void copyFrom(float[] src) {
        if (src.length != data.length) {
            throw new IllegalArgumentException(name() + ": expected " + data.length + " values, got " + src.length);
        }
        System.arraycopy(src, 0, data, 0, src.length);
    }
}
