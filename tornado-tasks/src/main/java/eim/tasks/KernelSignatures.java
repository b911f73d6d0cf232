package eim.tasks;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks every task's arguments against its kernel's OpenCL C parameter list when the task is
 * declared, on every backend: a float passed where the twin takes an int would otherwise be
 * reinterpreted bit for bit on OpenCL and fail only there. The OpenCL source is the signature.
 */
public final class KernelSignatures {
    /** One parameter of a kernel: its name, element type (float/int) and whether it is a pointer. */
    public record Param(String name, String type, boolean pointer) {}

    private static final Pattern KERNEL = Pattern.compile("__kernel\\s+void\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Map<String, Map<String, List<Param>>> BY_SOURCE = new ConcurrentHashMap<>();

    private KernelSignatures() {}

    /**
     * The portable body's argument list for {@code task}: slots 0 and 1 hold {@code from = 0} and
     * {@code to = range[0]}, then each task argument as the body's parameter type wants it (host
     * arrays, a param's one-element cell, a constant wrapped in a one-element array). Throws a
     * message naming the task, the argument and both types when one does not fit.
     */
    public static Object[] bind(Task task) {
        Kernel k = task.kernel();
        Object[] args = task.args();
        if (k.arity() != args.length) {
            throw new IllegalArgumentException("task " + task.name() + ": kernel " + k.name() + " ("
                    + k.method().getDeclaringClass().getSimpleName() + "." + k.method().getName() + ") takes "
                    + k.arity() + " arguments after (from, to), got " + args.length);
        }
        Object[] out = new Object[args.length + 2];
        out[0] = 0;
        out[1] = task.range()[0];
        for (int i = 0; i < args.length; i++) {
            Class<?> want = k.argType(i);
            Object a = args[i];
            Object v = null;
            if (want == float[].class) {
                v = a instanceof FloatArray f ? f.array() : a instanceof FloatParam p ? p.cell()
                        : a instanceof Float c ? new float[] {c} : null;
            } else if (want == int[].class) {
                v = a instanceof IntArray n ? n.array() : a instanceof IntParam p ? p.cell()
                        : a instanceof Integer c ? new int[] {c} : null;
            } else if (want == float.class) {
                v = a instanceof Float ? a : null;
            } else if (want == int.class) {
                v = a instanceof Integer ? a : null;
            }
            if (v == null) {
                String hint = (a instanceof IntParam || a instanceof FloatParam)
                        ? " (a value that changes between executions needs an array parameter read at [0])" : "";
                throw new IllegalArgumentException("task " + task.name() + ": argument " + i + " of kernel " + k.name()
                        + " is " + want.getSimpleName() + ", got "
                        + (a == null ? "null" : a.getClass().getSimpleName() + " " + a) + hint);
            }
            out[i + 2] = v;
        }
        return out;
    }

    /** The text of {@code /eim/tasks/kernels/<resource>}. */
    public static String source(String resource) {
        try (InputStream in = KernelSignatures.class.getResourceAsStream("/eim/tasks/kernels/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing OpenCL source resource /eim/tasks/kernels/" + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read OpenCL source " + resource, e);
        }
    }

    /** The parameters of {@code kernel}'s OpenCL twin. */
    public static List<Param> of(Kernel kernel) {
        Map<String, List<Param>> all = BY_SOURCE.computeIfAbsent(kernel.clSource(), KernelSignatures::parse);
        List<Param> ps = all.get(kernel.name());
        if (ps == null) {
            throw new IllegalStateException("kernel " + kernel.name() + " has no OpenCL twin in " + kernel.clSource());
        }
        return ps;
    }

    private static Map<String, List<Param>> parse(String resource) {
        String src = source(resource).replaceAll("//[^\n]*", "").replaceAll("(?s)/\\*.*?\\*/", "");
        Map<String, List<Param>> out = new ConcurrentHashMap<>();
        Matcher m = KERNEL.matcher(src);
        while (m.find()) {
            List<Param> ps = new ArrayList<>();
            for (String raw : m.group(2).split(",")) {
                String p = raw.trim().replaceAll("\\s+", " ");
                if (p.isEmpty()) {
                    continue;
                }
                boolean ptr = p.contains("*");
                String name = p.substring(Math.max(p.lastIndexOf(' '), p.lastIndexOf('*')) + 1);
                String type = p.matches(".*\\bfloat\\b.*") ? "float" : p.matches(".*\\b(int|uint)\\b.*") ? "int" : "?";
                ps.add(new Param(name, type, ptr));
            }
            out.put(m.group(1), ps);
        }
        return out;
    }

    /** Throws a message naming the task, the argument and both types when an argument does not fit. */
    public static void check(Task task) {
        if (task.kernel().portable() != null) {
            bind(task);
            return;
        }
        List<Param> ps = of(task.kernel());
        Object[] args = task.args();
        if (ps.size() != args.length) {
            throw new IllegalArgumentException("task " + task.name() + ": kernel " + task.kernel().name() + " takes "
                    + ps.size() + " arguments " + ps.stream().map(Param::name).toList() + ", got " + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            Param p = ps.get(i);
            Object a = args[i];
            boolean ok = p.pointer()
                    ? (p.type().equals("float") ? a instanceof FloatArray : a instanceof IntArray)
                    : (p.type().equals("float") ? a instanceof Float || a instanceof FloatParam
                            : a instanceof Integer || a instanceof IntParam);
            if (!ok) {
                throw new IllegalArgumentException("task " + task.name() + ": argument " + i + " (" + p.name() + ") of kernel "
                        + task.kernel().name() + " is " + p.type() + (p.pointer() ? "*" : "") + ", got "
                        + (a == null ? "null" : a.getClass().getSimpleName() + " " + a));
            }
        }
    }
}
