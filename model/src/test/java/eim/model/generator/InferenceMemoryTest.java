package eim.model.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.Parameters;
import eim.tasks.testing.KernelHarness;
import org.junit.jupiter.api.Test;

/** Inference (both samplers, forward_encoder) allocates no gradient; training allocates every one. */
class InferenceMemoryTest {
    @Test
    void samplingAndForwardAllocateNoGradients() {
        EquivariantGenerator m = TestModels.randomModel(TestModels.tiny(3), 5);
        for (Sampler.Mode mode : Sampler.Mode.values()) {
            try (Sampler s = new Sampler(m, KernelHarness.java(), mode, 2, 5, 3f, 2)) {
                s.sample(new int[] {0, 1}, Sampler.NoiseSource.seeded(1), null);
            }
        }
        m.conditions(KernelHarness.java(), new float[2 * 5 * m.cfg.tokenChannels()], new int[] {0, -1}, 5);
        for (Parameters.Param p : m.params.all()) {
            assertFalse(p.hasGrad(), p.name() + " got a gradient array in inference");
        }
        try (TrainingPass pass = m.trainingPass(KernelHarness.java(), 2, 5)) {
            long withGrad = m.params.all().stream().filter(Parameters.Param::hasGrad).count();
            assertEquals(m.params.all().size(), withGrad, "training allocates every gradient");
            assertTrue(pass != null);
        }
    }
}
