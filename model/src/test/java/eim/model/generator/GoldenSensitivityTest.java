package eim.model.generator;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.Parameters;
import eim.tasks.Device;
import eim.tasks.DeviceInfo;
import eim.tasks.FloatArray;
import eim.tasks.Task;
import eim.tasks.TaskGraph;
import eim.tasks.backend.JavaDevice;
import eim.tasks.testing.Golden;
import eim.tasks.testing.KernelHarness;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * The gradient golden test can see a missing backward term in a small-gradient tensor. Block 0's
 * MLP runs on the image rows and on the class-buffer rows (interleaved by sample, one batch), so
 * the gradient of its LayerNorm ({@code encoder_blocks.0.norm2}) sums over both. Running the real
 * backward with that one task ({@code ...norm2.bw_w}) seeing zeros in the buffer rows of its dy is
 * the bug "forgot the buffer rows' contribution": every other gradient stays exact, and the
 * comparison the golden test uses ({@link Golden#assertMatches} at
 * {@link GeneratorGoldenTest#GRADIENT_TOLERANCE}) must fail for that tensor. Its values are below
 * 5e-4, so the former comparison (absolute below 1, 1e-3) passed it, as the test also shows.
 */
class GoldenSensitivityTest {
    static final String DROPPED_TASK = "block0.backward.encoder_blocks.0.norm2.bw_w";
    static final Set<String> AFFECTED = Set.of("encoder_blocks.0.norm2.weight", "encoder_blocks.0.norm2.bias");

    /**
     * The java device running every graph, except that the task named {@code name} (a LayerNorm's
     * parameter gradient, dy its first argument) sees dy with the buffer rows zeroed: rows t < S of
     * each sample's S + L.
     */
    static final class WithoutBufferRows implements Device {
        final JavaDevice java = (JavaDevice) KernelHarness.java();
        final String name;
        final int s, l, width;
        int dropped;

        WithoutBufferRows(String name, int s, int l, int width) {
            this.name = name;
            this.s = s;
            this.l = l;
            this.width = width;
        }

        @Override
        public DeviceInfo info() {
            return java.info();
        }

        @Override
        public void execute(TaskGraph graph) {
            for (Task t : graph.tasks()) {
                if (t.name().equals(name)) {
                    Object[] args = t.args().clone();
                    float[] dy = ((FloatArray) args[0]).array().clone();
                    for (int row = 0; row < dy.length / width; row++) {
                        if (row % (s + l) < s) {
                            Arrays.fill(dy, row * width, (row + 1) * width, 0f);
                        }
                    }
                    args[0] = new FloatArray("dy_without_buffer_rows", dy);
                    java.launch(new Task(t.name(), t.kernel(), t.range(), args));
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
        WithoutBufferRows device = new WithoutBufferRows(DROPPED_TASK, cfg.bufferSize(), cfg.seqLen(), cfg.width());
        try (TrainingPass pass = m.trainingPass(device, g.ints("labels").length, cfg.seqLen())) {
            pass.forward(GeneratorGoldenTest.batch(g));
            pass.backward();
            pass.gradientsToHost();
        }
        assertEquals(1, device.dropped, "the backward must run exactly one " + DROPPED_TASK + " task");

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
