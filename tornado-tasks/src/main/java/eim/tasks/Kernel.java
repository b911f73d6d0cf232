package eim.tasks;

import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Objects;

/**
 * One kernel, written once: its <b>portable body</b> is a static Java method in TornadoVM's
 * programming model, the reference on the JVM and the code TornadoVM compiles for GPUs and CPUs.
 * Optionally a <b>fast path</b> ({@link Body}, e.g. Vector API) serves the {@code java} backend;
 * it must match the portable body (parity tests).
 *
 * <p>The portable body's parameters are {@code (int from, int to, <task arguments...>)}: its
 * {@code @Parallel} loop covers the slice {@code [from, to)} of dimension 0 as
 * {@code for (@Parallel int k = 0; k < to - from; k++) { int i = from + k; ... }} (TornadoVM
 * needs a constant loop start); a second {@code @Parallel} loop inside may cover dimension 1. The
 * {@code java} backend splits dimension 0 across cores; TornadoVM gets {@code from = 0} and
 * {@code to = range[0]}. A value that changes between executions (an {@link IntParam} or
 * {@link FloatParam}) is an {@code int[]}/{@code float[]} parameter read at index 0; a constant
 * passed there is wrapped once.
 */
public record Kernel(String name, Object portable, Method method, Body fast, Body fastColumns, ColumnSplit columnSplit,
                     int itemCost) {

    /** A fast path for a slice of dimension 0, arguments as {@link KernelArgs}. */
    @FunctionalInterface
    public interface Body {
        void run(int from, int to, KernelArgs args);
    }

    /** When the java backend should split a range {rows, columns} by columns ({@link #withFastColumns}). */
    @FunctionalInterface
    public interface ColumnSplit {
        /**
         * Whether a range of {@code rows} x {@code columns} is split by columns across {@code cores};
         * {@code args} are the launch's (a convolution decides by its shape).
         */
        boolean byColumns(int rows, int columns, int cores, KernelArgs args);

        /** Few rows (a decoding step): under 16. */
        ColumnSplit FEW_ROWS = (rows, columns, cores, args) -> rows < 16;
    }

    public Kernel {
        Objects.requireNonNull(name);
        Objects.requireNonNull(portable, "kernel " + name + " has no portable body");
        Objects.requireNonNull(method);
    }

    /** This kernel with a fast path for the {@code java} backend beside its portable body. */
    public Kernel withFast(Body fastPath) {
        return new Kernel(name, portable, method, Objects.requireNonNull(fastPath), fastColumns, columnSplit, itemCost);
    }

    /**
     * This kernel with a second fast path for ranges {M, N} that covers columns [from, to) of
     * dimension 1 for every row, used by the java backend where {@code when} says so: with few rows
     * M (a decoding step) each core would otherwise stream all of a weight matrix for a few rows, and
     * a GEMM split by columns packs each core's half of the shared operand once for all rows. It
     * must match the portable body like the other fast path.
     */
    public Kernel withFastColumns(Body columnsPath, ColumnSplit when) {
        return new Kernel(name, portable, method, fast, Objects.requireNonNull(columnsPath), Objects.requireNonNull(when),
                itemCost);
    }

    /**
     * This kernel with a work item worth {@code elements} elementwise items (a whole reduction
     * per item, as {@code sum_squares}' chunks): the java backend shares a launch across cores by
     * items times this cost, not by items alone.
     */
    public Kernel withItemCost(int elements) {
        if (elements < 1) {
            throw new IllegalArgumentException("kernel " + name + ": item cost must be positive, got " + elements);
        }
        return new Kernel(name, portable, method, fast, fastColumns, columnSplit, elements);
    }

    /** Number of task arguments (the portable body's parameters less {@code from, to}). */
    public int arity() {
        return method.getParameterCount() - 2;
    }

    /** The declared type of task argument {@code i} in the portable body. */
    public Class<?> argType(int i) {
        return method.getParameterTypes()[i + 2];
    }

    private static Kernel portable(String name, Object body) {
        Method m = resolve(name, body);
        Class<?>[] p = m.getParameterTypes();
        if (p.length < 3 || p[0] != int.class || p[1] != int.class) {
            throw new IllegalArgumentException("kernel " + name + ": portable body " + m.getName()
                    + " must start with (int from, int to, ...)");
        }
        for (int i = 2; i < p.length; i++) {
            if (p[i] != int.class && p[i] != float.class && p[i] != int[].class && p[i] != float[].class) {
                throw new IllegalArgumentException("kernel " + name + ": parameter " + i + " of " + m.getName()
                        + " is " + p[i].getSimpleName() + "; portable bodies take int, float, int[] and float[]");
            }
        }
        return new Kernel(name, body, m, null, null, null, 1);
    }

    /** The static method a serialisable method reference names. */
    private static Method resolve(String name, Object body) {
        try {
            Method wr = body.getClass().getDeclaredMethod("writeReplace");
            wr.setAccessible(true);
            SerializedLambda sl = (SerializedLambda) wr.invoke(body);
            ClassLoader loader = body.getClass().getClassLoader();
            Class<?> owner = Class.forName(sl.getImplClass().replace('/', '.'), false, loader);
            MethodType type = MethodType.fromMethodDescriptorString(sl.getImplMethodSignature(), loader);
            Method m = owner.getDeclaredMethod(sl.getImplMethodName(), type.parameterArray());
            if (!Modifier.isStatic(m.getModifiers()) || sl.getImplMethodName().startsWith("lambda$")) {
                throw new IllegalArgumentException("kernel " + name + ": the portable body must be a reference to a "
                        + "static method (Class::method), not a lambda");
            }
            return m;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("kernel " + name + ": cannot resolve its portable body", e);
        }
    }

    public static <T1, T2, T3> Kernel of(String name, Portable.P3<T1, T2, T3> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4> Kernel of(String name, Portable.P4<T1, T2, T3, T4> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5> Kernel of(String name, Portable.P5<T1, T2, T3, T4, T5> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6> Kernel of(String name, Portable.P6<T1, T2, T3, T4, T5, T6> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7> Kernel of(String name, Portable.P7<T1, T2, T3, T4, T5, T6, T7> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8> Kernel of(String name, Portable.P8<T1, T2, T3, T4, T5, T6, T7, T8> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9> Kernel of(String name, Portable.P9<T1, T2, T3, T4, T5, T6, T7, T8, T9> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> Kernel of(String name, Portable.P10<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> Kernel of(String name, Portable.P11<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> Kernel of(String name, Portable.P12<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> Kernel of(String name, Portable.P13<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> Kernel of(String name, Portable.P14<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15> Kernel of(String name, Portable.P15<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16> Kernel of(String name, Portable.P16<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17> Kernel of(String name, Portable.P17<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18> Kernel of(String name, Portable.P18<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19> Kernel of(String name, Portable.P19<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19> portable) {
        return portable(name, portable);
    }

    public static <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20> Kernel of(String name, Portable.P20<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20> portable) {
        return portable(name, portable);
    }
}
