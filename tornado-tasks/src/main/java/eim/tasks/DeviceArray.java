package eim.tasks;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A flat array that a task graph moves between the host and a device, like TornadoVM's
 * {@code FloatArray}/{@code IntArray}. The host copy is a plain Java array; each device keeps its
 * own storage for it, created on first use and kept until {@link Device#release}.
 */
public abstract sealed class DeviceArray permits FloatArray, IntArray {
    private static final AtomicLong IDS = new AtomicLong();
    private final long id = IDS.incrementAndGet();
    private final String name;

    protected DeviceArray(String name) {
        this.name = name;
    }

    public final long id() {
        return id;
    }

    public final String name() {
        return name;
    }

    /** Number of elements. */
    public abstract int size();

    /** The host copy ({@code float[]} or {@code int[]}): what kernels are bound to. */
    public abstract Object host();

    /** Bytes per element on every device (both types are 4 bytes). */
    public final long bytes() {
        return 4L * size();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + name + ", " + size() + ")";
    }
}
