package eim.model.generator;

import eim.model.Parameters;
import java.util.SplittableRandom;

/** Small generators for tests. */
final class TestModels {
    private TestModels() {}

    /** A tiny config: C=8, D=32, 2 blocks, 4 heads, S=4, ω=3, 10 classes, head 16x2. */
    static GeneratorConfig tiny(int window) {
        return new GeneratorConfig(8, 32, 2, 4, 4, 4, window, 4, 10, 0f, 0f, 0f, 16, 2, 2, 6, 10000f);
    }

    /** Every parameter random (no zero-initialised layers hiding bugs). */
    static EquivariantGenerator randomModel(GeneratorConfig cfg, long seed) {
        EquivariantGenerator m = new EquivariantGenerator(cfg);
        SplittableRandom r = new SplittableRandom(seed);
        for (Parameters.Param p : m.params.all()) {
            float[] v = p.value().array();
            boolean norm = p.shape().length == 1 && !p.name().endsWith(".bias");
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) ((norm ? 1 : 0) + r.nextGaussian() * 0.1);
            }
        }
        return m;
    }
}
