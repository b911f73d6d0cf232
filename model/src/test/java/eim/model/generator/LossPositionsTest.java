package eim.model.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.model.Parameters;
import eim.tasks.Device;
import eim.tasks.testing.KernelHarness;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The loss over some positions only (the zero-shot experiment's "every other position"): the loss
 * over even and the loss over odd positions average to the loss over all, and so do their
 * gradients; flagging every position is the plain loss.
 */
class LossPositionsTest {
    private record Run(float loss, float[] grads) {}

    private static Run run(EquivariantGenerator m, Device dev, TrainingPass.Batch batch, int b, boolean[] positions) {
        try (TrainingPass pass = new TrainingPass(m, dev, b, m.cfg.seqLen(), List.of(), positions)) {
            float loss = pass.forward(batch);
            pass.backward();
            pass.gradientsToHost();
            float[] g = new float[Math.toIntExact(m.params.count())];
            int o = 0;
            for (Parameters.Param p : m.params.all()) {
                System.arraycopy(p.grad().array(), 0, g, o, p.size());
                o += p.size();
            }
            pass.plan().free();
            return new Run(loss, g);
        }
    }

    @Test
    void evenAndOddAverageToAll() {
        GeneratorConfig cfg = TestModels.tiny(3);
        int l = cfg.seqLen(), b = 3;
        EquivariantGenerator m = TestModels.randomModel(cfg, 21);
        TrainingPass.Batch batch = DataParallelStepTest.batch(cfg, b, 4);
        boolean[] even = new boolean[l], odd = new boolean[l], every = new boolean[l];
        for (int i = 0; i < l; i++) {
            even[i] = i % 2 == 0;
            odd[i] = !even[i];
            every[i] = true;
        }
        assertEquals(0, l % 2, "as many even as odd positions");
        Device dev = KernelHarness.java();
        Run all = run(m, dev, batch, b, null), e = run(m, dev, batch, b, even), o = run(m, dev, batch, b, odd);
        Run flagged = run(m, dev, batch, b, every);
        assertEquals(all.loss(), (e.loss() + o.loss()) / 2, 1e-5 * all.loss(), "loss");
        assertTrue(Math.abs(e.loss() - o.loss()) > 1e-4 * all.loss(), "the halves differ");
        double scale = 0, err = 0, errFlagged = 0;
        for (int k = 0; k < all.grads().length; k++) {
            scale = Math.max(scale, Math.abs(all.grads()[k]));
            err = Math.max(err, Math.abs(all.grads()[k] - (e.grads()[k] + o.grads()[k]) / 2));
            errFlagged = Math.max(errFlagged, Math.abs(all.grads()[k] - flagged.grads()[k]));
        }
        assertTrue(err <= 1e-5 * scale, "gradients, max error " + err + " of scale " + scale);
        assertEquals(all.loss(), flagged.loss(), 1e-6 * all.loss(), "every position flagged");
        assertTrue(errFlagged <= 1e-6 * scale, "every position flagged, gradients " + errFlagged);
        // the other backends give the java backend's masked loss and gradients
        for (Device other : KernelHarness.devices()) {
            if (other.hostMemory()) {
                continue;
            }
            Run t = run(m, other, batch, b, even);
            assertEquals(e.loss(), t.loss(), 1e-5 * e.loss(), other.name() + ": loss");
            double errT = 0, scaleE = 0;
            for (int k = 0; k < e.grads().length; k++) {
                scaleE = Math.max(scaleE, Math.abs(e.grads()[k]));
                errT = Math.max(errT, Math.abs(e.grads()[k] - t.grads()[k]));
            }
            assertTrue(errT <= 1e-5 * scaleE, other.name() + ": gradients, max error " + errT + " of scale " + scaleE);
        }
        assertThrows(IllegalArgumentException.class, () -> TrainingPass.rowWeights(new boolean[l], b, l, 2));
        assertThrows(IllegalArgumentException.class, () -> TrainingPass.rowWeights(new boolean[l + 1], b, l, 2));
    }
}
