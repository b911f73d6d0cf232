package eim.runtime.tokenizer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam without weight decay (PyTorch's {@code torch.optim.Adam}, eps 1e-8), run on the host over
 * named parameter arrays, with its moments kept for checkpoints. A host-side stand-in for the
 * device Optimizer kernels (adamw_step with wd 0) until they are merged.
 */
final class HostAdam {
    static final float EPS = 1e-8f;
    private final float beta1, beta2;
    private final Map<String, float[]> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    private long steps;

    HostAdam(float beta1, float beta2) {
        this.beta1 = beta1;
        this.beta2 = beta2;
    }

    /** One update of {@code param} by {@code grad·gradScale} at learning rate lr; call once per parameter per step. */
    void update(String name, float[] param, float[] grad, float gradScale, float lr, long step) {
        float[] mm = m.computeIfAbsent(name, k -> new float[param.length]);
        float[] vv = v.computeIfAbsent(name, k -> new float[param.length]);
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        float stepSize = (float) (lr / bc1);
        float sqrtBc2 = (float) Math.sqrt(bc2);
        for (int i = 0; i < param.length; i++) {
            float g = grad[i] * gradScale;
            mm[i] = beta1 * mm[i] + (1 - beta1) * g;
            vv[i] = beta2 * vv[i] + (1 - beta2) * g * g;
            param[i] -= stepSize * mm[i] / ((float) Math.sqrt(vv[i]) / sqrtBc2 + EPS);
        }
    }

    /** Marks the end of an optimizer step; the returned count (from 1) is what {@link #update} needs. */
    long nextStep() {
        return ++steps;
    }

    long steps() {
        return steps;
    }

    Map<String, float[]> firstMoments() {
        return m;
    }

    Map<String, float[]> secondMoments() {
        return v;
    }

    void restore(long steps, Map<String, float[]> first, Map<String, float[]> second) {
        this.steps = steps;
        m.clear();
        v.clear();
        m.putAll(first);
        v.putAll(second);
    }
}
