package eim.model.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.Device;
import eim.tasks.testing.KernelHarness;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static float[] sample(EquivariantGenerator m, Device dev, Sampler.Mode mode, int[] labels, int len, float cfg) {
        try (Sampler s = new Sampler(m, dev, mode, labels.length, len, cfg, 4)) {
            return s.sample(labels, Sampler.NoiseSource.seeded(11), null);
        }
    }

    @Test
    void incrementalEqualsFullRecomputeWithGuidance() {
        EquivariantGenerator m = TestModels.randomModel(TestModels.tiny(3), 1);
        int[] labels = {2, 7};
        float[] full = sample(m, KernelHarness.java(), Sampler.Mode.FULL_RECOMPUTE, labels, 9, 3f);
        float[] inc = sample(m, KernelHarness.java(), Sampler.Mode.INCREMENTAL, labels, 9, 3f);
        KernelHarness.assertClose("incremental vs full (cfg 3, L=9 > window+1)", inc, full, 1e-4);
    }

    @Test
    void incrementalEqualsFullRecomputeFullCausalNoGuidance() {
        EquivariantGenerator m = TestModels.randomModel(TestModels.tiny(0), 2);
        int[] labels = {1, 4, -1};
        float[] full = sample(m, KernelHarness.java(), Sampler.Mode.FULL_RECOMPUTE, labels, 7, 1f);
        float[] inc = sample(m, KernelHarness.java(), Sampler.Mode.INCREMENTAL, labels, 7, 1f);
        KernelHarness.assertClose("incremental vs full (full causal, no cfg)", inc, full, 1e-4);
    }

    @Test
    void samplersAgreeOnEveryBackend() {
        EquivariantGenerator m = TestModels.randomModel(TestModels.tiny(3), 3);
        int[] labels = {5, 0};
        float[] j = sample(m, KernelHarness.java(), Sampler.Mode.INCREMENTAL, labels, 6, 2f);
        for (var d : java.util.List.of(KernelHarness.javaPortable(), KernelHarness.tornado())) {
            float[] c = sample(m, d, Sampler.Mode.INCREMENTAL, labels, 6, 2f);
            KernelHarness.assertClose(d.name() + " vs java sampler", c, j, 1e-4);
        }
    }

    @Test
    void incrementalCacheDoesNotGrowWithLength() {
        EquivariantGenerator m = TestModels.randomModel(TestModels.tiny(3), 4);
        assertEquals(4, m.cacheSlots(1024));
        assertEquals(4, m.cacheSlots(16));
        float[] out = sample(m, KernelHarness.java(), Sampler.Mode.INCREMENTAL, new int[] {3}, 200, 1.5f);
        assertEquals(200 * 8, out.length);
        for (float v : out) {
            assertTrue(Float.isFinite(v));
        }
    }
}
