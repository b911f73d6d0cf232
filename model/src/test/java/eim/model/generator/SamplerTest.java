package eim.model.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.Device;
import eim.tasks.testing.KernelHarness;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SamplerTest {

    private static float[] sample(EquivariantGenerator m, Device dev, Sampler.Mode mode, int[] labels, int len, float cfg) {
        try (Sampler s = new Sampler(m, dev, mode, labels.length, len, cfg, 4)) {
            return s.sample(labels, Sampler.NoiseSource.seeded(11), null);
        }
    }

    private static float[] sample(EquivariantGenerator m, Sampler.Schedule schedule, int[] labels, int len, float cfg) {
        try (Sampler s = new Sampler(m, KernelHarness.java(), Sampler.Mode.INCREMENTAL, labels.length, len, cfg, schedule, 4)) {
            return s.sample(labels, Sampler.NoiseSource.seeded(11), null);
        }
    }

    /**
     * Per flow step the sampler carries only the token being integrated and its condition (and the
     * step's params): the flow head's activations are graph-local, so a device keeps them; per token
     * the token graph carries the blocks' caches (shared with prefill) but not their activations.
     */
    @Test
    void flowStepAndTokenKeepTheirActivationsOnTheDevice() {
        GeneratorConfig c = TestModels.tiny(3);
        EquivariantGenerator m = TestModels.randomModel(c, 5);
        int batch = 2, rows = 2 * batch;
        try (Sampler s = new Sampler(m, KernelHarness.java(), Sampler.Mode.INCREMENTAL, batch, 6, 3f, 4)) {
            var byName = new java.util.HashMap<String, eim.tasks.ExecutionPlan.GraphTransfers>();
            s.plan().transfers().forEach(g -> byName.put(g.graph(), g));
            var step = byName.get("flow_step");
            assertTrue(step.localArrays() > 10, "the head's activations are graph-local: " + step);
            // all 4 steps' modulations come from one batch (graph "modulations") on the java backend
            assertEquals(4, s.stepsPerBatch());
            int w = c.headWidth();
            long tokenAndModulations = 4L * rows * c.tokenChannels() + 4L * rows * 4 * (c.headDepth() * 3 * w + 2 * w);
            assertEquals(tokenAndModulations + step.cellBytes(), step.carriedBytes(),
                    "flow_step carries x and the modulations only: " + step);
            var token = byName.get("token");
            assertTrue(token.localBytes() > 0 && token.localArrays() > token.sharedArrays(), "token: " + token);
        }
    }

    @Test
    void constantScheduleIsLinearsLastTokenScaleAtEveryToken() {
        for (float c : new float[] {1f, 1.5f, 3f, 7f}) {
            for (int len : new int[] {1, 6, 9, 1024}) {
                float last = Sampler.Schedule.LINEAR.scale(c, len - 1, len);
                assertEquals(c, last, 0f, "linear ends at cfg");
                for (int i = 0; i < len; i++) {
                    assertEquals(last, Sampler.Schedule.CONSTANT.scale(c, i, len), 0f, "constant, cfg " + c + ", token " + i);
                    // the authors' ramp by hand: 1 + (cfg - 1)(i + 1)/L
                    assertEquals(1 + (c - 1) * (i + 1f) / len, Sampler.Schedule.LINEAR.scale(c, i, len), 1e-6f);
                }
            }
        }
        assertEquals(Sampler.Schedule.CONSTANT, Sampler.Schedule.parse("constant"));
        assertEquals(Sampler.Schedule.LINEAR, Sampler.Schedule.parse("linear"));
        assertThrows(IllegalArgumentException.class, () -> Sampler.Schedule.parse("cosine"));
    }

    @Test
    void theSamplerAppliesTheSchedulesScaleAtEachToken() {
        EquivariantGenerator m = TestModels.randomModel(TestModels.tiny(3), 5);
        int[] labels = {2, 7};
        int ch = m.cfg.tokenChannels();
        float[] constant = sample(m, Sampler.Schedule.CONSTANT, labels, 5, 3f);
        float[] linear = sample(m, Sampler.Schedule.LINEAR, labels, 5, 3f);
        // token 0 depends only on the class buffer, its noise and its scale: constant's scale 3 there is linear's at
        // L = 1, and linear's 1 + 2/5 at L = 5 is constant's with cfg 1.4
        float[] linearOne = sample(m, Sampler.Schedule.LINEAR, labels, 1, 3f);
        float[] constantLow = sample(m, Sampler.Schedule.CONSTANT, labels, 5, 1.4f);
        for (int b = 0; b < labels.length; b++) {
            float[] c0 = Arrays.copyOfRange(constant, b * 5 * ch, b * 5 * ch + ch);
            float[] l0 = Arrays.copyOfRange(linear, b * 5 * ch, b * 5 * ch + ch);
            KernelHarness.assertCloseToScale("constant token 0 = linear at L=1", c0, Arrays.copyOfRange(linearOne, b * ch, b * ch + ch), 1e-6);
            KernelHarness.assertCloseToScale("linear token 0 = constant cfg 1.4", l0,
                    Arrays.copyOfRange(constantLow, b * 5 * ch, b * 5 * ch + ch), 1e-6);
            assertFalse(Arrays.equals(c0, l0), "the schedules give token 0 different scales (3 and 1.4)");
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

    /**
     * The flow steps' modulations computed in batches (all 7 steps; 3 + 3 + a partial 1; or each
     * step its own, as the tornado backend does) give the same tokens up to the GEMMs' summation order.
     */
    @Test
    void batchedModulationsMatchPerStepModulations() {
        EquivariantGenerator m = TestModels.randomModel(TestModels.tiny(3), 6);
        int[] labels = {2, 7};
        float[][] out = new float[3][];
        int[] caps = {1, 3, Integer.MAX_VALUE};
        int[] expected = {1, 3, 7};
        for (int i = 0; i < caps.length; i++) {
            try (Sampler s = new Sampler(m, KernelHarness.java(), Sampler.Mode.INCREMENTAL, labels.length, 5, 3f,
                    Sampler.Schedule.LINEAR, 7, caps[i])) {
                assertEquals(expected[i], s.stepsPerBatch());
                out[i] = s.sample(labels, Sampler.NoiseSource.seeded(3), null);
            }
        }
        KernelHarness.assertCloseToScale("batches of 3 vs per step", out[1], out[0], 1e-5);
        KernelHarness.assertCloseToScale("one batch of 7 vs per step", out[2], out[0], 1e-5);
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
