package eim.tasks.kernels;

import static eim.tasks.testing.KernelHarness.zeros;

import eim.tasks.FloatArray;

/** Small array helpers shared by the tests of the basic kernels (what KernelHarness does not have). */
final class BasicKernelTesting {
    /** Gradients start here in golden tests, so a kernel that overwrites instead of accumulating fails. */
    static final float BASE = 0.25f;

    private BasicKernelTesting() {}

    static FloatArray scaled(FloatArray a, float s) {
        for (int i = 0; i < a.size(); i++) {
            a.set(i, a.get(i) * s);
        }
        return a;
    }

    static FloatArray filled(String name, int n, float v) {
        FloatArray a = zeros(name, n);
        a.fill(v);
        return a;
    }

    /** A fresh gradient buffer holding {@link #BASE}. */
    static FloatArray grad(String name, int n) {
        return filled(name, n, BASE);
    }

    /** The golden gradient plus {@link #BASE}: what an accumulating kernel must leave in {@link #grad}. */
    static float[] accumulated(float[] golden) {
        float[] out = new float[golden.length];
        for (int i = 0; i < golden.length; i++) {
            out[i] = golden[i] + BASE;
        }
        return out;
    }

    /** A FloatArray over a copy of {@code values} (golden arrays stay untouched). */
    static FloatArray of(String name, float[] values) {
        return new FloatArray(name, values.clone());
    }
}
