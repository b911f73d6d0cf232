package eim.model.tokenizer;

import eim.tasks.DeviceArray;
import eim.tasks.FloatArray;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects what binding modules to one input creates: activations (with gradients when training),
 * saved statistics, and the parameters the tasks read, so that {@link Network} can transfer and
 * zero them.
 *
 * <p>Inference recycles activations: modules bind in the order their tasks run, so once every
 * reader of an activation is bound, {@link #release} hands its buffer to the next activation of
 * the same size. A network then holds a few activations of its largest level instead of all of
 * them. Training keeps every activation (backward reads them) and release does nothing.
 */
final class NetBuilder {
    final int batch;
    final boolean training;
    private final Set<DeviceArray> gradients = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<TokenizerParameters.Entry> used = new LinkedHashSet<>();
    /** Released value buffers by size, free for the next activation of that size (inference only). */
    private final Map<Integer, Deque<FloatArray>> free = new HashMap<>();
    private final Set<FloatArray> released = Collections.newSetFromMap(new IdentityHashMap<>());
    private long allocatedFloats;

    NetBuilder(int batch, boolean training) {
        this.batch = batch;
        this.training = training;
    }

    /** A new activation (B, C, H, W); in inference its buffer may be a released one's. */
    Activation activation(String name, int C, int H, int W) {
        if (training) {
            Activation a = Activation.allocate(name, batch, C, H, W, true);
            allocatedFloats += 2L * a.size();
            gradients.add(a.grad);
            return a;
        }
        return Activation.wrap(name, batch, C, H, W, buffer(name, Activation.size(batch, C, H, W)), null);
    }

    /** A value buffer whose gradient is {@code target}'s (for a branch added into target). */
    Activation branchInto(String name, Activation target) {
        return Activation.wrap(name, target.B, target.C, target.H, target.W, buffer(name, target.size()), target.grad);
    }

    /**
     * Declares that every task reading or writing {@code a} is bound: in inference, activations
     * allocated from now on may reuse its buffer. The caller must not release a network's input
     * or output, nor an activation twice.
     */
    void release(Activation a) {
        if (training) {
            return;
        }
        if (!released.add(a.value)) {
            throw new IllegalStateException(a.name + " released twice");
        }
        free.computeIfAbsent(a.size(), k -> new ArrayDeque<>()).push(a.value);
    }

    /** Appends {@code next}, bound to the last layer's output, which no later layer reads: releases it. */
    void chain(List<Layer> layers, Layer next) {
        if (!layers.isEmpty()) {
            release(layers.getLast().output());
        }
        layers.add(next);
    }

    /** Floats of activation storage this network allocated (values and gradients). */
    long allocatedFloats() {
        return allocatedFloats;
    }

    private FloatArray buffer(String name, int size) {
        FloatArray b = training ? null : free.getOrDefault(size, new ArrayDeque<>()).poll();
        if (b != null) {
            released.remove(b);
            return b;
        }
        allocatedFloats += size;
        return new FloatArray(name, size);
    }

    /** Statistics saved for backward (GroupNorm mean/rstd, attention lse, ...). */
    FloatArray saved(String name, int n) {
        return new FloatArray(name, n);
    }

    /** Marks a parameter as read by this network; returns it. */
    TokenizerParameters.Entry use(TokenizerParameters.Entry e) {
        used.add(e);
        if (training && e.grad() == null) {
            throw new IllegalStateException("parameter " + e.name() + " has no gradient: call enableGradients() first");
        }
        return e;
    }

    List<TokenizerParameters.Entry> usedParameters() {
        return new ArrayList<>(used);
    }

    Set<DeviceArray> activationGradients() {
        return gradients;
    }
}
