package eim.tasks.io;

import java.util.Arrays;

/**
 * A named-less host tensor: a shape and its values in row-major order. Float tensors keep
 * {@code data}; integer tensors (labels, indices) keep {@code ints}.
 */
public record Tensor(long[] shape, float[] data, int[] ints) {

    public static Tensor of(float[] data, long... shape) {
        check(data.length, shape);
        return new Tensor(shape, data, null);
    }

    public static Tensor ofInts(int[] ints, long... shape) {
        check(ints.length, shape);
        return new Tensor(shape, null, ints);
    }

    private static void check(int len, long[] shape) {
        if (numel(shape) != len) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + numel(shape)
                    + " values, got " + len);
        }
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    public boolean isInt() {
        return ints != null;
    }

    public int numel() {
        return (int) numel(shape);
    }

    public int dim(int i) {
        return (int) shape[i < 0 ? shape.length + i : i];
    }

    /** Float values; integer tensors are converted. */
    public float[] floats() {
        if (data != null) {
            return data;
        }
        float[] f = new float[ints.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = ints[i];
        }
        return f;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
