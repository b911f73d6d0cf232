package eim.model.io;

import java.util.Arrays;

/**
 * A tensor inside a checkpoint, not yet read: where its values are and how they are laid out.
 * Element (i0, i1, ...) lives at storage element {@code offset + sum(ik * stride[k])}, as in
 * PyTorch, so views (transposes, slices) keep the storage they share.
 *
 * @param name    path of the tensor in the checkpoint, dict keys joined by '/' ("model/z_proj.weight")
 * @param storage the storage it views
 * @param dtype   element type, or null when the storage type is one this reader does not know
 * @param shape   sizes
 * @param stride  strides in elements
 * @param offset  storage offset in elements
 */
public record TensorRef(String name, Storage storage, TorchDType dtype, long[] shape, long[] stride, long offset) {

    /**
     * A storage of the archive: the entry {@code <archive>/data/<key>}.
     *
     * @param typeName the storage type as the pickle names it (FloatStorage, UntypedStorage, ...)
     * @param numel    elements the storage holds, as its pickle record says
     */
    public record Storage(String key, String typeName, TorchDType dtype, String location, long numel) {}

    TensorRef withName(String n) {
        return new TensorRef(n, storage, dtype, shape, stride, offset);
    }

    public long numel() {
        return eim.tasks.io.Tensor.numel(shape);
    }

    /** "float32", "bfloat16", ...; for unknown storages the pickle's type name. */
    public String dtypeName() {
        return dtype != null ? dtype.torchName() : storage.typeName();
    }

    /** Whether the values are row-major contiguous in the storage (a plain tensor, not a view). */
    public boolean isContiguous() {
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /** Storage element of the last value (offset when empty). */
    long lastElement() {
        long last = offset;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 0) {
                return offset;
            }
            last += (shape[d] - 1) * stride[d];
        }
        return last;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }

    /** "float16 [4, 16]", with the layout added for views. */
    public String describe() {
        String s = dtypeName() + " " + shapeString();
        if (!isContiguous()) {
            s += " (view: stride " + Arrays.toString(stride) + ", offset " + offset + ")";
        } else if (offset != 0) {
            s += " (offset " + offset + ")";
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorRef t && name.equals(t.name) && storage.equals(t.storage) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && Arrays.equals(stride, t.stride) && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + ": " + describe();
    }
}
