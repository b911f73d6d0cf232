package eim.model.generator;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.Parameters;
import eim.tasks.Device;
import eim.tasks.DeviceInfo;
import eim.tasks.Task;
import eim.tasks.TaskGraph;
import eim.tasks.backend.JavaDevice;
import eim.tasks.testing.Golden;
import eim.tasks.testing.KernelHarness;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * The gradient golden test can see a missing backward term in a small-gradient tensor. Block 0's
 * MLP runs on the image rows and on the class-buffer rows, so the gradient of its LayerNorm
 * ({@code encoder_blocks.0.norm2}) is the sum of two tasks named {@code ...norm2.bw_w}, the second
 * for the buffer rows. Running the real backward without that one task is the bug "forgot the
 * buffer rows' contribution": every other gradient stays exact, and the comparison the golden
 * test uses ({@link Golden#assertMatches} at {@link GeneratorGoldenTest#GRADIENT_TOLERANCE}) must
 * fail for that tensor. Its values are below 5e-4, so the former comparison (absolute below 1,
 * 1e-3) passed it, as the test also shows.
 */
class GoldenSensitivityTest {
    static final String DROPPED_TASK = "block0.backward.encoder_blocks.0.norm2.bw_w";
    static final Set<String> AFFECTED = Set.of("encoder_blocks.0.norm2.weight", "encoder_blocks.0.norm2.bias");

    /** The java device running every graph without the {@code occurrence}-th task named {@code name}. */
    static final class WithoutTask implements Device {
        final JavaDevice java = (JavaDevice) KernelHarness.java();
        final String name;
        final int occurrence;
        int dropped;

        WithoutTask(String name, int occurrence) {
            this.name = name;
            this.occurrence = occurrence;
        }

        @Override
        public DeviceInfo info() {
            return java.info();
        }

        @Override
        public void execute(TaskGraph graph) {
            int seen = 0;
            for (Task t : graph.tasks()) {
                if (t.name().equals(name) && seen++ == occurrence) {
                    dropped++;
                    continue;
                }
                java.launch(t);
            }
        }

        @Override
        public void close() {}
    }

    @Test
    void aMissingBufferTermInALayerNormBiasGradientFailsTheGoldenComparison() {
        Golden g = Golden.load("generator_train");
        GeneratorConfig cfg = GeneratorGoldenTest.config("generator_train");
        EquivariantGenerator m = GeneratorGoldenTest.model(g, cfg);
        WithoutTask device = new WithoutTask(DROPPED_TASK, 1);
        try (TrainingPass pass = m.trainingPass(device, g.ints("labels").length, cfg.seqLen())) {
            pass.forward(GeneratorGoldenTest.batch(g));
            pass.backward();
            pass.gradientsToHost();
        }
        assertEquals(1, device.dropped, "the backward must run exactly one " + DROPPED_TASK + " task for the buffer rows");

        String bias = "encoder_blocks.0.norm2.bias";
        float[] withoutTerm = m.params.grad(bias).array(), golden = g.f("grad." + bias);
        assertTrue(GeneratorGoldenTest.maxAbs(golden) < 5e-4, "a small-gradient tensor");
        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> Golden.assertMatches("grad." + bias, withoutTerm, golden, GeneratorGoldenTest.GRADIENT_TOLERANCE));
        System.out.println("without the buffer rows' term: " + failure.getMessage());
        assertTrue(Golden.errorToOwnScale(withoutTerm, golden) > 100 * GeneratorGoldenTest.GRADIENT_TOLERANCE,
                "the missing term is far outside the tolerance, not at its edge");
        // the former comparison, |error| / max(1, |expected|) <= 1e-3 per element, did not see it
        assertDoesNotThrow(() -> KernelHarness.assertClose("grad." + bias, withoutTerm, golden, 1e-3));

        // only the tensors of the dropped task changed: the failure is that term's, nothing else's
        for (Parameters.Param p : m.params.all()) {
            String key = "grad." + p.name();
            if (!AFFECTED.contains(p.name()) && !p.name().endsWith(".attn2.k.bias")) {
                Golden.assertMatches(key, p.grad().array(), g.f(key), GeneratorGoldenTest.GRADIENT_TOLERANCE);
            }
        }
    }
}
