package eim.model.tokenizer;

import eim.tasks.DeviceArray;
import eim.tasks.FloatArray;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects what binding modules to one input creates: activations (with gradients when training),
 * saved statistics, and the parameters the tasks read, so that {@link Network} can transfer and
 * zero them.
 */
final class NetBuilder {
    final int batch;
    final boolean training;
    private final Set<DeviceArray> gradients = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<TokenizerParameters.Entry> used = new LinkedHashSet<>();

    NetBuilder(int batch, boolean training) {
        this.batch = batch;
        this.training = training;
    }

    Activation activation(String name, int C, int H, int W) {
        Activation a = Activation.allocate(name, batch, C, H, W, training);
        if (a.grad != null) {
            gradients.add(a.grad);
        }
        return a;
    }

    /** A value buffer whose gradient is {@code target}'s (for a branch added into target). */
    Activation branchInto(String name, Activation target) {
        return Activation.sharingGrad(name, target);
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
