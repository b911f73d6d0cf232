package eim.model.tokenizer;

import eim.model.Parameters;
import eim.tasks.FloatArray;
import eim.tasks.io.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The tokenizer's weights under the authors' state_dict keys ({@code encoder.down.0.block.1.conv1.weight},
 * {@code quant_layer.bias}, ...), each with its PyTorch shape, value and (once enabled) gradient.
 * The modules register their parameters here when the tokenizer is built; checkpoints are these
 * maps written as safetensors.
 */
public final class TokenizerParameters {
    /** How PyTorch initialises a parameter: conv weight and bias U(±1/√fanIn), norm weight 1, norm bias 0. */
    enum Init { CONV, ONES, ZEROS }

    /** One named parameter. {@code grad} is null until {@link #enableGradients()}. */
    public static final class Entry {
        private final String name;
        private final int[] shape;
        private final FloatArray value;
        private final Init init;
        private final int fanIn;
        private FloatArray grad;

        Entry(String name, int[] shape, Init init, int fanIn) {
            this.name = name;
            this.shape = shape.clone();
            this.init = init;
            this.fanIn = fanIn;
            this.value = new FloatArray(name, Math.toIntExact(Tensor.numel(toLong(shape))));
        }

        public String name() {
            return name;
        }

        public int[] shape() {
            return shape.clone();
        }

        public FloatArray value() {
            return value;
        }

        public FloatArray grad() {
            return grad;
        }

        public int size() {
            return value.size();
        }
    }

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    TokenizerParameters() {}

    /** Registers a parameter (modules call this while the tokenizer is built). */
    Entry add(String name, Init init, int fanIn, int... shape) {
        Entry e = new Entry(name, shape, init, fanIn);
        if (entries.putIfAbsent(name, e) != null) {
            throw new IllegalStateException("parameter " + name + " registered twice");
        }
        return e;
    }

    public Entry get(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no tokenizer parameter '" + name + "'");
        }
        return e;
    }

    public Collection<Entry> entries() {
        return Collections.unmodifiableCollection(entries.values());
    }

    public List<String> names() {
        return new ArrayList<>(entries.keySet());
    }

    public long count() {
        return entries.values().stream().mapToLong(Entry::size).sum();
    }

    /** PyTorch's default initialisation, deterministic per (seed, parameter name). */
    public void initialize(long seed) {
        for (Entry e : entries.values()) {
            float[] v = e.value.array();
            switch (e.init) {
                case ONES -> Arrays.fill(v, 1f);
                case ZEROS -> Arrays.fill(v, 0f);
                case CONV -> {
                    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e.name.hashCode());
                    double bound = 1.0 / Math.sqrt(e.fanIn);
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
                    }
                }
            }
        }
    }

    /** Allocates a gradient array beside every parameter (idempotent). */
    public void enableGradients() {
        for (Entry e : entries.values()) {
            if (e.grad == null) {
                e.grad = new FloatArray(e.name + ".grad", e.size());
            }
        }
    }

    /**
     * The entries as the generator's {@link Parameters.Param} records, sharing their arrays, so that
     * code written for those (the device optimizer) runs on the tokenizer. Enable gradients first.
     */
    public List<Parameters.Param> asParams() {
        List<Parameters.Param> out = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (e.grad == null) {
                throw new IllegalStateException("parameter " + e.name + " has no gradient: call enableGradients() first");
            }
            out.add(new Parameters.Param(e.name, toLong(e.shape), e.value, e.grad));
        }
        return out;
    }

    /** The values as tensors with their PyTorch shapes (copies), in registration order. */
    public Map<String, Tensor> toTensors() {
        Map<String, Tensor> m = new LinkedHashMap<>();
        for (Entry e : entries.values()) {
            m.put(e.name, Tensor.of(e.value.array().clone(), toLong(e.shape)));
        }
        return m;
    }

    /**
     * Copies {@code tensors} into the values. Every parameter must be present with its exact shape;
     * extra tensors whose names start with one of {@code ignoredPrefixes} are skipped, others fail.
     */
    public void load(Map<String, Tensor> tensors, String source, String... ignoredPrefixes) {
        List<String> missing = new ArrayList<>();
        for (Entry e : entries.values()) {
            if (!tensors.containsKey(e.name)) {
                missing.add(e.name);
                continue;
            }
            Tensor t = tensors.get(e.name); // read now, when tensors are read lazily
            if (!Arrays.equals(t.shape(), toLong(e.shape))) {
                throw new IllegalArgumentException(source + ": tensor '" + e.name + "' has shape "
                        + Arrays.toString(t.shape()) + " but this tokenizer expects " + Arrays.toString(e.shape)
                        + " (checkpoint made with a different config?)");
            }
            e.value.copyFrom(t.floats());
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(source + ": lacks " + missing.size() + " tokenizer tensors, e.g. "
                    + missing.subList(0, Math.min(3, missing.size())) + " (not a checkpoint of this config?)");
        }
        for (String k : tensors.keySet()) {
            boolean ignored = Arrays.stream(ignoredPrefixes).anyMatch(k::startsWith);
            if (!entries.containsKey(k) && !ignored) {
                throw new IllegalArgumentException(source + ": unexpected tensor '" + k
                        + "' (not a parameter of this tokenizer config)");
            }
        }
    }

    /** Copies every value from {@code other} (same structure). */
    public void copyFrom(TokenizerParameters other) {
        for (Entry e : entries.values()) {
            e.value.copyFrom(other.get(e.name).value.array());
        }
    }

    static long[] toLong(int[] shape) {
        return Arrays.stream(shape).asLongStream().toArray();
    }
}
