package eim.runtime.tokenizer;

import static eim.tasks.testing.KernelHarness.assertClose;
import static eim.tasks.testing.KernelHarness.tornado;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.tasks.Device;
import org.junit.jupiter.api.Test;

/** Training on a TornadoVM device (PoCL's CPU device here), whose memory is not the host's. */
class TokenizerTrainerDeviceTest {
    /**
     * The optimizer runs on the device: TornadoVM (its own device memory) must reach the Java
     * device's weights, the learnt log-variance included, and bring them back.
     */
    @Test
    void deviceOptimizerAgreesAcrossDevicesAndLearnsTheLogvar() throws Exception {
        TrainOptions opts = TokenizerTrainerTest.options(3).withLoss(0.01f, 0f, true, true);
        ImageSet data = TokenizerTrainerTest.scenes(0, 8);
        Device[] devices = {TokenizerTrainerTest.DEVICE, tornado()};
        float[][] weights = new float[devices.length][];
        float[] logvars = new float[devices.length];
        for (int d = 0; d < devices.length; d++) {
            try (TokenizerTrainer t = new TokenizerTrainer(TokenizerTrainerTest.TINY, devices[d], opts)) {
                t.train(data, null, null, s -> {});
                weights[d] = t.model().parameters().get("encoder.conv_in.weight").value().array().clone();
                logvars[d] = t.logvar();
            }
        }
        assertTrue(logvars[0] != 0f, "the learnt log-variance moved");
        for (int d = 1; d < devices.length; d++) {
            assertClose(devices[d].name() + "-trained weights", weights[d], weights[0], 1e-4);
            assertEquals(logvars[0], logvars[d], 1e-5, devices[d].name() + " log-variance");
        }
    }
}
