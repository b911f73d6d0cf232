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

    /**
     * This tensor, after checking that every value is finite (integer tensors always are): readers
     * call it on what they read, so NaN or infinite values are refused with the file named instead
     * of spreading into training or pictures.
     *
     * @param where what the tensor is, for the message, e.g. {@code "tokens.safetensors: tensor 'tokens'"}
     * @throws IllegalArgumentException naming {@code where}, how many values are bad, and the first one's index
     */
    public Tensor requireFinite(String where) {
        if (data != null) {
            requireFinite(data, shape, where);
        }
        return this;
    }

    /** {@link #requireFinite(String)} for raw values laid out row-major in {@code shape} (e.g. an image's samples). */
    public static void requireFinite(float[] values, long[] shape, String where) {
        int bad = 0, first = -1;
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                bad++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (bad > 0) {
            throw new IllegalArgumentException(where + ": " + bad + " of " + values.length + " values are NaN or infinite "
                    + "(the first, " + values[first] + ", at index " + Arrays.toString(unravel(first, shape)) + ")");
        }
    }

    /** The multi-index of flat position {@code i} in a row-major {@code shape}. */
    private static long[] unravel(long i, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            long n = Math.max(1, shape[d]);
            idx[d] = i % n;
            i /= n;
        }
        return idx;
    }
}
