package eim.model.io;

import java.util.Arrays;
import java.util.Optional;

/** Element types of PyTorch storages, by the names a checkpoint's pickle uses for them. */
public enum TorchDType {
    FLOAT32("float32", "FloatStorage", 4, "float"),
    FLOAT16("float16", "HalfStorage", 2, "half"),
    BFLOAT16("bfloat16", "BFloat16Storage", 2, null),
    FLOAT64("float64", "DoubleStorage", 8, "double"),
    INT64("int64", "LongStorage", 8, "long"),
    INT32("int32", "IntStorage", 4, "int"),
    INT16("int16", "ShortStorage", 2, "short"),
    INT8("int8", "CharStorage", 1, null),
    UINT8("uint8", "ByteStorage", 1, null),
    BOOL("bool", "BoolStorage", 1, null),
    COMPLEX64("complex64", "ComplexFloatStorage", 8, "cfloat"),
    COMPLEX128("complex128", "ComplexDoubleStorage", 16, "cdouble");

    private final String torchName;
    private final String storageClass;
    private final int bytes;
    private final String alias;

    TorchDType(String torchName, String storageClass, int bytes, String alias) {
        this.torchName = torchName;
        this.storageClass = storageClass;
        this.bytes = bytes;
        this.alias = alias;
    }

    /** The name PyTorch prints ({@code torch.float16} is "float16"). */
    public String torchName() {
        return torchName;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether {@link TorchCheckpoint#load} converts it to float32. */
    public boolean isLoadable() {
        return this == FLOAT32 || this == FLOAT16 || this == BFLOAT16;
    }

    /** The type of a legacy storage class name such as {@code FloatStorage}. */
    static Optional<TorchDType> ofStorageClass(String name) {
        return Arrays.stream(values()).filter(d -> d.storageClass.equals(name)).findFirst();
    }

    /** The type of a {@code torch.<name>} dtype global such as {@code torch.bfloat16}. */
    static Optional<TorchDType> ofTorchName(String name) {
        return Arrays.stream(values()).filter(d -> d.torchName.equals(name) || name.equals(d.alias)).findFirst();
    }

    @Override
    public String toString() {
        return torchName;
    }
}
