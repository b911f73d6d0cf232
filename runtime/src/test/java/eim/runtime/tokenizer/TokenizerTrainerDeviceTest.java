package eim.runtime.tokenizer;

import static eim.tasks.testing.KernelHarness.assertClose;
import static eim.tasks.testing.KernelHarness.openCl;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.Device;
import org.junit.jupiter.api.Test;

/** Training on an OpenCL device (PoCL here), whose memory is not the host's. */
class TokenizerTrainerDeviceTest {
    /**
     * The optimizer keeps the weights on the device: OpenCL (its own device memory) must reach the
     * Java device's weights, the learnt log-variance included, and bring them back to the host.
     */
    @Test
    void deviceOptimizerAgreesAcrossDevicesAndLearnsTheLogvar() throws Exception {
        Device openCl = openCl();
        TrainOptions opts = TokenizerTrainerTest.options(3).withLoss(0.01f, 0f, true, true);
        ImageSet data = TokenizerTrainerTest.scenes(0, 8);
        float[][] weights = new float[2][];
        float[] logvars = new float[2];
        Device[] devices = {TokenizerTrainerTest.DEVICE, openCl};
        for (int d = 0; d < 2; d++) {
            try (TokenizerTrainer t = new TokenizerTrainer(TokenizerTrainerTest.TINY, devices[d], opts)) {
                t.train(data, null, null, s -> {});
                weights[d] = t.model().parameters().get("encoder.conv_in.weight").value().array().clone();
                logvars[d] = t.logvar();
            }
        }
        assertTrue(logvars[0] != 0f, "the learnt log-variance moved");
        assertClose("OpenCL-trained weights", weights[1], weights[0], 1e-4);
        assertEquals(logvars[0], logvars[1], 1e-5);
    }
}
