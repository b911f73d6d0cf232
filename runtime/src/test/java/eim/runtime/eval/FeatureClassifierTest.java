package eim.runtime.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import eim.runtime.data.ImageTensor;
import eim.runtime.data.panorama.PanoramaGenerator;
import eim.tasks.backend.JavaDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureClassifierTest {

    /** Panoramas of the five scene classes, interleaved by class, pooled to the classifier's input. */
    private static float[] panoramas(int perClass, int[] labels, long seed) {
        PanoramaGenerator.Scene[] scenes = PanoramaGenerator.Scene.values();
        float[] in = new float[perClass * scenes.length * FeatureClassifier.INPUT];
        int i = 0;
        for (int k = 0; k < perClass; k++) {
            for (int s = 0; s < scenes.length; s++) {
                float[] chw = ImageTensor.fromImage(PanoramaGenerator.render(scenes[s], k, 64, 32, seed));
                FeatureClassifier.pool(chw, 32, 64, in, i * FeatureClassifier.INPUT);
                labels[i++] = s;
            }
        }
        return in;
    }

    @Test
    void learnsTheSceneClassesAndRoundTrips(@TempDir Path dir) throws Exception {
        int classes = PanoramaGenerator.Scene.values().length, perClass = 30, n = perClass * classes, heldOut = 25;
        int[] labels = new int[n];
        float[] in = panoramas(perClass, labels, 11);
        try (var dev = new JavaDevice(2); var clf = new FeatureClassifier(classes, 16, dev).initialize(1)) {
            FeatureClassifier.Fit fit = clf.train(in, labels, heldOut, 15, 2);
            double[] loss = fit.epochLoss();
            assertTrue(loss[loss.length - 1] < 0.5 * loss[0], "loss " + loss[0] + " -> " + loss[loss.length - 1]);
            assertTrue(fit.heldOutAccuracy() >= 0.8, "held-out accuracy " + fit.heldOutAccuracy());
            float[] features = clf.features(in, 7);
            assertEquals(7 * FeatureClassifier.FEATURES, features.length);
            Path file = dir.resolve("clf.safetensors");
            clf.save(file);
            try (var again = FeatureClassifier.load(file, 4, dev)) {
                float[] reloaded = again.features(in, 7); // another batch size: another summation order
                float scale = 0, err = 0;
                for (int i = 0; i < features.length; i++) {
                    scale = Math.max(scale, Math.abs(features[i]));
                    err = Math.max(err, Math.abs(features[i] - reloaded[i]));
                }
                assertTrue(err <= 1e-5f * scale, "features after reload differ by " + err + " (scale " + scale + ")");
                assertArrayEquals(clf.predict(in, n), again.predict(in, n));
            }
            Files.writeString(dir.resolve("bad.safetensors"), "not a file");
            assertThrows(Exception.class, () -> FeatureClassifier.load(dir.resolve("bad.safetensors"), 4, dev));
        }
    }

    /** The analytic gradient of the loss (graphs + host cross-entropy) against central differences. */
    @Test
    void backwardMatchesFiniteDifferences() {
        int classes = 3, batch = 4;
        float[] in = new float[batch * FeatureClassifier.INPUT];
        java.util.Random r = new java.util.Random(5);
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) r.nextGaussian() * 0.5f;
        }
        int[] labels = {0, 2, 1, 2};
        try (var dev = new JavaDevice(1); var clf = new FeatureClassifier(classes, batch, dev).initialize(3)) {
            float[][] probe = clf.probeGradients(in, labels, new int[] {0, 17, 4095}, new int[] {3, 100}, new int[] {5, 200});
            for (float[] p : probe) {
                double analytic = p[0], numeric = p[1];
                assertEquals(numeric, analytic, 2e-3 * Math.max(1e-2, Math.abs(numeric)), "analytic " + analytic + " numeric " + numeric);
            }
        }
    }

    @Test
    void crossEntropyGradientIsSoftmaxMinusOneHot() {
        float[] logits = {1, 2, 3, 0, 0, 0};
        float[] d = new float[6];
        double loss = FeatureClassifier.softmaxCrossEntropy(logits, new int[] {2, 0}, d, 3);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals((-Math.log(Math.exp(3) / z) - Math.log(1 / 3.0)) / 2, loss, 1e-6);
        assertEquals((Math.exp(3) / z - 1) / 2, d[2], 1e-6);
        assertEquals((1 / 3.0 - 1) / 2, d[3], 1e-6);
    }
}
