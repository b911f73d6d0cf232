package eim.model;

import eim.tasks.FloatArray;
import eim.tasks.io.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A model's named parameters (the authors' state_dict keys) with their gradients. Values live in
 * {@link FloatArray}s that task graphs send to the device once; gradients are filled by backward
 * graphs with {@code +=} into arrays the trainer zeroed, except where a recorded backward pass lets a
 * parameter's first gradient task overwrite ({@link #beginBackward}).
 */
public final class Parameters {
    /**
     * One parameter: its key, shape, value and gradient. The gradient array is allocated at its
     * first use, so a model that only runs inference (sampling, generate, forward) never holds one.
     */
    public static final class Param {
        private final String name;
        private final long[] shape;
        private final FloatArray value;
        private FloatArray grad;

        public Param(String name, long[] shape, FloatArray value, FloatArray grad) {
            this.name = name;
            this.shape = shape;
            this.value = value;
            this.grad = grad;
        }

        public String name() {
            return name;
        }

        public long[] shape() {
            return shape;
        }

        public FloatArray value() {
            return value;
        }

        /** The gradient, allocated (zero) on the first call. */
        public synchronized FloatArray grad() {
            if (grad == null) {
                grad = new FloatArray("grad." + name, value.size());
            }
            return grad;
        }

        /** Whether the gradient array exists (training has used it). */
        public synchronized boolean hasGrad() {
            return grad != null;
        }

        public int size() {
            return value.size();
        }
    }

    private final Map<String, Param> params = new LinkedHashMap<>();
    /** While a backward pass is recorded ({@link #beginBackward}): the parameters whose gradient a task overwrites. */
    private Set<Param> overwritten;

    /**
     * Starts recording a backward pass's tasks: until {@link #endBackward}, the first task that asks
     * {@link #firstGradientWrite} for a parameter overwrites its gradient instead of adding to it.
     */
    public synchronized void beginBackward() {
        if (overwritten != null) {
            throw new IllegalStateException("a backward pass is already being recorded");
        }
        overwritten = Collections.newSetFromMap(new IdentityHashMap<>());
    }

    /**
     * Whether the task being recorded is the first of the backward pass to write p's gradient: then it
     * writes (=) rather than accumulates (+=). Always false outside {@link #beginBackward} and
     * {@link #endBackward}, where gradients accumulate into arrays the caller zeroed.
     */
    public synchronized boolean firstGradientWrite(Param p) {
        return overwritten != null && overwritten.add(p);
    }

    /**
     * Ends the recording and returns the parameters no task overwrote: the caller zeroes their
     * gradients before the recorded tasks run.
     */
    public synchronized List<Param> endBackward() {
        if (overwritten == null) {
            throw new IllegalStateException("no backward pass is being recorded");
        }
        List<Param> rest = new ArrayList<>();
        for (Param p : params.values()) {
            if (!overwritten.contains(p)) {
                rest.add(p);
            }
        }
        overwritten = null;
        return rest;
    }

    /** Declares a parameter (zero-filled) and returns its value array. */
    public FloatArray add(String name, long... shape) {
        if (params.containsKey(name)) {
            throw new IllegalArgumentException("parameter declared twice: " + name);
        }
        int n = Math.toIntExact(Tensor.numel(shape));
        Param p = new Param(name, shape, new FloatArray(name, n), null);
        params.put(name, p);
        return p.value();
    }

    public Param param(String name) {
        Param p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter '" + name + "'");
        }
        return p;
    }

    public FloatArray value(String name) {
        return param(name).value();
    }

    public FloatArray grad(String name) {
        return param(name).grad();
    }

    public List<Param> all() {
        return Collections.unmodifiableList(new ArrayList<>(params.values()));
    }

    public boolean has(String name) {
        return params.containsKey(name);
    }

    public long count() {
        long n = 0;
        for (Param p : params.values()) {
            n += p.size();
        }
        return n;
    }

    /** Expected shapes by key, for checkpoint reports. */
    public Map<String, long[]> shapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        params.values().forEach(p -> m.put(p.name(), p.shape()));
        return m;
    }

    /** Values as tensors, keys prefixed (e.g. "model."). */
    public Map<String, Tensor> toTensors(String prefix) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Param p : params.values()) {
            m.put(prefix + p.name(), Tensor.of(p.value().array().clone(), p.shape()));
        }
        return m;
    }

    /**
     * Copies values from {@code tensors} (keys = prefix + name). Every parameter must be present
     * with its exact element count and shape (leading 1s ignored); the error lists every problem.
     */
    public void load(Map<String, Tensor> tensors, String prefix, String source) {
        List<String> problems = new ArrayList<>();
        for (Param p : params.values()) {
            long[] shape = eim.tasks.io.SafeTensors.shape(tensors, prefix + p.name()); // no values read
            if (shape == null) {
                problems.add("missing " + prefix + p.name() + " " + Arrays.toString(p.shape()));
            } else if (!sameShape(shape, p.shape())) {
                problems.add("shape of " + prefix + p.name() + " is " + Arrays.toString(shape) + ", expected "
                        + Arrays.toString(p.shape()));
            }
        }
        for (String k : tensors.keySet()) {
            if (k.startsWith(prefix) && !params.containsKey(k.substring(prefix.length()))) {
                problems.add("unexpected " + k);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(source + ": checkpoint does not match the model ("
                    + problems.size() + " problems):\n  " + String.join("\n  ", problems));
        }
        for (Param p : params.values()) {
            p.value().copyFrom(tensors.get(prefix + p.name()).floats());
        }
    }

    /** Shapes equal after dropping leading 1s (torch keeps (1, D) where we may say (D)). */
    public static boolean sameShape(long[] a, long[] b) {
        return Arrays.equals(squeezeLeading(a), squeezeLeading(b));
    }

    private static long[] squeezeLeading(long[] s) {
        int i = 0;
        while (i < s.length - 1 && s[i] == 1) {
            i++;
        }
        return Arrays.copyOfRange(s, i, s.length);
    }
}
